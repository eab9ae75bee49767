"""Review cycles (one year, or one quarter under the 2025 regime) and their quota groups."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from kiemdiem.orgs.models import Unit


class CycleState(models.TextChoices):
    OPEN = "open", "Đang mở"
    CLOSED = "closed", "Đã đóng"


class Cycle(models.Model):
    """A review cycle opened by a committee for its subtree; its regime follows the year."""

    unit = models.ForeignKey(
        Unit, verbose_name="cấp ủy mở đợt", on_delete=models.PROTECT, related_name="cycles"
    )
    year = models.PositiveSmallIntegerField("năm")
    quarter = models.PositiveSmallIntegerField("quý", null=True, blank=True)
    regime = models.CharField("chế độ", max_length=32, editable=False)
    state = models.CharField("trạng thái", max_length=8, choices=CycleState.choices, default=CycleState.OPEN)
    review_deadline = models.DateField("hạn hoàn thành kiểm điểm")
    dossier_deadline = models.DateField("hạn gửi hồ sơ đánh giá cán bộ", null=True, blank=True)
    report_deadline = models.DateField("hạn báo cáo kết quả")
    basis = models.CharField("căn cứ", max_length=255, blank=True)

    class Meta:
        verbose_name = "đợt kiểm điểm"
        verbose_name_plural = "đợt kiểm điểm"
        ordering = ["-year", "quarter", "unit_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year"], condition=Q(quarter__isnull=True), name="one_yearly_cycle_per_unit"
            ),
            models.UniqueConstraint(fields=["unit", "year", "quarter"], name="one_cycle_per_unit_period"),
            models.CheckConstraint(
                condition=Q(quarter__isnull=True) | Q(quarter__gte=1, quarter__lte=4), name="quarter_in_range"
            ),
        ]

    def __str__(self) -> str:
        period = f"quý {self.quarter}/{self.year}" if self.quarter else f"năm {self.year}"
        return f"Kiểm điểm {period} — {self.unit}"


class SubjectType(models.TextChoices):
    PARTY_ORGANIZATION = "party_organization", "Tổ chức đảng"
    PARTY_MEMBER = "party_member", "Đảng viên"
    AGENCY = "agency", "Cơ quan, đơn vị"
    LEADERSHIP_COLLECTIVE = "leadership_collective", "Tập thể lãnh đạo, quản lý"
    LEADER = "leader", "Cán bộ lãnh đạo, quản lý"


class QuotaGroup(models.Model):
    """A comparable group (nhóm tương đồng): the denominator of the 20% cap on HTXS."""

    cycle = models.ForeignKey(
        Cycle, verbose_name="đợt", on_delete=models.CASCADE, related_name="quota_groups"
    )
    code = models.CharField("mã", max_length=60)
    name = models.CharField("tên", max_length=255)
    subject_type = models.CharField("đối tượng", max_length=32, choices=SubjectType.choices)
    scope_unit = models.ForeignKey(
        Unit,
        verbose_name="phạm vi",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="quota_groups",
    )
    has_exception = models.BooleanField("được áp dụng ngoại lệ 25%", default=False)

    class Meta:
        verbose_name = "nhóm tính tỷ lệ"
        verbose_name_plural = "nhóm tính tỷ lệ"
        ordering = ["cycle_id", "code"]
        constraints = [models.UniqueConstraint(fields=["cycle", "code"], name="quota_group_code_unique")]

    def __str__(self) -> str:
        return self.name
