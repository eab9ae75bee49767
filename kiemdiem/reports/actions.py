"""Reporting upward: a unit locks its figures for a cycle and submits them."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from kiemdiem.accounts.models import User, UserRole
from kiemdiem.campaigns.models import Cycle
from kiemdiem.errors import ActionError
from kiemdiem.orgs.models import Unit
from kiemdiem.orgs.queries import scope_roots
from kiemdiem.reports.models import DocumentSettings, ReportSubmission
from kiemdiem.reports.queries import statistics
from kiemdiem.text import clean_text

# The boards that record work for their subtree send its report; inspectors and standing members only read.
SUBMITTING_ROLES = frozenset({UserRole.PROVINCE_ADMIN, UserRole.DISTRICT_OFFICER, UserRole.CELL_SECRETARY})


def can_submit_report(user: User, unit: Unit) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    roots = scope_roots(user) or []
    return (
        user.role in SUBMITTING_ROLES
        and unit.is_party_org
        and any(unit.path.startswith(r.path) for r in roots)
    )


@transaction.atomic
def do_submit_report(
    *, user: User, cycle: Cycle, unit: Unit, number: str = "", note: str = ""
) -> ReportSubmission:
    """Freeze the unit's statistics for the cycle and send them up; an earlier submission is superseded, not changed."""
    if not can_submit_report(user, unit):
        raise PermissionDenied("Đồng chí không có quyền gửi báo cáo của đơn vị này.")
    if not unit.path.startswith(cycle.unit.path):
        raise ActionError(
            f"“{unit.name}” không thuộc phạm vi đợt kiểm điểm năm {cycle.year} của {cycle.unit.name}."
        )
    number = clean_text(number, "Số báo cáo", 40)
    note = clean_text(note, "Ghi chú", 4000)
    # Lock the current report (if any): two officers sending at once serialise here, and the unique constraint
    # catches the case where neither found one.
    previous = (
        ReportSubmission.objects.select_for_update()
        .filter(cycle=cycle, unit=unit, superseded_by__isnull=True)
        .first()
    )
    figures = statistics(cycle, unit)
    try:
        with transaction.atomic():
            if previous is not None:
                # Free the "current" slot for a moment (the old row points to itself), then link it to the new one.
                ReportSubmission.objects.filter(pk=previous.pk).update(superseded_by_id=previous.pk)
            submission = ReportSubmission(
                cycle=cycle,
                unit=unit,
                number=number,
                note=note,
                figures=figures,
                submitted_by=user,
                submitted_at=timezone.now(),
            )
            submission.save()
            if previous is not None:
                ReportSubmission.objects.filter(pk=previous.pk).update(superseded_by=submission)
    except IntegrityError:
        raise ActionError(
            f"Báo cáo của “{unit.name}” vừa được người khác gửi; đề nghị tải lại trang rồi gửi lại nếu cần."
        ) from None
    return submission


SETTINGS_LIMITS = {
    "place": ("Địa danh", 80),
    "superior_name": ("Tên cơ quan cấp trên", 160),
    "issuer_name": ("Tên cơ quan ban hành", 160),
    "symbol": ("Chữ viết tắt tên cơ quan ban hành", 16),
    "signing_body": ("Thẩm quyền ký", 80),
    "signer_title": ("Chức vụ người ký", 80),
    "signer_name": ("Họ và tên người ký", 120),
    "recipients": ("Nơi nhận", 2000),
}


@transaction.atomic
def do_save_document_settings(*, user: User, unit: Unit, **values: str) -> DocumentSettings:
    """Record the office's own letterhead values for its unit; a blank field keeps the derived value."""
    if not can_submit_report(user, unit):
        raise PermissionDenied("Đồng chí không có quyền sửa thể thức văn bản của đơn vị này.")
    unknown = set(values) - set(SETTINGS_LIMITS)
    if unknown:
        raise ActionError(f"Trường không có trong thể thức văn bản: {', '.join(sorted(unknown))}.")
    clean = {
        key: clean_text(values.get(key, ""), label, limit) for key, (label, limit) in SETTINGS_LIMITS.items()
    }
    settings, _ = DocumentSettings.objects.select_for_update().get_or_create(unit=unit)
    for key, value in clean.items():
        setattr(settings, key, value)
    settings.updated_by = user
    settings.save()
    return settings
