"""Before and after the rating: review suggestions, remediation plans, breakthrough tasks, degradation, notices."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from kiemdiem.campaigns.models import Evaluation


class Suggestion(models.Model):
    """A review suggestion (gợi ý kiểm điểm) an upper committee issues to a collective or a person (CV 854 mục 2(4))."""

    evaluation = models.ForeignKey(
        Evaluation, verbose_name="đối tượng được gợi ý", on_delete=models.PROTECT, related_name="suggestions"
    )
    issuing_unit = models.ForeignKey(
        "orgs.Unit", verbose_name="cấp ủy gợi ý", on_delete=models.PROTECT, related_name="+"
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="người ban hành", on_delete=models.PROTECT, related_name="+"
    )
    issued_on = models.DateField("ngày gợi ý")
    reference = models.CharField("số văn bản", max_length=60, blank=True)
    # The standing-committee member assigned to attend and direct the review where a suggestion was issued.
    attendee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="ủy viên BTV dự, chỉ đạo",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="attended_suggestions",
    )
    conclusion = models.TextField("kết luận của đồng chí dự, chỉ đạo", blank=True)
    concluded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="người kết luận",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    concluded_at = models.DateTimeField("kết luận lúc", null=True, blank=True)

    class Meta:
        verbose_name = "gợi ý kiểm điểm"
        verbose_name_plural = "gợi ý kiểm điểm"
        ordering = ["issued_on", "id"]

    def __str__(self) -> str:
        return f"Gợi ý kiểm điểm của {self.issuing_unit} — {self.evaluation}"


class SuggestionItem(models.Model):
    """One point of a suggestion; the self-review must answer it before it can be submitted."""

    suggestion = models.ForeignKey(Suggestion, on_delete=models.CASCADE, related_name="items")
    number = models.PositiveSmallIntegerField("số thứ tự")
    content = models.TextField("nội dung gợi ý")
    answer = models.TextField("giải trình", blank=True)
    answered_at = models.DateTimeField("trả lời lúc", null=True, blank=True)

    class Meta:
        verbose_name = "nội dung gợi ý"
        verbose_name_plural = "nội dung gợi ý"
        ordering = ["suggestion_id", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["suggestion", "number"],
                name="suggestion_item_number_unique",
                violation_error_message="Văn bản gợi ý này đã có nội dung mang số thứ tự này: số thứ tự không được trùng.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.content[:60]}"


class RemediationStatus(models.TextChoices):
    PENDING = "pending", "Chưa đánh giá"
    REMEDIED = "remedied", "Đã khắc phục"
    PARTLY = "partly", "Khắc phục một phần"
    NOT = "not", "Chưa khắc phục"


class RemediationItem(models.Model):
    """One item of the plan made after the decision (kế hoạch khắc phục); next year's review marks its outcome."""

    evaluation = models.ForeignKey(
        Evaluation,
        verbose_name="kỳ kiểm điểm chỉ ra",
        on_delete=models.PROTECT,
        related_name="remediation_items",
    )
    number = models.PositiveSmallIntegerField("số thứ tự")
    shortcoming = models.TextField("hạn chế, khuyết điểm")
    measure = models.TextField("giải pháp khắc phục", blank=True)
    owner = models.CharField("người chịu trách nhiệm", max_length=160)
    due_on = models.DateField("thời hạn")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="người lập", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("lập lúc", auto_now_add=True)
    status = models.CharField(
        "kết quả khắc phục",
        max_length=10,
        choices=RemediationStatus.choices,
        default=RemediationStatus.PENDING,
    )
    outcome_note = models.TextField("ghi chú kết quả", blank=True)
    # The later evaluation whose self-review marked the outcome.
    assessed_in = models.ForeignKey(
        Evaluation,
        verbose_name="kỳ kiểm điểm đánh giá",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assessed_remediation_items",
    )
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="người đánh giá",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "nội dung kế hoạch khắc phục"
        verbose_name_plural = "kế hoạch khắc phục"
        ordering = ["evaluation_id", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "number"],
                name="remediation_item_number_unique",
                violation_error_message="Kế hoạch khắc phục của bản đánh giá này đã có nội dung mang số thứ tự này: số thứ tự không được trùng.",
            )
        ]
        indexes = [models.Index(fields=["status", "due_on"])]

    def __str__(self) -> str:
        return f"{self.number}. {self.shortcoming[:60]}"


class ResponsibleBoard(models.TextChoices):
    """The bodies CV 854 mục 2(7) names to follow up and sum up breakthrough tasks (QĐ 03-QĐ/TU)."""

    ORGANISATION = "to_chuc", "Ban Tổ chức Tỉnh ủy"
    COUNCIL_DELEGATION = "dd_hdnd", "Đảng đoàn Hội đồng nhân dân tỉnh"
    GOVERNMENT_PARTY = "bcs_ubnd", "Ban Cán sự đảng Ủy ban nhân dân tỉnh"
    INTERNAL_AFFAIRS = "noi_chinh", "Ban Nội chính Tỉnh ủy"
    MASS_MOBILISATION = "dan_van", "Ban Dân vận Tỉnh ủy"


class BreakthroughResult(models.TextChoices):
    PENDING = "", "Chưa đánh giá"
    EXCEEDED = "exceeded", "Hoàn thành vượt kết quả dự kiến"
    DONE = "done", "Hoàn thành"
    PARTLY = "partly", "Hoàn thành một phần"
    NOT_DONE = "not_done", "Không hoàn thành"


class BreakthroughTask(models.Model):
    """A breakthrough, innovation task (việc đột phá, đổi mới) assigned to a leader for the year (QĐ 03-QĐ/TU)."""

    evaluation = models.ForeignKey(
        Evaluation,
        verbose_name="đánh giá của cán bộ",
        on_delete=models.PROTECT,
        related_name="breakthrough_tasks",
    )
    title = models.CharField("việc đột phá, đổi mới", max_length=255)
    expected_result = models.TextField("kết quả dự kiến")
    board = models.CharField("cơ quan theo dõi, tổng hợp", max_length=10, choices=ResponsibleBoard.choices)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="người giao", on_delete=models.PROTECT, related_name="+"
    )
    assigned_on = models.DateField("ngày giao")
    result = models.CharField(
        "kết quả",
        max_length=10,
        choices=BreakthroughResult.choices,
        blank=True,
        default=BreakthroughResult.PENDING,
    )
    result_note = models.TextField("nhận xét kết quả", blank=True)
    evaluated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="người đánh giá",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    evaluated_at = models.DateTimeField("đánh giá lúc", null=True, blank=True)

    class Meta:
        verbose_name = "việc đột phá, đổi mới"
        verbose_name_plural = "việc đột phá, đổi mới"
        ordering = ["evaluation_id", "id"]

    def __str__(self) -> str:
        return self.title


class SignRelation(models.Model):
    """How a person relates themselves to one of the 27 signs of degradation (tự liên hệ); self-identification only."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="sign_relations")
    code = models.CharField("mã biểu hiện", max_length=8)
    has_sign = models.BooleanField("có biểu hiện", default=False)
    note = models.TextField("giải thích", blank=True)

    class Meta:
        verbose_name = "tự liên hệ biểu hiện suy thoái"
        verbose_name_plural = "tự liên hệ biểu hiện suy thoái"
        ordering = ["evaluation_id", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "code"],
                name="one_relation_per_sign",
                violation_error_message="Bản đánh giá này đã tự liên hệ biểu hiện này: mỗi biểu hiện suy thoái chỉ ghi một lần.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.code}: {'có' if self.has_sign else 'không'}"


class DegradationConclusion(models.Model):
    """A competent body's conclusion that a subject shows signs of degradation: a fact the rules read (KHT)."""

    evaluation = models.ForeignKey(
        Evaluation, on_delete=models.PROTECT, related_name="degradation_conclusions"
    )
    body = models.CharField("cấp có thẩm quyền kết luận", max_length=255)
    reference = models.CharField("số văn bản kết luận", max_length=60)
    concluded_on = models.DateField("ngày kết luận")
    signs = models.JSONField("biểu hiện được kết luận", default=list, blank=True)
    summary = models.TextField("nội dung kết luận", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="người ghi", on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField("ghi lúc", auto_now_add=True)

    class Meta:
        verbose_name = "kết luận suy thoái"
        verbose_name_plural = "kết luận suy thoái"
        ordering = ["concluded_on", "id"]

    def __str__(self) -> str:
        return f"{self.body} — {self.reference}"


class Notice(models.Model):
    """An in-app notice (thông báo) for one user; the daily digest mails the unread ones."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices")
    key = models.CharField("khóa chống trùng", max_length=80)
    text = models.CharField("nội dung", max_length=500)
    url = models.CharField("đường dẫn", max_length=200, blank=True)
    due_on = models.DateField("hạn", null=True, blank=True)
    created_at = models.DateTimeField("lúc", auto_now_add=True)
    read_at = models.DateTimeField("đã xem lúc", null=True, blank=True)
    mailed_at = models.DateTimeField("đã gửi thư lúc", null=True, blank=True)

    class Meta:
        verbose_name = "thông báo"
        verbose_name_plural = "thông báo"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "key"],
                name="one_notice_per_key",
                violation_error_message="Người dùng này đã nhận thông báo này: mỗi thông báo chỉ gửi một lần cho một người.",
            )
        ]
        indexes = [
            models.Index(fields=["user", "read_at"], condition=Q(read_at__isnull=True), name="unread_notices")
        ]

    def __str__(self) -> str:
        return self.text
