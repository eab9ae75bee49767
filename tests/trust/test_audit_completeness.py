"""Every change of a rating, proposal or decision leaves exactly one audit record, whichever path made it.

Paths: the pages (self-review, meeting, bulk proposal, decision, order), the API (the Excel import endpoint is
its only path that changes a rating), the `kiemdiem import` command and the `demo` command. Audit records
cannot be edited or deleted through the application.
"""

from __future__ import annotations

import io
from collections import Counter

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.test import Client

from kiemdiem.api import api
from kiemdiem.campaigns.actions import ensure_evaluations
from kiemdiem.campaigns.models import AuditRecord, Evaluation, SubjectType
from tests.campaigns.helpers import propose, submit_self_review
from tests.conftest import make_members
from tests.imports.helpers import xlsx

RATING_FIELDS = ("self_rating", "proposed_rating", "decided_rating")

# Every API operation that writes, and whether it can change a rating. A new one must be added here (and, if
# it changes ratings, get a test below): test_it_knows_every_writing_api_operation fails until it is.
WRITING_API_OPERATIONS = {
    ("POST", "/api/rules/check"): "no: checks a posted scenario, writes nothing",
    ("POST", "/api/rules/formula"): "no: derives points from posted percentages, writes nothing",
    (
        "POST",
        "/api/imports/{job_id}/apply",
    ): "no: applies a previewed people or reorganisation file (ratings imports are never previewed)",
    (
        "POST",
        "/api/imports/",
    ): "yes: an Excel import of kind “ratings” (test_it_audits_an_import_through_the_api)",
    (
        "POST",
        "/api/reports/submissions",
    ): "no: freezes the statistics into a report sent upward, ratings untouched",
}


def ratings() -> dict[int, tuple[str, str, str]]:
    return {pk: tuple(rest) for pk, *rest in Evaluation.objects.values_list("pk", *RATING_FIELDS)}  # type: ignore[misc]


def assert_one_audit_record_per_change(before: dict[int, tuple[str, str, str]], since: int, user) -> int:  # type: ignore[no-untyped-def]
    """Compare the ratings now with `before`; each changed field has exactly one new record, old → new, by user."""
    after = ratings()
    records = list(AuditRecord.objects.filter(pk__gt=since, field__in=RATING_FIELDS))
    by_key = Counter((r.evaluation_id, r.field) for r in records)
    changes = 0
    for pk, now in after.items():
        was = before.get(pk, ("", "", ""))
        for field, old, new in zip(RATING_FIELDS, was, now, strict=True):
            if old == new:
                assert by_key[(pk, field)] == 0, f"evaluation {pk}: {field} unchanged but audited"
                continue
            changes += 1
            assert by_key[(pk, field)] == 1, (
                f"evaluation {pk}: {field} {old!r} → {new!r} has {by_key[(pk, field)]} records"
            )
            record = next(r for r in records if (r.evaluation_id, r.field) == (pk, field))
            assert (record.old_value, record.new_value) == (old, new)
            assert record.user_id == user.pk and record.at is not None
    assert changes > 0, "the path changed nothing: the test proves nothing"
    return changes


def last_audit_id() -> int:
    return AuditRecord.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


@pytest.fixture
def members(world):  # type: ignore[no-untyped-def]
    make_members(world.cell_na_hang, 9)
    ensure_evaluations(cycle=world.cycle_na_hang)
    return list(
        Evaluation.objects.filter(cycle=world.cycle_na_hang, subject_type=SubjectType.PARTY_MEMBER)
        .select_related("cycle", "unit", "person")
        .order_by("pk")
    )


def _client(user) -> Client:  # type: ignore[no-untyped-def]
    c = Client()
    c.force_login(user)
    return c


def test_it_audits_a_self_rating_entered_on_the_page(world, member, members):
    ev = next(e for e in members if e.person_id == world.member_na_hang.pk)
    before, since = ratings(), last_audit_id()
    response = _client(member).post(
        f"/danh-gia/{ev.pk}/tu-kiem-diem/", {"self_rating": "HTT", "version": ev.version}
    )
    assert response.status_code == 302
    assert assert_one_audit_record_per_change(before, since, member) == 1


def test_it_audits_a_proposal_recorded_at_the_meeting_page(grassroots_officer, members):
    ev = members[0]
    submit_self_review(grassroots_officer, ev, "HTT")
    ev.refresh_from_db()
    before, since = ratings(), last_audit_id()
    _client(grassroots_officer).post(
        f"/danh-gia/{ev.pk}/hoi-nghi/",
        {
            "comments": "Nhất trí.",
            "attendees": "9",
            "votes_for": "9",
            "proposed_rating": "HT",
            "version": ev.version,
        },
    )
    assert assert_one_audit_record_per_change(before, since, grassroots_officer) == 1


def test_it_audits_every_row_of_a_bulk_proposal(world, cell_secretary, members):
    for ev in members:
        submit_self_review(cell_secretary, ev, "HTT")
    before, since = ratings(), last_audit_id()
    data = {"attendees": "10", "comments": "Chi bộ thống nhất."}
    for ev in members:
        ev.refresh_from_db()
        data |= {f"rating-{ev.pk}": "HTT", f"votes-{ev.pk}": "9", f"version-{ev.pk}": str(ev.version)}
    response = _client(cell_secretary).post(
        f"/dot/{world.cycle_na_hang.pk}/don-vi/{world.cell_na_hang.pk}/de-xuat/", data
    )
    assert response.status_code == 302
    assert assert_one_audit_record_per_change(before, since, cell_secretary) == len(members)


def test_it_audits_a_decision_and_a_redecision(grassroots_officer, members):
    for ev in members:
        propose(grassroots_officer, ev, "HTT")
    ev = members[0]
    client = _client(grassroots_officer)
    for rating, reason in (("HTT", ""), ("HT", "Phát hiện vi phạm sau hội nghị.")):
        ev.refresh_from_db()
        before, since = ratings(), last_audit_id()
        client.post(
            f"/danh-gia/{ev.pk}/quyet-dinh/",
            {"rating": rating, "reason": reason, "version": ev.version, "decided_on": "08/01/2022"},
        )
        assert assert_one_audit_record_per_change(before, since, grassroots_officer) == 1


def test_it_audits_an_order_that_clears_a_decision(grassroots_officer, district_officer, members):
    ev = members[0]
    propose(grassroots_officer, ev, "HTT")
    ev.refresh_from_db()
    _client(grassroots_officer).post(
        f"/danh-gia/{ev.pk}/quyet-dinh/", {"rating": "HTT", "version": ev.version, "decided_on": "08/01/2022"}
    )
    ev.refresh_from_db()
    assert ev.decided_rating == "HTT"
    before, since = ratings(), last_audit_id()
    _client(district_officer).post(
        f"/danh-gia/{ev.pk}/yeu-cau/", {"kind": "rerating", "reason": "Đơn thư phản ánh."}
    )
    # The decision and the proposal are both cleared: two fields, one record each.
    assert assert_one_audit_record_per_change(before, since, district_officer) == 2


def test_it_knows_every_writing_api_operation():
    schema = api.get_openapi_schema()
    writing = {
        (method.upper(), path)
        for path, ops in schema["paths"].items()
        for method in ops
        if method.upper() in ("POST", "PUT", "PATCH", "DELETE")
    }
    unknown = writing - set(WRITING_API_OPERATIONS)
    assert not unknown, (
        f"New API operations that write: {sorted(unknown)}. Add each to WRITING_API_OPERATIONS in "
        "tests/trust/test_audit_completeness.py, and if it can change a rating, a test that it audits each change."
    )


def _ratings_workbook(members, rating: str = "HTT") -> bytes:  # type: ignore[no-untyped-def]
    rows = [["Đảng viên", ev.person.code, None, None, rating, "05/01/2022", None, None] for ev in members]
    return xlsx("ratings", rows)


def test_it_audits_an_import_through_the_api(world, district_officer, members, settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    before, since = ratings(), last_audit_id()
    upload = io.BytesIO(_ratings_workbook(members[:6]))
    upload.name = "bien-ban.xlsx"
    response = _client(district_officer).post(
        "/api/imports/", {"file": upload, "kind": "ratings", "cycle_id": world.cycle_na_hang.pk}
    )
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "done", response.json()
    assert assert_one_audit_record_per_change(before, since, district_officer) == 6


def test_it_audits_an_import_through_the_command(world, district_officer, members, tmp_path):
    path = tmp_path / "bien-ban.xlsx"
    path.write_bytes(_ratings_workbook(members[:5], "HT"))
    before, since = ratings(), last_audit_id()
    call_command(
        "import",
        str(path),
        "--kind",
        "ratings",
        "--user",
        district_officer.username,
        "--cycle",
        str(world.cycle_na_hang.pk),
        stdout=io.StringIO(),
    )
    assert assert_one_audit_record_per_change(before, since, district_officer) == 5


@pytest.mark.django_db
def test_it_audits_every_rating_the_demo_command_enters(empty_db):  # type: ignore[no-untyped-def]
    call_command("demo", "--members", "400", "--seed", "5", stdout=io.StringIO())
    rated = Evaluation.objects.exclude(self_rating="")
    assert rated.exists()
    for ev in rated:
        last = ev.audit_records.filter(field="self_rating").order_by("-pk").first()
        assert last is not None and last.new_value == ev.self_rating, ev.pk


def test_it_refuses_to_edit_or_delete_an_audit_record(grassroots_officer, members):
    propose(grassroots_officer, members[0], "HTT")
    record = AuditRecord.objects.filter(field="proposed_rating").first()
    assert record is not None
    record.new_value = "HTXS"
    with pytest.raises(PermissionError, match="không được sửa"):
        record.save()
    with pytest.raises(PermissionError, match="không được xóa"):
        record.delete()
    record.refresh_from_db()
    assert record.new_value == "HTT"
    # No admin screen and no route edits them.
    assert not admin.site.is_registered(AuditRecord)
    from tests.trust.urlmatrix import all_routes

    assert not [r.route for r in all_routes() if "audit" in r.route or "nhat-ky" in r.route]
