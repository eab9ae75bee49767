"""The demo province: its shape, its determinism, and one account per role reaching its own subtree."""

import datetime

import pytest
from django.core.management import call_command
from django.test import Client

from kiemdiem.accounts.models import User, UserRole
from kiemdiem.campaigns.models import Cycle, Evaluation, EvaluationState
from kiemdiem.demo.province import (
    _RATING_SHARES,
    CYCLE_YEAR,
    DEMO_PASSWORD,
    _history_recorder,
    _write_ratings,
    build_demo_province,
)
from kiemdiem.orgs.models import LeadershipCollective, Person, Position, Unit, UnitKind
from tests.conftest import _empty_database, built_once


@pytest.fixture(scope="module")
def _built(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """One build for the module (its tests only read it, each rolled back), and its people for the determinism
    test to compare a second build with."""
    with built_once(
        django_db_blocker, lambda: (build_demo_province(members=600, seed=7), _people())
    ) as built:
        yield built


@pytest.fixture
def demo(_built, db):  # type: ignore[no-untyped-def]
    return _built[0]


def test_it_builds_the_province_in_the_shape_of_tuyen_quang(demo):
    province = Unit.objects.get(code="TQ")
    assert province.name == "Đảng bộ tỉnh Tuyên Quang"
    districts = set(
        Unit.objects.filter(parent=province, kind=UnitKind.DISTRICT_COMMITTEE).values_list("name", flat=True)
    )
    assert districts == {
        "Đảng bộ thành phố Tuyên Quang",
        "Đảng bộ huyện Lâm Bình",
        "Đảng bộ huyện Na Hang",
        "Đảng bộ huyện Chiêm Hóa",
        "Đảng bộ huyện Hàm Yên",
        "Đảng bộ huyện Yên Sơn",
        "Đảng bộ huyện Sơn Dương",
    }
    affiliated = set(Unit.objects.filter(kind=UnitKind.AFFILIATED_COMMITTEE).values_list("name", flat=True))
    assert {"Đảng bộ Khối các cơ quan tỉnh", "Đảng bộ Quân sự tỉnh", "Đảng bộ Công an tỉnh"} <= affiliated
    assert Person.objects.count() == 600
    assert Unit.objects.filter(kind=UnitKind.CELL).count() >= 30
    assert LeadershipCollective.objects.filter(name="Ban Thường vụ Tỉnh ủy").exists()
    # Every collective that has members has exactly one head.
    for col in LeadershipCollective.objects.filter(positions__isnull=False).distinct()[:50]:
        assert Position.objects.filter(collective=col, role="head").count() == 1


def test_it_opens_the_2021_cycle_with_the_deadlines_of_cv_854(demo):
    cycle = Cycle.objects.get(unit__code="TQ", year=2021)
    assert cycle.state == "open"
    assert cycle.regime == "QD132_HD21"
    assert cycle.review_deadline == datetime.date(2022, 1, 10)
    assert cycle.dossier_deadline == datetime.date(2022, 1, 15)
    assert cycle.report_deadline == datetime.date(2022, 2, 10)
    assert (
        cycle.quota_groups.filter(subject_type="party_member").count()
        == Unit.objects.filter(kind__in=[UnitKind.GRASSROOTS_COMMITTEE, UnitKind.GRASSROOTS_CELL]).count()
    )


def test_it_is_deterministic_from_the_seed(_built, db):  # type: ignore[no-untyped-def]
    """A second build from the same seed, on an empty database, is the module's build again."""
    _empty_database()
    assert Person.objects.count() == 0
    build_demo_province(members=600, seed=7)
    again = _people()
    assert again == _built[1]
    assert len(again) == 600


def _people() -> list[tuple]:  # type: ignore[type-arg]
    return list(
        Person.objects.order_by("code").values_list("code", "full_name", "home_cell__code", "admitted_on")
    )


@pytest.mark.parametrize(
    ("username", "reachable", "unreachable"),
    [
        ("tinhuy", ["TQ", "LB", "NH"], []),
        ("nahang", ["NH"], ["TQ", "LB"]),
        ("lambinh", ["LB"], ["TQ", "NH"]),
        ("kiemtra", ["TQ", "NH"], []),
        ("btv", ["NH", "KCQ-001"], ["TQ", "LB"]),
    ],
)
def test_each_demo_account_reaches_its_own_subtree(demo, username, reachable, unreachable):
    client = Client()
    assert client.login(username=username, password=DEMO_PASSWORD)
    assert client.get("/").status_code == 302
    for code in reachable:
        assert client.get(f"/don-vi/{Unit.objects.get(code=code).pk}/").status_code == 200, code
    for code in unreachable:
        assert client.get(f"/don-vi/{Unit.objects.get(code=code).pk}/").status_code == 404, code


def test_the_cell_secretary_and_member_accounts_see_their_cell_and_self(demo):
    secretary = User.objects.get(username="chibo")
    member = User.objects.get(username="dangvien")
    assert secretary.role == UserRole.CELL_SECRETARY and secretary.unit.kind == UnitKind.CELL
    assert member.person.home_cell_id == secretary.unit_id
    client = Client()
    client.login(username="chibo", password=DEMO_PASSWORD)
    page = client.get(f"/don-vi/{secretary.unit_id}/").content.decode()
    assert member.person.full_name in page
    assert client.get(f"/don-vi/{secretary.unit.parent_id}/").status_code == 404
    client.login(username="dangvien", password=DEMO_PASSWORD)
    response = client.get("/", follow=True)
    assert member.person.full_name in response.content.decode()


def test_the_demo_command_skips_a_database_that_has_data(demo, capsys):
    call_command("demo", "--if-empty")
    assert "bỏ qua" in capsys.readouterr().out
    assert Person.objects.count() == 600


def test_the_bulk_ratings_follow_the_hash_of_each_evaluation_id(demo):
    """`_write_ratings` rates in SQL by `(id × 2654435761 + year) mod 1000`: the same ratings as Python's arithmetic
    whichever side binds the parameters. With PostgreSQL binding them on the server (settings.py), the multiplier sent
    as a 32-bit integer wrapped to a negative number and every row came out HTXS."""
    cycle = Cycle.objects.get(year=CYCLE_YEAR, quarter=None)
    draft = Evaluation.objects.filter(cycle=cycle, not_rated_reason="", state=EvaluationState.DRAFT)
    ids = list(draft.values_list("id", flat=True))
    assert len(ids) > 100
    _write_ratings(cycle=cycle, user=_history_recorder(cycle.unit), salt=2021, decided_share=30)
    written = dict(Evaluation.objects.filter(id__in=ids).values_list("id", "proposed_rating"))
    expected = {
        pk: next((code for code, bound in _RATING_SHARES if (pk * 2654435761 + 2021) % 1000 < bound), "")
        for pk in ids
    }
    assert written == expected
    assert 0 < sum(r == "HTXS" for r in written.values()) < len(ids) / 2
