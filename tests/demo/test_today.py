"""The demo of today: the 2021 Tuyên Quang and a Hà Giang merged on 01/07/2025 into a two-level tree, 2025 decided and
the 2026 year-end under QĐ 366 in progress — its shape, its determinism, its accounts, its audit trail."""

import datetime

import pytest
from django.db import transaction
from django.db.models import Count
from django.test import Client

from kiemdiem.accounts.models import User, UserRole
from kiemdiem.assessments.models import ItemScore, Task
from kiemdiem.campaigns.models import AuditRecord, Cycle, Evaluation, EvaluationState
from kiemdiem.demo.province import DEMO_PASSWORD
from kiemdiem.demo.today import MERGER_DAY, build_demo_today
from kiemdiem.orgs.models import Person, Reorganisation, Unit, UnitKind
from kiemdiem.orgs.queries import subtree_counts, units_as_of
from tests.conftest import built_once

END_2021, END_2026 = datetime.date(2021, 12, 31), datetime.date(2026, 12, 31)


SEED = 7


@pytest.fixture(scope="module")
def _built(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """Two builds from the same seed on an empty database, the first rolled back (the determinism test compares
    their trees and ratings; rolling back is cheap where deleting a built province is not on PostgreSQL), and the
    second kept for the module's tests, which only read it (each rolled back)."""

    def build():  # type: ignore[no-untyped-def]
        _central_frameworks()
        with transaction.atomic():
            build_demo_today(members=300, seed=SEED)
            first = _tree_and_ratings()
            transaction.set_rollback(True)
        assert not Unit.objects.exists()
        return build_demo_today(members=300, seed=SEED), first, _tree_and_ratings()

    with built_once(django_db_blocker, build) as built:
        yield built


@pytest.fixture
def today(_built, db):  # type: ignore[no-untyped-def]
    return _built[0]


def _central_frameworks() -> None:
    """`empty_db` empties every table, the criteria frameworks a migration loads too: load them again."""
    from kiemdiem.assessments.models import Criterion, FrameworkVersion
    from kiemdiem.assessments.seed import load

    load(FrameworkVersion, Criterion)


def test_the_2026_tree_has_two_levels_and_the_2021_cycle_keeps_the_2021_tree(today):
    province = Unit.objects.get(code="TQ", parent__isnull=True)
    tree_2026 = units_as_of(province, END_2026)
    assert not tree_2026.filter(kind=UnitKind.DISTRICT_COMMITTEE).exists()
    assert not units_as_of(province, END_2026).filter(code__startswith="HG", parent__isnull=True).exists()
    # Communes, wards and the agencies' committees hang directly under the Tỉnh ủy; the agencies' own grassroots
    # organisations under those committees; cells under the grassroots.
    communes = tree_2026.filter(kind=UnitKind.GRASSROOTS_COMMITTEE, name__regex=r"^Đảng bộ (xã|phường) ")
    assert communes.count() >= today.communes > 0
    assert set(communes.values_list("parent_id", flat=True)) == {province.pk}
    affiliated = tree_2026.filter(kind=UnitKind.AFFILIATED_COMMITTEE)
    assert set(affiliated.values_list("parent_id", flat=True)) == {province.pk}
    grassroots = tree_2026.filter(kind__in=[UnitKind.GRASSROOTS_COMMITTEE, UnitKind.GRASSROOTS_CELL])
    assert set(grassroots.values_list("parent__kind", flat=True)) == {
        UnitKind.PROVINCE_COMMITTEE,
        UnitKind.AFFILIATED_COMMITTEE,
    }
    assert set(tree_2026.filter(kind=UnitKind.CELL).values_list("parent__kind", flat=True)) <= {
        UnitKind.GRASSROOTS_COMMITTEE,
        UnitKind.GOVERNMENT,
        UnitKind.PARTY_AGENCY,
        UnitKind.FRONT_MASS_ORG,
    }
    assert tree_2026.filter(name="Đảng bộ Ủy ban nhân dân tỉnh", valid_from=MERGER_DAY).exists()
    # Hà Giang's people are members of the merged province in 2026.
    hg_people = Person.objects.filter(code__startswith="HG")
    assert hg_people.count() == today.ha_giang.persons == 200
    assert not hg_people.exclude(home_cell__path__startswith=province.path).exists()
    assert not hg_people.exclude(home_cell__valid_from=MERGER_DAY).exists()
    # Every change went through the reorganisation action, effective 01/07/2025.
    assert Reorganisation.objects.filter(effective_on=MERGER_DAY).count() == today.reorganisations
    assert not Reorganisation.objects.exclude(effective_on=MERGER_DAY).exists()

    # The 2021 cycle still reads the 2021 tree: its seven districts and 300 members, no Hà Giang.
    cycle_2021 = Cycle.objects.get(unit=province, year=2021, quarter__isnull=True)
    tree_2021 = units_as_of(cycle_2021.unit, END_2021)
    assert tree_2021.filter(kind=UnitKind.DISTRICT_COMMITTEE, parent=province).count() == 7
    assert not tree_2021.filter(code__startswith="XA-").exists()
    assert subtree_counts([province], on=END_2021)[province.pk]["members"] == 300
    assert subtree_counts([province], on=END_2026)[province.pk]["members"] == 500
    assert not Evaluation.objects.filter(cycle=cycle_2021, unit__valid_from=MERGER_DAY).exists()
    page = _client("tinhuy").get(f"/don-vi/{province.pk}/?nam=2021").content.decode()
    assert "Đảng bộ huyện Na Hang" in page


def test_2025_is_decided_and_2026_runs_under_qd_366_with_scores_and_task_registers(today):
    province = Unit.objects.get(code="TQ", parent__isnull=True)
    cycle_2025 = Cycle.objects.get(unit=province, year=2025, quarter__isnull=True)
    decided_2025 = Evaluation.objects.filter(cycle=cycle_2025, state=EvaluationState.DECIDED)
    assert decided_2025.count() == today.decided_2025 > 400
    assert set(decided_2025.values_list("decided_rating", flat=True)) <= {"HTXS", "HTT", "HT", "KHT"}

    cycle = Cycle.objects.get(unit=province, year=2026, quarter__isnull=True)
    assert cycle.regime == "QD366_HD43"
    assert cycle.state == "open"
    # Only the tree of 2026 is reviewed: no ended unit of 2021, no district.
    assert (
        not Evaluation.objects.filter(cycle=cycle).exclude(unit__in=units_as_of(province, END_2026)).exists()
    )
    scored = Evaluation.objects.filter(cycle=cycle, score__isnull=False)
    assert scored.count() == today.scored_2026 == 6
    for ev in scored:
        points = ItemScore.objects.filter(evaluation=ev, self_score__isnull=False)
        assert points.exists()
        assert sum(p.self_score for p in points) == ev.score  # item by item, the total follows
        assert ev.audit_records.filter(field="score").exists()
    tasks = Task.objects.filter(evaluation__cycle=cycle)
    assert tasks.count() == today.tasks_2026 == 12
    assert not tasks.filter(confirmed_by__isnull=True).exists()
    with_register = Evaluation.objects.filter(cycle=cycle, tasks__isnull=False).distinct()
    for ev in with_register:
        assert ev.task_completion_pct == 100.0  # computed from the register, never typed
    # The province's results formula (HD 43 tiết 7.12) was stated before the cycle opened: the cycle keeps it, and
    # the registers derive points from it.
    from kiemdiem.assessments.actions import derived_points, framework_for
    from kiemdiem.assessments.models import CycleFramework

    for appendix, count in (("pl4", 3), ("pl5", 1)):
        kept = CycleFramework.objects.get(cycle=cycle, appendix=appendix).version
        assert kept.unit == province and kept.criteria.filter(formula__isnull=False).count() == count
    assert any(
        derived_points(ev, list(framework_for(ev).criteria.all()))
        for ev in with_register.select_related("cycle")
    )
    decided = Evaluation.objects.filter(cycle=cycle, state=EvaluationState.DECIDED)
    assert decided.count() == today.decided_2026 == 3
    assert set(decided.values_list("decided_by__username", flat=True)) == {"vanphongxa"}
    in_progress = Evaluation.objects.filter(cycle=cycle).exclude(state=EvaluationState.DECIDED)
    assert in_progress.filter(state=EvaluationState.SELF_REVIEWED).exists()


def test_2025_is_decided_for_units_collectives_leaders_and_members_within_the_ceilings(today):
    from kiemdiem.campaigns.quarterly import RANK

    province = Unit.objects.get(code="TQ", parent__isnull=True)
    cycle = Cycle.objects.get(unit=province, year=2025, quarter__isnull=True)
    rated = Evaluation.objects.filter(cycle=cycle, not_rated_reason="").exclude(
        subject_type="party_member", person__admitted_on__gt=datetime.date(2025, 6, 30)
    )
    assert not rated.exclude(state=EvaluationState.DECIDED).exists()
    decided = Evaluation.objects.filter(cycle=cycle, state=EvaluationState.DECIDED)
    assert decided.count() == today.decided_2025
    kinds = dict(decided.values("subject_type").annotate(n=Count("pk")).values_list("subject_type", "n"))
    assert kinds.get("party_organization", 0) > 50 and kinds.get("leadership_collective", 0) > 10
    assert kinds.get("leader", 0) > 10 and kinds.get("party_member", 0) > 400
    # The units, collectives and leaders are the tree at 31/12/2025: the merged communes, no district.
    assert not decided.filter(unit__kind=UnitKind.DISTRICT_COMMITTEE).exists()
    assert decided.filter(subject_type="party_organization", unit__code__startswith="XA-").exists()
    unit_level = {
        ev.unit_id: ev.decided_rating
        for ev in decided.filter(subject_type__in=["party_organization", "agency"])
    }
    collective_level = {}
    for ev in decided.filter(subject_type="leadership_collective"):
        collective_level[ev.collective_id] = ev.decided_rating
        assert RANK[ev.decided_rating] <= RANK[unit_level[ev.unit_id]]
    for ev in decided.filter(subject_type="leader"):
        assert RANK[ev.decided_rating] <= RANK[unit_level.get(ev.unit_id, "HTXS")]
        if ev.leader_collective_id:
            assert RANK[ev.decided_rating] <= RANK[collective_level[ev.leader_collective_id]]
    assert set(decided.values_list("decided_rating", flat=True)) >= {"HTXS", "HTT", "HT"}


def test_quarters_one_to_three_of_2026_are_done_and_show_in_the_cadres_year(today):
    from kiemdiem.campaigns.quarterly import reference_level

    province = Unit.objects.get(code="TQ", parent__isnull=True)
    quarters = Cycle.objects.filter(unit=province, year=2026, quarter__isnull=False).order_by("quarter")
    assert [(c.quarter, c.state) for c in quarters] == [(1, "closed"), (2, "closed"), (3, "closed")]
    assert today.quarter_cadres >= 3 and today.decided_quarters == 3 * today.quarter_cadres
    commune = User.objects.get(username="vanphongxa").unit
    for cycle in quarters:
        evaluations = Evaluation.objects.filter(cycle=cycle)
        assert evaluations.count() == today.quarter_cadres
        assert set(evaluations.values_list("form_code", "state", "subject_type")) == {
            ("05-HD KĐ.ĐG 2025", "decided", "leader")
        }
        assert set(evaluations.values_list("decided_by__username", flat=True)) == {"bantochuc"}
        assert evaluations.filter(unit=commune).count() >= 1  # the demo commune's secretary among them
        for ev in evaluations:
            assert ev.self_review["quarter_tasks"].startswith(f"Quý {cycle.quarter}/2026")
            assert ev.audit_records.filter(field="decided_rating", new_value=ev.decided_rating).exists()
    year = Cycle.objects.get(unit=province, year=2026, quarter__isnull=True)
    client = _client("bantochuc")
    shown = 0
    for person_id in Evaluation.objects.filter(cycle=quarters[0]).values_list("person_id", flat=True):
        levels = list(
            Evaluation.objects.filter(person_id=person_id, cycle__in=quarters)
            .order_by("cycle__quarter")
            .values_list("decided_rating", flat=True)
        )
        ev = Evaluation.objects.get(cycle=year, person_id=person_id, subject_type="leader")
        page = client.get(f"/danh-gia/{ev.pk}/").content.decode()
        assert "Kết quả đánh giá hằng quý năm 2026" in page
        assert f"Mức tham chiếu từ 3 quý: <strong>{reference_level(levels)}</strong>" in page
        shown += 1
    assert shown == today.quarter_cadres
    # The new tree's accounts on the quarters: the province and the inspector see every designated cadre, the
    # commune's office its own secretary's quarter, the cell secretary not the commune's cadres.
    ours = Evaluation.objects.filter(cycle=quarters[0], unit=commune).first()
    for username in ("bantochuc", "uybankiemtra"):
        page = _client(username).get(f"/dot/{quarters[0].pk}/").content.decode()
        assert "Cán bộ đánh giá hằng quý năm 2026" in page and ours.person.full_name in page, username
    assert _client("vanphongxa").get(f"/danh-gia/{ours.pk}/").status_code == 200
    assert _client("bithu").get(f"/danh-gia/{ours.pk}/").status_code == 404


def test_every_decided_rating_has_its_audit_rows(today):
    decided = Evaluation.objects.filter(state=EvaluationState.DECIDED).exclude(decided_rating="")
    assert decided.filter(cycle__year=2025).exists() and decided.filter(cycle__year=2026).exists()
    audited = {
        (pk, value)
        for pk, value in AuditRecord.objects.filter(field="decided_rating").values_list(
            "evaluation_id", "new_value"
        )
    }
    missing = [
        pk for pk, rating in decided.values_list("pk", "decided_rating") if (pk, rating) not in audited
    ]
    assert missing == []
    proposed = Evaluation.objects.filter(cycle__year=2026).exclude(proposed_rating="")
    for ev in proposed:
        assert ev.audit_records.filter(field="proposed_rating", new_value=ev.proposed_rating).exists()


def test_each_new_account_reaches_only_its_own_subtree(today):
    province = Unit.objects.get(code="TQ", parent__isnull=True)
    office = User.objects.get(username="vanphongxa")
    secretary = User.objects.get(username="bithu")
    member = User.objects.get(username="dangvienmoi")
    commune = office.unit
    assert commune.kind == UnitKind.GRASSROOTS_COMMITTEE and commune.parent_id == province.pk
    assert secretary.unit.parent_id == commune.pk and secretary.unit.kind == UnitKind.CELL
    assert member.person.home_cell_id == secretary.unit_id
    other_commune = (
        units_as_of(province, END_2026)
        .filter(kind=UnitKind.GRASSROOTS_COMMITTEE)
        .exclude(pk=commune.pk)
        .first()
    )
    other_cell = Unit.objects.filter(parent=commune, kind=UnitKind.CELL).exclude(pk=secretary.unit_id).first()
    cases = {
        "bantochuc": ([province, commune, other_commune], []),
        "uybankiemtra": ([province, commune, other_commune], []),
        "vanphongxa": ([commune, secretary.unit], [province, other_commune]),
        "bithu": ([secretary.unit], [commune, province, *([other_cell] if other_cell else [])]),
    }
    for username, (reachable, unreachable) in cases.items():
        assert User.objects.get(username=username).role in UserRole.values
        client = _client(username)
        for unit in reachable:
            assert client.get(f"/don-vi/{unit.pk}/").status_code == 200, (username, unit.code)
        for unit in unreachable:
            assert client.get(f"/don-vi/{unit.pk}/").status_code == 404, (username, unit.code)
    client = _client("dangvienmoi")
    assert client.get(f"/don-vi/{secretary.unit_id}/").status_code == 404
    assert member.person.full_name in client.get("/", follow=True).content.decode()
    # The 2021 accounts keep their 2021 units: the district officer of Na Hang still reaches Na Hang of 2021.
    na_hang = Unit.objects.get(code="NH")
    assert na_hang.valid_to == MERGER_DAY - datetime.timedelta(days=1)
    assert _client("nahang").get(f"/don-vi/{na_hang.pk}/").status_code == 200
    assert _client("nahang").get(f"/don-vi/{commune.pk}/").status_code == 404


@pytest.mark.slow
def test_it_is_deterministic_from_the_seed(_built, db):  # type: ignore[no-untyped-def]
    """The module's two builds from the same seed, each on an empty database, have one tree and one set of ratings."""
    _, first, second = _built
    assert first == second
    assert len(first[1]) > 300


def _tree_and_ratings() -> tuple[list[tuple], list[tuple]]:  # type: ignore[type-arg]
    tree = list(
        Unit.objects.filter(valid_to__isnull=True)
        .order_by("code")
        .values_list("code", "name", "parent__code")
    )
    # A person may be decided twice in a year (a member, and a leader of their collective): the order names every
    # subject, so that the comparison does not hang on how the database breaks a tie.
    ratings = list(
        Evaluation.objects.exclude(decided_rating="")
        .order_by(
            "cycle__year", "cycle__quarter", "subject_type", "person__code", "unit__code", "collective__name"
        )
        .values_list("cycle__year", "person__code", "decided_rating", "score")
    )
    return tree, ratings


def _client(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=DEMO_PASSWORD), username
    return client
