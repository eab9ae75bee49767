"""Reporting upward: a submitted report is a frozen snapshot; a new one supersedes it; the level above sees who sent."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from kiemdiem.campaigns import actions
from kiemdiem.campaigns.actions import ActionError
from kiemdiem.campaigns.models import Cycle
from kiemdiem.reports.actions import do_submit_report
from kiemdiem.reports.models import ReportSubmission
from kiemdiem.reports.queries import statistics, submission_status
from tests.campaigns.helpers import propose
from tests.reports.conftest import decide


def _members(figures):  # type: ignore[no-untyped-def]
    return next(f for f in figures["forms"] if f["code"] == "B")["total"]


def test_it_freezes_the_figures_so_later_decisions_do_not_change_the_report(
    world, rated, district_officer, cell_secretary, grassroots_officer
):
    sub = do_submit_report(user=district_officer, cycle=rated.cycle, unit=world.na_hang, number="125")
    frozen = _members(sub.figures)
    assert (frozen["HTT"], frozen["HT"]) == (10, 1)
    # A re-rating after the report was sent still works; the report keeps what was sent.
    actions.do_order(
        user=district_officer, evaluation=rated.member_evals[0], kind="rerating", reason="Xem lại."
    )
    propose(cell_secretary, rated.member_evals[0], "HT")
    decide(grassroots_officer, rated.member_evals[0], "HT", reason="Xếp loại lại theo yêu cầu.")
    assert _members(statistics(rated.cycle, world.na_hang))["HT"] == 2
    sub.refresh_from_db()
    assert _members(sub.figures)["HT"] == 1 and sub.number == "125"


def test_a_new_submission_supersedes_the_old_and_both_are_kept(world, rated, district_officer):
    first = do_submit_report(user=district_officer, cycle=rated.cycle, unit=world.na_hang)
    second = do_submit_report(user=district_officer, cycle=rated.cycle, unit=world.na_hang, number="130")
    first.refresh_from_db()
    assert first.superseded_by == second and not first.is_current and second.is_current
    assert ReportSubmission.objects.filter(cycle=rated.cycle, unit=world.na_hang).count() == 2
    third = do_submit_report(user=district_officer, cycle=rated.cycle, unit=world.na_hang)
    second.refresh_from_db()
    assert second.superseded_by == third
    assert ReportSubmission.objects.filter(superseded_by__isnull=True, unit=world.na_hang).get() == third


def test_a_submitted_report_cannot_be_edited_or_deleted(world, rated, district_officer):
    sub = do_submit_report(user=district_officer, cycle=rated.cycle, unit=world.na_hang)
    sub.figures = {}
    with pytest.raises(PermissionError, match="không được sửa"):
        sub.save()
    with pytest.raises(PermissionError, match="không được xóa"):
        sub.delete()


def test_the_level_above_sees_submitted_late_and_missing_children(
    world, rated, district_officer, outsider, province_admin
):
    # Lâm Bình sends after the deadline; Na Hang on time; nobody else under the province is a party committee.
    Cycle.objects.filter(pk=rated.cycle.pk).update(
        report_deadline=timezone.localdate() + datetime.timedelta(days=30)
    )
    rated.cycle.refresh_from_db()
    do_submit_report(user=district_officer, cycle=rated.cycle, unit=world.na_hang)
    late = do_submit_report(user=outsider, cycle=rated.cycle, unit=world.lam_binh)
    after = rated.cycle.report_deadline + datetime.timedelta(days=3)
    ReportSubmission.objects.filter(pk=late.pk).update(
        submitted_at=datetime.datetime.combine(after, datetime.time(9), tzinfo=datetime.UTC)
    )
    rows = {r["unit"].name: r for r in submission_status(rated.cycle, world.province)}
    assert rows["Đảng bộ huyện Na Hang"]["status"] == "submitted"
    assert rows["Đảng bộ huyện Lâm Bình"]["status"] == "late"
    rows = {r["unit"].name: r for r in submission_status(rated.cycle, world.na_hang)}
    assert rows["Đảng bộ thị trấn Na Hang"]["status"] == "missing"
    assert "Ủy ban nhân dân huyện Na Hang" not in rows  # agencies do not report upward


def test_a_missing_report_is_marked_overdue_after_the_deadline(world, rated):
    Cycle.objects.filter(pk=rated.cycle.pk).update(report_deadline=datetime.date(2022, 2, 10))
    rated.cycle.refresh_from_db()
    rows = submission_status(rated.cycle, world.na_hang)
    assert rows[0]["overdue"] and rows[0]["label"] == "Chưa gửi (quá hạn)"


def test_only_a_recording_board_covering_the_unit_may_submit(
    world, rated, inspector, outsider, district_officer
):
    with pytest.raises(PermissionDenied):
        do_submit_report(user=inspector, cycle=rated.cycle, unit=world.na_hang)
    with pytest.raises(PermissionDenied):
        do_submit_report(user=outsider, cycle=rated.cycle, unit=world.na_hang)
    with pytest.raises(PermissionDenied):  # an agency is not a party organisation: it does not report upward
        do_submit_report(user=district_officer, cycle=rated.cycle, unit=world.agency_na_hang)
    assert not ReportSubmission.objects.exists()


def test_it_refuses_a_unit_outside_the_cycle(world, rated, outsider):
    with pytest.raises(ActionError, match="không thuộc phạm vi đợt"):
        do_submit_report(user=outsider, cycle=world.cycle_na_hang, unit=world.lam_binh)
