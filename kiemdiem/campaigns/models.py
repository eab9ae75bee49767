"""Review cycles (one year, or one quarter under the 2025 regime) and their quota groups."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from kiemdiem.orgs.models import Unit
from kiemdiem.vietnamese import text_sort_key


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
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="người mở đợt",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    opened_at = models.DateTimeField("mở lúc", null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="người đóng đợt",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    closed_at = models.DateTimeField("đóng lúc", null=True, blank=True)
    synced_at = models.DateTimeField("đồng bộ lần cuối lúc", null=True, blank=True)

    class Meta:
        verbose_name = "đợt kiểm điểm"
        verbose_name_plural = "đợt kiểm điểm"
        ordering = ["-year", "quarter", "unit_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year"],
                condition=Q(quarter__isnull=True),
                name="one_yearly_cycle_per_unit",
                violation_error_message="Đơn vị này đã có đợt kiểm điểm cuối năm của năm này: mỗi đơn vị một đợt cuối năm mỗi năm.",
            ),
            models.UniqueConstraint(
                fields=["unit", "year", "quarter"],
                name="one_cycle_per_unit_period",
                violation_error_message="Đơn vị này đã có đợt kiểm điểm của cùng năm và quý: mỗi đơn vị một đợt mỗi kỳ.",
            ),
            models.CheckConstraint(
                condition=Q(quarter__isnull=True) | Q(quarter__gte=1, quarter__lte=4),
                name="quarter_in_range",
                violation_error_message="Quý phải là 1, 2, 3 hoặc 4 (để trống với đợt cuối năm).",
            ),
        ]

    def __str__(self) -> str:
        return f"Kiểm điểm {self.period} — {self.unit}"

    @property
    def period(self) -> str:
        """ "năm 2026" or "quý 1/2026"."""
        return f"quý {self.quarter}/{self.year}" if self.quarter else f"năm {self.year}"

    @property
    def is_open(self) -> bool:
        return self.state == CycleState.OPEN

    @property
    def documents(self) -> tuple[str, ...]:
        """The regime's documents (and the province's own), as people cite them."""
        from kiemdiem import rules

        regime = next((r for r in rules.REGIMES if r.code == self.regime), None)
        return regime.documents if regime else ()

    @property
    def regime_name(self) -> str:
        """The regime as people know it: the regulation and its guidance, not the code."""
        from kiemdiem import rules

        return next((r.name for r in rules.REGIMES if r.code == self.regime), self.regime)


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
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "code"],
                name="quota_group_code_unique",
                violation_error_message="Đợt kiểm điểm này đã có nhóm tính tỷ lệ mang mã này: mã nhóm không được trùng trong một đợt.",
            )
        ]

    def __str__(self) -> str:
        return self.name


class QuotaGroupVersion(models.Model):
    """How often the ratings counted in a quota group have changed: a row of its members came or went, or one's
    rating, type, group or cycle changed. Only the database triggers of campaigns/group_versions.py write it (so
    no write path can skip it: the actions, bulk_update, update(), raw SQL); the rating page's key reads it instead
    of summing the group's thousands of `updated_at`. A plain integer column, no foreign key, as TallyVersion: the
    triggers write it while Django deletes a cycle's rows."""

    group_id = models.BigIntegerField(unique=True)
    version = models.BigIntegerField(default=1)


class RatingLevel(models.TextChoices):
    EXCELLENT = "HTXS", "Hoàn thành xuất sắc nhiệm vụ"
    GOOD = "HTT", "Hoàn thành tốt nhiệm vụ"
    PASS = "HT", "Hoàn thành nhiệm vụ"
    FAIL = "KHT", "Không hoàn thành nhiệm vụ"


class EvaluationState(models.TextChoices):
    DRAFT = "draft", "Chưa tự kiểm điểm"
    SELF_REVIEWED = "self_reviewed", "Đã tự kiểm điểm"
    REVIEWED = "reviewed", "Đã kiểm điểm tại hội nghị"
    PROPOSED = "proposed", "Đã đề xuất mức xếp loại"
    VERIFIED = "verified", "Đã thẩm định"
    DECIDED = "decided", "Đã quyết định"


STATE_ORDER = [s.value for s in EvaluationState]
# The register's percentages stored on the evaluation, by the names the rules give them (rules.Facts).
TASK_FIGURES = ("task_completion_pct", "tasks_overdue_pct", "tasks_exceeded_pct")


FACT_FIELDS = {
    # The facts the rules read, kept in Evaluation.facts.
    # key: (label, kind)
    "disciplined_in_year": ("Bị thi hành kỷ luật trong năm", "bool"),
    "sick_leave_days": ("Số ngày nghỉ ốm trong năm", "int"),
    "civil_service_rating": ("Mức xếp loại cán bộ, công chức, viên chức", "rating"),
    "task_completion_pct": ("Tỷ lệ hoàn thành chỉ tiêu, nhiệm vụ (%)", "pct"),
    "degradation_concluded": ("Bị cấp có thẩm quyền kết luận có biểu hiện suy thoái", "bool"),
    "member_disciplined_warning_or_above": ("Có thành viên bị kỷ luật từ cảnh cáo trở lên", "bool"),
    "internal_disunity_concluded": ("Bị kết luận mất đoàn kết nội bộ", "bool"),
    "same_level_bodies_min_rating": ("Mức thấp nhất của chính quyền, MTTQ, đoàn thể cùng cấp", "rating"),
    "newly_transferred": ("Người đứng đầu mới chuyển đến", "bool"),
    # HD 25 / HD 43: the exemption from the head's ceiling also needs the transfer to be unrelated to the
    # unit's shortcomings; without this fact the rule could never grant it from the page.
    "transfer_unrelated_to_shortcomings": (
        "Việc chuyển đến không liên quan đến khuyết điểm của đơn vị (người đứng đầu mới chuyển đến)",
        "bool",
    ),
    "remediation_pct": ("Tỷ lệ hạn chế kỳ trước đã khắc phục (%)", "pct"),
}


class Evaluation(models.Model):
    """One subject (unit, collective, member or leader) in one cycle, from self-review to decision."""

    # Indexes: every write of a rating writes each index of the table (`updated_at` is in three, so no update is
    # HOT), and a district's paper import writes thousands of rows under the quota groups' locks. So no index
    # that another one already leads with (the cycle, the unit: see Meta), none on a column too coarse to search
    # by (the state), none on who entered or decided (a user is not deleted while they have rows: PROTECT).
    cycle = models.ForeignKey(
        Cycle, verbose_name="đợt", on_delete=models.PROTECT, related_name="evaluations", db_index=False
    )
    subject_type = models.CharField("đối tượng", max_length=32, choices=SubjectType.choices)
    # The unit the evaluation hangs on in the tree, for scoping: the cell of a member, the unit of a
    # collective or leader, the unit itself for a party organisation or agency.
    unit = models.ForeignKey(
        Unit, verbose_name="đơn vị", on_delete=models.PROTECT, related_name="evaluations", db_index=False
    )
    person = models.ForeignKey(
        "orgs.Person",
        verbose_name="cá nhân",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="evaluations",
    )
    collective = models.ForeignKey(
        "orgs.LeadershipCollective",
        verbose_name="tập thể lãnh đạo",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="evaluations",
    )
    # For leaders: their role and the collective whose rating caps theirs (HD 21 II.B.4; CV 854 mục 2(5)).
    role = models.CharField("vai trò", max_length=16, blank=True)
    leader_collective = models.ForeignKey(
        "orgs.LeadershipCollective",
        verbose_name="tập thể lãnh đạo của cán bộ",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    quota_group = models.ForeignKey(
        QuotaGroup,
        verbose_name="nhóm tính tỷ lệ",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="evaluations",
    )
    state = models.CharField(
        "trạng thái",
        max_length=16,
        choices=EvaluationState.choices,
        default=EvaluationState.DRAFT,
    )
    form_code = models.CharField("mẫu", max_length=40, blank=True)
    self_review = models.JSONField("bản tự kiểm điểm", default=dict, blank=True)
    criteria = models.JSONField("tự đánh giá theo tiêu chí", default=dict, blank=True)
    score = models.DecimalField("tổng điểm", max_digits=5, decimal_places=2, null=True, blank=True)
    self_rating = models.CharField("tự nhận mức", max_length=4, choices=RatingLevel.choices, blank=True)
    self_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="người nhập",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    facts = models.JSONField("dữ kiện xếp loại", default=dict, blank=True)
    # The task register's percentages (QĐ 366 Điều 11), kept by its actions (assessments/actions.py) and read by the
    # rules with the row: no JSON to parse for 165,000 subjects. NULL: no register (nothing listed).
    task_completion_pct = models.FloatField(
        "tỷ lệ nhiệm vụ hoàn thành (%)", null=True, blank=True, editable=False
    )
    tasks_overdue_pct = models.FloatField(
        "tỷ lệ nhiệm vụ chậm tiến độ (%)", null=True, blank=True, editable=False
    )
    tasks_exceeded_pct = models.FloatField(
        "tỷ lệ nhiệm vụ vượt mức (%)", null=True, blank=True, editable=False
    )
    meeting_comments = models.TextField("ý kiến của tập thể", blank=True)
    votes = models.JSONField("kết quả biểu quyết", default=dict, blank=True)
    proposed_rating = models.CharField("mức đề xuất", max_length=4, choices=RatingLevel.choices, blank=True)
    verification_note = models.TextField("ý kiến thẩm định", blank=True)
    decided_rating = models.CharField("mức quyết định", max_length=4, choices=RatingLevel.choices, blank=True)
    not_rated_reason = models.CharField("lý do không xếp loại", max_length=255, blank=True)
    deciding_unit = models.ForeignKey(
        Unit, verbose_name="cấp quyết định", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="người ghi quyết định",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    decided_on = models.DateField("ngày quyết định", null=True, blank=True)
    override_reason = models.TextField("lý do quyết định vượt cảnh báo", blank=True)
    version = models.PositiveIntegerField("phiên bản", default=1)
    updated_at = models.DateTimeField("cập nhật lúc", auto_now=True)

    class Meta:
        verbose_name = "đánh giá, xếp loại"
        verbose_name_plural = "đánh giá, xếp loại"
        ordering = ["cycle_id", "unit_id", "subject_type", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "subject_type", "person"],
                condition=Q(person__isnull=False),
                name="one_evaluation_per_person_type",
                violation_error_message="Người này đã có bản đánh giá cùng đối tượng trong đợt này: mỗi người một bản cho mỗi tư cách.",
            ),
            models.UniqueConstraint(
                fields=["cycle", "collective"],
                condition=Q(collective__isnull=False),
                name="one_evaluation_per_collective",
                violation_error_message="Tập thể lãnh đạo này đã có bản đánh giá trong đợt này: mỗi tập thể một bản mỗi đợt.",
            ),
            models.UniqueConstraint(
                fields=["cycle", "subject_type", "unit"],
                condition=Q(person__isnull=True, collective__isnull=True),
                name="one_evaluation_per_unit_type",
                violation_error_message="Đơn vị này đã có bản đánh giá cùng đối tượng trong đợt này: mỗi tổ chức một bản cho mỗi loại.",
            ),
        ]
        indexes = [
            # The rating page's data version: Max(updated_at) of a cycle, read from the index alone.
            models.Index(fields=["cycle", "updated_at"], name="evaluation_cycle_updated"),
            # A unit's rows in one cycle, and a quota group's, with their last change: the rating page's key sums
            # `updated_at` from the index alone (a merged group has 8,000 members), not the cycle's whole range
            # ANDed with the unit's rows of every year.
            models.Index(fields=["unit", "cycle", "updated_at"], name="evaluation_unit_cycle_at"),
            models.Index(fields=["cycle", "quota_group", "updated_at"], name="evaluation_group_at"),
        ]

    def __str__(self) -> str:
        return f"{self.subject_name} — {self.cycle.year}"

    @property
    def capacity(self) -> str:
        """In which capacity the subject is reviewed: "đảng viên Chi bộ …", "người đứng đầu Ban Thường vụ …"."""
        if self.subject_type == SubjectType.PARTY_MEMBER:
            return f"đảng viên {self.unit.name}"
        if self.subject_type == SubjectType.LEADER:
            role = {"head": "người đứng đầu", "deputy": "cấp phó", "member": "thành viên"}.get(
                self.role, "cán bộ lãnh đạo, quản lý"
            )
            where = self.leader_collective.name if self.leader_collective is not None else self.unit.name
            return f"{role} {where}"
        return self.get_subject_type_display().lower()

    @property
    def subject_sort_key(self) -> str:
        """Vietnamese order: a person as rosters list them (given name, then the rest), a body by its name."""
        if self.person is not None:
            return self.person.sort_key
        return text_sort_key(self.subject_name)

    @property
    def subject_name(self) -> str:
        if self.person is not None:
            return self.person.full_name
        if self.collective is not None:
            return self.collective.name
        return self.unit.name

    @property
    def task_figures(self) -> dict[str, float]:
        """The register's percentages, by the facts' names; empty without a register."""
        return {key: value for key in TASK_FIGURES if (value := getattr(self, key)) is not None}

    @property
    def recorded_facts(self) -> dict[str, Any]:
        """The facts the rules read of this row: those recorded by hand, then the register's percentages."""
        return {**(self.facts or {}), **self.task_figures}

    @property
    def rating(self) -> str:
        """The rating the rules see now: the decision, else the proposal."""
        return self.decided_rating or self.proposed_rating

    def state_at_least(self, state: str) -> bool:
        return STATE_ORDER.index(self.state) >= STATE_ORDER.index(state)


AUDIT_ACTIONS = {
    "self_review": "Tự nhận mức",
    "facts": "Cập nhật dữ kiện",
    "propose": "Đề xuất mức",
    "state": "Chuyển trạng thái",
    "decide": "Quyết định mức",
    "rereview": "Yêu cầu kiểm điểm lại",
    "rerating": "Yêu cầu xếp loại lại",
    "import": "Nhập từ Excel",
    "score": "Chấm điểm",
    "task": "Danh mục nhiệm vụ",
}


class AuditRecord(models.Model):
    """Append-only trail of every change of a rating, proposal, decision or state."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.PROTECT, related_name="audit_records")
    action = models.CharField("thao tác", max_length=40)
    field = models.CharField("trường", max_length=40)
    old_value = models.CharField("giá trị cũ", max_length=40, blank=True)
    new_value = models.CharField("giá trị mới", max_length=40, blank=True)
    reason = models.TextField("lý do", blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="người thực hiện", on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField("thời điểm", auto_now_add=True)

    class Meta:
        verbose_name = "nhật ký thay đổi"
        verbose_name_plural = "nhật ký thay đổi"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.action}: {self.old_value or '—'} → {self.new_value or '—'}"

    @property
    def action_label(self) -> str:
        return AUDIT_ACTIONS.get(self.action, self.action)

    def _label(self, value: str) -> str:
        if self.field == "state":
            return dict(EvaluationState.choices).get(value, value)
        return value

    @property
    def old_label(self) -> str:
        return self._label(self.old_value)

    @property
    def new_label(self) -> str:
        return self._label(self.new_value)

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Nhật ký thay đổi không được sửa.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Nhật ký thay đổi không được xóa.")


class OrderKind(models.TextChoices):
    REREVIEW = "rereview", "Kiểm điểm lại"
    RERATING = "rerating", "Xếp loại lại"


class Order(models.Model):
    """An order from inspection or the upper level that reopens an evaluation."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.PROTECT, related_name="orders")
    kind = models.CharField("loại", max_length=16, choices=OrderKind.choices)
    reason = models.TextField("lý do")
    ordered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="người ra yêu cầu", on_delete=models.PROTECT, related_name="+"
    )
    ordered_at = models.DateTimeField("thời điểm", auto_now_add=True)
    previous_rating = models.CharField("mức trước khi mở lại", max_length=4, blank=True)
    resolved_at = models.DateTimeField("hoàn thành lúc", null=True, blank=True)

    class Meta:
        verbose_name = "yêu cầu kiểm điểm lại, xếp loại lại"
        verbose_name_plural = "yêu cầu kiểm điểm lại, xếp loại lại"
        ordering = ["-ordered_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.evaluation}"


class UnitDeadline(models.Model):
    """A deadline a committee sets for one unit of its subtree, overriding the cycle's default."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="unit_deadlines")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    review_deadline = models.DateField("hạn hoàn thành kiểm điểm")

    class Meta:
        verbose_name = "hạn riêng của đơn vị"
        verbose_name_plural = "hạn riêng của đơn vị"
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "unit"],
                name="one_deadline_per_unit",
                violation_error_message="Đơn vị này đã có hạn riêng trong đợt này: sửa hạn đã có thay vì thêm hạn mới.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit}: {self.review_deadline:%d/%m/%Y}"


class LevelDeadline(models.Model):
    """A review deadline the opener sets for one level of the tree (cells before grassroots before districts)."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="level_deadlines")
    level = models.CharField("cấp", max_length=16)
    review_deadline = models.DateField("hạn hoàn thành kiểm điểm")

    class Meta:
        verbose_name = "hạn theo cấp"
        verbose_name_plural = "hạn theo cấp"
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "level"],
                name="one_deadline_per_level",
                violation_error_message="Cấp này đã có hạn trong đợt này: sửa hạn đã có thay vì thêm hạn mới.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.level}: {self.review_deadline:%d/%m/%Y}"


class CycleDelegation(models.Model):
    """The province lets a committee open (and run) the cycles of its own subtree for a year."""

    unit = models.ForeignKey(
        Unit, verbose_name="cấp ủy được ủy quyền", on_delete=models.CASCADE, related_name="+"
    )
    year = models.PositiveSmallIntegerField("năm")
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="người ủy quyền", on_delete=models.PROTECT, related_name="+"
    )
    granted_at = models.DateTimeField("ủy quyền lúc", auto_now_add=True)

    class Meta:
        verbose_name = "ủy quyền mở đợt kiểm điểm"
        verbose_name_plural = "ủy quyền mở đợt kiểm điểm"
        ordering = ["-year", "unit_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year"],
                name="one_delegation_per_unit_year",
                violation_error_message="Đơn vị này đã được ủy quyền mở đợt kiểm điểm của năm này: mỗi đơn vị một ủy quyền mỗi năm.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit} — năm {self.year}"


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Đang chờ xử lý"
    RUNNING = "running", "Đang tạo nhóm và bản đánh giá"
    DONE = "done", "Đã xong"
    FAILED = "failed", "Lỗi"


class CycleJob(models.Model):
    """Creating (or re-syncing) a cycle's quota groups and evaluations in the background, with its progress."""

    cycle = models.ForeignKey(Cycle, verbose_name="đợt", on_delete=models.CASCADE, related_name="jobs")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="người yêu cầu", on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField("trạng thái", max_length=8, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress = models.PositiveSmallIntegerField("tiến độ (%)", default=0)
    step = models.CharField("bước", max_length=120, blank=True)
    added = models.JSONField("đã thêm", default=dict, blank=True)
    error = models.TextField("lỗi", blank=True)
    created_at = models.DateTimeField("tạo lúc", auto_now_add=True)
    finished_at = models.DateTimeField("xong lúc", null=True, blank=True)

    class Meta:
        verbose_name = "lượt tạo bản đánh giá"
        verbose_name_plural = "lượt tạo bản đánh giá"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.cycle}: {self.get_status_display()}"

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)


class QuarterlyDesignation(models.Model):
    """A cadre the committee designates for the quarterly reviews of a year (KL 198-KL/TW; HD 43-HD/BTCTW)."""

    person = models.ForeignKey(
        "orgs.Person", verbose_name="cán bộ", on_delete=models.PROTECT, related_name="quarterly_designations"
    )
    year = models.PositiveSmallIntegerField("năm")
    unit = models.ForeignKey(Unit, verbose_name="cấp ủy chỉ định", on_delete=models.PROTECT, related_name="+")
    designated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="người ghi", on_delete=models.PROTECT, related_name="+"
    )
    designated_at = models.DateTimeField("ghi lúc", auto_now_add=True)

    class Meta:
        verbose_name = "cán bộ đánh giá hằng quý"
        verbose_name_plural = "cán bộ đánh giá hằng quý"
        ordering = ["year", "unit_id", "person_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "year"],
                name="one_quarterly_designation_per_year",
                violation_error_message="Cán bộ này đã được chỉ định đánh giá hằng quý trong năm này: mỗi người một chỉ định mỗi năm.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} — năm {self.year}"


class Meeting(models.Model):
    """A unit's review meeting in a cycle: when, where and who kept the minutes (printed in the minutes)."""

    cycle = models.ForeignKey(Cycle, verbose_name="đợt", on_delete=models.CASCADE, related_name="meetings")
    unit = models.ForeignKey(Unit, verbose_name="đơn vị", on_delete=models.PROTECT, related_name="+")
    held_at = models.DateTimeField("thời gian họp", null=True, blank=True)
    venue = models.CharField("địa điểm", max_length=255, blank=True, default="")
    secretary = models.CharField("thư ký hội nghị", max_length=120, blank=True, default="")

    class Meta:
        verbose_name = "hội nghị kiểm điểm"
        verbose_name_plural = "hội nghị kiểm điểm"
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "unit"],
                name="one_meeting_per_unit_cycle",
                violation_error_message="Đơn vị này đã có hội nghị kiểm điểm trong đợt này: sửa hội nghị đã có.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit} — {self.cycle}"
