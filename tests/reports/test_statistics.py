"""The statistics of a subtree: counts per level and type, not rated with reasons, roll-up, compliance."""

import pytest

from kiemdiem.campaigns import actions
from kiemdiem.campaigns.models import Evaluation
from kiemdiem.reports.queries import statistics
from tests.campaigns.helpers import propose, submit_self_review
from tests.conftest import make_members
from tests.reports.conftest import decide


def _form(figures, code):  # type: ignore[no-untyped-def]
    return next(f for f in figures["forms"] if f["code"] == code)


def _db_count(cycle, unit, subject_type, **filters) -> int:  # type: ignore[no-untyped-def]
    return Evaluation.objects.filter(
        cycle=cycle, unit__path__startswith=unit.path, subject_type=subject_type, **filters
    ).count()


def test_it_counts_members_per_level_as_the_database_holds_them(world, rated):
    figures = statistics(rated.cycle, world.na_hang)
    members = _form(figures, "B")["total"]
    for level in ("HTXS", "HTT", "HT", "KHT"):
        assert members[level] == _db_count(rated.cycle, world.na_hang, "party_member", decided_rating=level)
    assert (members["HTXS"], members["HTT"], members["HT"], members["KHT"]) == (2, 10, 1, 0)
    assert members["total"] == 14 and members["rated"] == 13 and members["not_rated"] == 1
    assert members["pct_HTT"] == round(100 * 10 / 13, 2)
    assert members["pct_good_or_better"] == round(100 * 12 / 13, 2)
    assert members["ratio_xs_over_t"] == 20.0


def test_it_lists_the_reason_a_subject_was_not_rated(world, rated):
    reasons = _form(statistics(rated.cycle, world.na_hang), "B")["not_rated_reasons"]
    assert reasons == [{"reason": "Miễn công tác và sinh hoạt đảng", "n": 1}]


def test_it_counts_party_organisations_by_kind_with_the_grassroots_subtotal(world, rated):
    orgs = _form(statistics(rated.cycle, world.province), "A")
    by_key = {r["key"]: r for r in orgs["rows"]}
    assert by_key["chi_bo_truc_thuoc"]["HTT"] == 1  # the rated cell
    assert by_key["dang_bo_co_so"]["total"] == 2  # Na Hang town and Lăng Can
    assert by_key["tccs"]["is_subtotal"] and by_key["tccs"]["total"] == 2
    assert by_key["dang_bo_huyen"]["total"] == 2
    # The subtotal is not counted twice in the form's total.
    assert orgs["total"]["total"] == _db_count(rated.cycle, world.province, "party_organization")


def test_it_rolls_up_under_each_child_and_the_children_add_up_to_the_total(world, rated):
    figures = statistics(rated.cycle, world.province)
    children = {c["name"]: c for c in figures["children"]}
    assert children["Đảng bộ huyện Na Hang"]["totals"]["B"]["HTT"] == 10
    assert children["Đảng bộ huyện Lâm Bình"]["totals"]["B"]["pending"] == 1
    for form in figures["forms"]:
        summed = sum(c["totals"][form["code"]]["total"] for c in figures["children"])
        assert summed == form["total"]["total"], form["code"]


def test_it_scopes_the_figures_to_the_unit_subtree(world, rated):
    figures = statistics(rated.cycle, world.lam_binh)
    assert _form(figures, "B")["total"]["total"] == 1
    assert _form(figures, "B")["total"]["HTT"] == 0


def test_it_computes_every_level_in_the_same_few_queries_whatever_the_number_of_members(
    world, rated, django_assert_max_num_queries
):
    # 12, and one grouped query each for Biểu B's extra columns and rows and Biểu A's split by kind of unit; the
    # first read counts the tallies again: one more DELETE and INSERT for Biểu B's member tallies.
    with django_assert_max_num_queries(15) as small:
        statistics(rated.cycle, world.province, with_findings=False)
    make_members(world.cell_lam_binh, 60, prefix="L")
    actions.ensure_evaluations(cycle=rated.cycle)
    with django_assert_max_num_queries(len(small.captured_queries)):
        figures = statistics(rated.cycle, world.province, with_findings=False)
    assert _form(figures, "B")["total"]["total"] == 14 + 1 + 60


def test_it_reports_a_broken_quota_that_the_authority_overrode_with_a_reason(
    world, rated, cell_secretary, grassroots_officer
):
    extra = make_members(world.cell_na_hang, 1, prefix="X")[0]
    actions.ensure_evaluations(cycle=rated.cycle)
    ev = Evaluation.objects.get(cycle=rated.cycle, person=extra)
    submit_self_review(cell_secretary, ev, "HTXS")  # criteria graded XS: only the quota stands in the way
    propose(cell_secretary, ev, "HTT")
    decide(grassroots_officer, ev, "HTXS", override_reason="Thành tích đột xuất được Ban Thường vụ ghi nhận.")
    comp = statistics(rated.cycle, world.na_hang)["compliance"]
    assert comp["overrides_total"] == 1 and comp["overrides"] == {"party_member": 1}
    group = next(g for g in comp["quota_groups"] if g["code"] == "dv-NH-001")
    assert (group["excellent"], group["good"], group["max_excellent"]) == (3, 10, 2)
    assert group["is_over"] and comp["groups_over"] == 1
    assert group["message"] == "vượt 1 suất HTXS"


def test_it_counts_re_rating_orders_open_and_done(world, rated, district_officer):
    actions.do_order(
        user=district_officer, evaluation=rated.member_evals[0], kind="rerating", reason="Kiểm tra lại hồ sơ."
    )
    comp = statistics(rated.cycle, world.na_hang)["compliance"]
    assert comp["orders"]["rerating"] == {"total": 1, "open": 1}
    assert comp["orders"]["rereview"] == {"total": 0, "open": 0}
    assert _form(statistics(rated.cycle, world.na_hang), "B")["total"]["pending"] == 1


def test_a_quota_group_wider_than_the_report_is_not_judged_from_part_of_it(world, rated):
    comp = statistics(rated.cycle, world.cell_na_hang)["compliance"]
    group = next(g for g in comp["quota_groups"] if g["code"] == "dv-NH-001")
    assert group["is_partial"] and group["max_excellent"] is None and not group["is_over"]


@pytest.mark.parametrize("code", ["A", "B", "C", "D", "Đ"])
def test_every_form_has_its_rows_even_when_empty(world, code):
    actions.ensure_evaluations(cycle=world.cycle_province)
    form = _form(statistics(world.cycle_province, world.province, with_findings=False), code)
    assert form["rows"] and form["total"]["label"] == "Tổng cộng"


def test_it_counts_rule_findings_on_ratings_that_later_facts_contradict(world, rated, cell_secretary):
    htt = next(ev for ev in rated.member_evals if Evaluation.objects.get(pk=ev.pk).decided_rating == "HTT")
    actions.do_update_facts(user=cell_secretary, evaluation=htt, facts={"disciplined_in_year": True})
    findings = statistics(rated.cycle, world.na_hang)["compliance"]["findings"]
    assert {
        "code": "DISCIPLINED_IN_YEAR",
        "label": "Bị kỷ luật trong năm nhưng xếp vượt mức cho phép",
        "n": 1,
    } in findings
    assert statistics(rated.cycle, world.lam_binh)["compliance"]["findings"] == []
