"""Scoring under QĐ 366 / HD 43: criteria frameworks as versioned data, item scores, and the task register.

The frameworks are the appendices of QĐ 366 Điều 10 (Phụ lục 1–5): a group of general criteria out of 30 and a
group of results criteria out of 70, each item with its maximum, citation and verified flag. HD 43 tiết 7.12 lets
the upper committee specify the scoring, so a province keeps its own versions; a cycle keeps (freezes) the version
it was opened with. The task register (đánh giá bằng sản phẩm) is what the task percentages the rules read are
computed from.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from kiemdiem.campaigns.models import Cycle, Evaluation
from kiemdiem.orgs.models import Unit
from kiemdiem.rules import formula as rules_formula


class Appendix(models.TextChoices):
    """The subject groups of QĐ 366 Điều 10, by the appendix that holds their criteria."""

    COLLECTIVE = "pl1", "Phụ lục 1 — Tập thể"
    CENTRAL_LEADER = "pl2", "Phụ lục 2 — Cán bộ lãnh đạo, quản lý diện Bộ Chính trị, Ban Bí thư quản lý"
    LEADER = "pl3", "Phụ lục 3 — Cán bộ lãnh đạo, quản lý khác"
    MEMBER = "pl4", "Phụ lục 4 — Cá nhân không giữ chức vụ lãnh đạo, quản lý"
    OUTSIDE = "pl5", "Phụ lục 5 — Đảng viên không làm việc trong hệ thống chính trị"


# HD 43 forms (report-forms.md §1): Mẫu 01 for collectives, 2A for leaders, 2B without a post, 2C outside the system.
FORM_OF_APPENDIX = {
    Appendix.COLLECTIVE: ("01-HD KĐ.ĐG 2025", "Báo cáo kiểm điểm, tự đánh giá, xếp loại chất lượng tập thể"),
    Appendix.CENTRAL_LEADER: ("2A-HD KĐ.ĐG 2025", "Bản kiểm điểm cá nhân (giữ chức vụ lãnh đạo, quản lý)"),
    Appendix.LEADER: ("2A-HD KĐ.ĐG 2025", "Bản kiểm điểm cá nhân (giữ chức vụ lãnh đạo, quản lý)"),
    Appendix.MEMBER: ("2B-HD KĐ.ĐG 2025", "Bản kiểm điểm cá nhân (không giữ chức vụ lãnh đạo, quản lý)"),
    Appendix.OUTSIDE: (
        "2C-HD KĐ.ĐG 2025",
        "Bản kiểm điểm đảng viên (không làm việc trong hệ thống chính trị)",
    ),
}


class CriterionGroup(models.TextChoices):
    GENERAL = "general", "Nhóm tiêu chí chung"
    RESULTS = "results", "Nhóm tiêu chí kết quả thực hiện nhiệm vụ"


# QĐ 366 Điều 10; HD 43 Mẫu 01, 2A–2C: "nhóm tiêu chí chung …/30; nhóm tiêu chí kết quả thực hiện nhiệm vụ …/70".
GROUP_MAX = {CriterionGroup.GENERAL: Decimal(30), CriterionGroup.RESULTS: Decimal(70)}


class FrameworkVersion(models.Model):
    """One version of one appendix's criteria, for the whole country (unit empty) or a committee's subtree.

    Versions are never edited: an edit makes the next number, with who, when and why (the audit of the edit).
    """

    unit = models.ForeignKey(
        Unit,
        verbose_name="cấp ủy cụ thể hóa",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="framework_versions",
    )
    appendix = models.CharField("phụ lục", max_length=4, choices=Appendix.choices)
    number = models.PositiveIntegerField("phiên bản")
    note = models.TextField("nội dung, lý do thay đổi", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="người sửa",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("thời điểm", auto_now_add=True)

    class Meta:
        verbose_name = "phiên bản khung tiêu chí"
        verbose_name_plural = "phiên bản khung tiêu chí"
        ordering = ["appendix", "unit_id", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "appendix", "number"],
                name="framework_version_number_unique",
                violation_error_message="Đơn vị này đã có phiên bản khung tiêu chí mang số này cho phụ lục này: số phiên bản không được trùng.",
            ),
            models.UniqueConstraint(
                fields=["appendix", "number"],
                condition=Q(unit__isnull=True),
                name="framework_central_version_unique",
                violation_error_message="Khung tiêu chí chung đã có phiên bản mang số này cho phụ lục này: số phiên bản không được trùng.",
            ),
        ]

    def __str__(self) -> str:
        owner = self.unit.name if self.unit is not None else "QĐ 366-QĐ/TW"
        return f"{self.get_appendix_display()} — {owner}, phiên bản {self.number}"

    @property
    def form_code(self) -> str:
        return FORM_OF_APPENDIX[Appendix(self.appendix)][0]

    @property
    def form_title(self) -> str:
        return FORM_OF_APPENDIX[Appendix(self.appendix)][1]


class Criterion(models.Model):
    """An item of a framework, scored from 0 to its maximum; the items of a group add up to 30 or 70."""

    version = models.ForeignKey(FrameworkVersion, on_delete=models.CASCADE, related_name="criteria")
    group = models.CharField("nhóm", max_length=8, choices=CriterionGroup.choices)
    code = models.CharField("số thứ tự", max_length=12)
    label = models.CharField("tiêu chí", max_length=500)
    description = models.TextField("nội dung cụ thể", blank=True)
    max_points = models.DecimalField("điểm tối đa", max_digits=5, decimal_places=2)
    citation = models.CharField("căn cứ", max_length=255)
    verified = models.BooleanField("đã đối chiếu văn bản", default=False)
    order = models.PositiveSmallIntegerField("thứ tự", default=0)
    # The province's formula (HD 43 tiết 7.12): how a results item's points follow from the task register's
    # percentages, as data (kiemdiem.rules.formula); empty when the item is scored by hand. Part of the version, so
    # a cycle keeps the formula it was opened with and every change is a new, attributed version.
    formula = models.JSONField("công thức tính từ danh mục nhiệm vụ", null=True, blank=True)

    class Meta:
        verbose_name = "tiêu chí"
        verbose_name_plural = "tiêu chí"
        ordering = ["version_id", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "code"],
                name="criterion_code_unique_in_version",
                violation_error_message="Phiên bản khung này đã có tiêu chí mang mã này: mã tiêu chí không được trùng trong một phiên bản.",
            ),
            models.CheckConstraint(
                condition=Q(max_points__gt=0),
                name="criterion_max_positive",
                violation_error_message="Điểm tối đa của tiêu chí phải lớn hơn 0.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code}. {self.label}"

    @property
    def formula_text(self) -> str:
        return rules_formula.to_text(self.formula) if self.formula else ""


class CycleFramework(models.Model):
    """The framework version a cycle was opened with, per appendix: later edits never change it."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="frameworks")
    appendix = models.CharField("phụ lục", max_length=4, choices=Appendix.choices)
    version = models.ForeignKey(FrameworkVersion, on_delete=models.PROTECT, related_name="cycles")
    frozen_at = models.DateTimeField("thời điểm áp dụng", auto_now_add=True)

    class Meta:
        verbose_name = "khung tiêu chí của đợt"
        verbose_name_plural = "khung tiêu chí của đợt"
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "appendix"],
                name="one_framework_per_cycle",
                violation_error_message="Đợt kiểm điểm này đã có khung tiêu chí cho phụ lục này: mỗi phụ lục một khung mỗi đợt.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.cycle}: {self.version}"


class ItemScore(models.Model):
    """One item's points for one evaluation: the subject's own, the verifier's (thẩm định) and the decided."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="item_scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    self_score = models.DecimalField("tự chấm", max_digits=5, decimal_places=2, null=True, blank=True)
    verified_score = models.DecimalField("thẩm định", max_digits=5, decimal_places=2, null=True, blank=True)
    decided_score = models.DecimalField("quyết định", max_digits=5, decimal_places=2, null=True, blank=True)
    updated_at = models.DateTimeField("cập nhật lúc", auto_now=True)

    class Meta:
        verbose_name = "điểm tiêu chí"
        verbose_name_plural = "điểm tiêu chí"
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "criterion"],
                name="one_score_per_item",
                violation_error_message="Bản đánh giá này đã có điểm cho tiêu chí này: mỗi tiêu chí một dòng điểm.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.self_score}/{self.verified_score}/{self.decided_score}"


class TaskResult(models.TextChoices):
    PENDING = "", "Chưa có kết quả"
    ON_TIME = "on_time", "Hoàn thành đúng hạn"
    EXCEEDED = "exceeded", "Hoàn thành vượt mức"
    LATE = "late", "Hoàn thành nhưng chậm tiến độ"
    NOT_DONE = "not_done", "Không hoàn thành"


class Task(models.Model):
    """A task or product of the subject's register for the period: what, target, deadline, result, evidence."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField("nhiệm vụ, sản phẩm", max_length=500)
    target = models.CharField("chỉ tiêu, yêu cầu", max_length=500, blank=True)
    deadline = models.DateField("thời hạn", null=True, blank=True)
    result = models.CharField("kết quả", max_length=10, choices=TaskResult.choices, blank=True, default="")
    note = models.TextField("ghi chú", blank=True)
    evidence_link = models.URLField("đường dẫn minh chứng", max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="người kê khai", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("kê khai lúc", auto_now_add=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="người xác nhận",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    confirmed_at = models.DateTimeField("xác nhận lúc", null=True, blank=True)

    class Meta:
        verbose_name = "nhiệm vụ, sản phẩm"
        verbose_name_plural = "nhiệm vụ, sản phẩm"
        ordering = ["evaluation_id", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


class TaskEvidence(models.Model):
    """The file that proves a task's result; kept in the row, like an import's upload (no shared disk needed)."""

    task = models.OneToOneField(Task, on_delete=models.CASCADE, related_name="evidence")
    name = models.CharField("tên tệp", max_length=255)
    content_type = models.CharField("loại tệp", max_length=100)
    size = models.PositiveIntegerField("dung lượng (byte)")
    data = models.BinaryField("nội dung")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="người tải lên", on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField("tải lên lúc", auto_now_add=True)

    class Meta:
        verbose_name = "tệp minh chứng"
        verbose_name_plural = "tệp minh chứng"

    def __str__(self) -> str:
        return self.name


class LedUnit(models.Model):
    """A unit a leader answers for (địa phương, đơn vị phụ trách); without any, the leader's own unit."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="led_units")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "đơn vị phụ trách"
        verbose_name_plural = "đơn vị phụ trách"
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "unit"],
                name="led_unit_once",
                violation_error_message="Bản đánh giá này đã ghi đơn vị phụ trách này: mỗi đơn vị chỉ ghi một lần.",
            )
        ]

    def __str__(self) -> str:
        return str(self.unit)
