"""Reports a unit sends upward: a frozen snapshot of its statistics for one cycle."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from kiemdiem.campaigns.models import Cycle
from kiemdiem.orgs.models import Unit


class ReportSubmission(models.Model):
    """One submission of a unit's figures for a cycle; never edited, only superseded by a newer one."""

    cycle = models.ForeignKey(Cycle, verbose_name="đợt", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(
        Unit, verbose_name="đơn vị báo cáo", on_delete=models.PROTECT, related_name="report_submissions"
    )
    number = models.CharField("số báo cáo", max_length=40, blank=True)
    note = models.TextField("ghi chú", blank=True)
    figures = models.JSONField("số liệu đã khóa")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="người gửi", on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField("gửi lúc", default=timezone.now)
    superseded_by = models.ForeignKey(
        "self",
        verbose_name="được thay bằng",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "báo cáo đã gửi"
        verbose_name_plural = "báo cáo đã gửi"
        ordering = ["-submitted_at", "-id"]
        constraints = [
            # One current report per unit and cycle: a new submission supersedes the old in the same transaction.
            models.UniqueConstraint(
                fields=["cycle", "unit"],
                condition=Q(superseded_by__isnull=True),
                name="one_current_report_per_unit_cycle",
                violation_error_message="Đơn vị này đã có báo cáo đang hiệu lực trong đợt này: gửi báo cáo mới sẽ thay báo cáo cũ.",
            ),
        ]

    def __str__(self) -> str:
        return f"Báo cáo {self.unit} — {self.cycle.year} ({self.submitted_at:%d/%m/%Y})"

    @property
    def is_current(self) -> bool:
        return self.superseded_by_id is None

    @property
    def submitted_on(self):
        return timezone.localtime(self.submitted_at).date()

    @property
    def is_late(self) -> bool:
        return self.submitted_on > self.cycle.report_deadline

    def save(self, *args, **kwargs):
        # The snapshot is what the upper level received: it never changes once sent.
        if self.pk is not None:
            raise PermissionError("Báo cáo đã gửi không được sửa; hãy gửi báo cáo mới để thay thế.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Báo cáo đã gửi không được xóa.")


class ExportKind(models.TextChoices):
    XLSX = "xlsx", "Biểu thống kê (XLSX)"
    DOCX = "docx", "Báo cáo (DOCX)"
    PDF = "pdf", "Báo cáo (PDF)"
    RATINGS_XLSX = "ratings_xlsx", "Danh sách xếp loại từng đối tượng (XLSX)"
    DECISIONS_ZIP = "decisions_zip", "Quyết định và danh sách của các tổ chức cơ sở đảng (ZIP)"


class ExportStatus(models.TextChoices):
    QUEUED = "queued", "Đang chờ xử lý"
    RUNNING = "running", "Đang tạo tệp"
    DONE = "done", "Đã tạo xong"
    FAILED = "failed", "Không tạo được tệp"


class ExportJob(models.Model):
    """One large export made by the background worker; only the user who started it sees and downloads it.

    The file is kept in the row (like an import's upload) so a worker on another machine can hand it to the web
    process without a shared disk. A job is a disposable copy of what the pages show: it goes with its user,
    cycle, unit or submission, and a user's jobs older than a week are deleted when they start a new one.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="người tải", on_delete=models.CASCADE, related_name="+"
    )
    cycle = models.ForeignKey(Cycle, verbose_name="đợt", on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(Unit, verbose_name="đơn vị", on_delete=models.CASCADE, related_name="+")
    submission = models.ForeignKey(
        ReportSubmission,
        verbose_name="báo cáo đã gửi",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    kind = models.CharField("loại tệp", max_length=16, choices=ExportKind.choices)
    status = models.CharField(
        "trạng thái", max_length=16, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField("tiến độ (%)", default=0)
    error = models.TextField("lỗi", blank=True)
    file_name = models.CharField("tên tệp", max_length=255, blank=True)
    content = models.BinaryField("nội dung", blank=True, default=b"")
    created_at = models.DateTimeField("tạo lúc", auto_now_add=True)
    finished_at = models.DateTimeField("xong lúc", null=True, blank=True)
    # The lease (kiemdiem/jobs.py): the process making the file and its last sign of life.
    runner = models.CharField("tiến trình xử lý", max_length=120, blank=True, default="")
    heartbeat_at = models.DateTimeField("báo tiến độ lúc", null=True, blank=True)
    # The cycle's data version when the job was asked for (the last change of any of its evaluations): a second
    # request for the same file while this one runs reuses it instead of starting another.
    data_version = models.DateTimeField("phiên bản số liệu", null=True, blank=True)

    class Meta:
        verbose_name = "lượt tải tệp"
        verbose_name_plural = "lượt tải tệp"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.unit}"

    @property
    def is_finished(self) -> bool:
        return self.status in (ExportStatus.DONE, ExportStatus.FAILED)


# -- Tallies: per-unit counts the roll-up reads (kiemdiem/reports/tally.py) ---------------------------------------
# Plain integer columns, no foreign keys: database triggers write TallyVersion rows while Django deletes a unit's
# evaluations, and a row that outlives its unit or cycle is never read (the roll-up joins the live units).


class TallyVersion(models.Model):
    """How often a unit's evaluations of a cycle, or what their form rows read, have changed. Only the database
    triggers of tally.install_triggers write it."""

    cycle_id = models.BigIntegerField()
    unit_id = models.BigIntegerField()
    version = models.BigIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["cycle_id", "unit_id"],
                name="one_tally_version",
                violation_error_message="Đơn vị này đã có phiên bản số liệu tổng hợp trong đợt này: mỗi đơn vị một phiên bản mỗi đợt.",
            )
        ]


class TallyStamp(models.Model):
    """The version a unit's Tally rows were counted at; they are current while it equals TallyVersion's."""

    cycle_id = models.BigIntegerField()
    unit_id = models.BigIntegerField()
    version = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["cycle_id", "unit_id"],
                name="one_tally_stamp",
                violation_error_message="Đơn vị này đã có dấu phiên bản số liệu tổng hợp trong đợt này: mỗi đơn vị một dấu mỗi đợt.",
            )
        ]


class Tally(models.Model):
    """How many of a unit's own evaluations of a cycle share one form row, rating bucket and state."""

    cycle_id = models.BigIntegerField()
    unit_id = models.BigIntegerField()
    subject_type = models.CharField(max_length=32)
    key = models.CharField(max_length=32)
    decided_rating = models.CharField(max_length=4)
    reason = models.CharField(max_length=255)
    state = models.CharField(max_length=16)
    quota = models.BigIntegerField(null=True)
    overridden = models.SmallIntegerField()
    n = models.IntegerField()

    class Meta:
        indexes = [models.Index(fields=["cycle_id", "unit_id"], name="tally_cycle_unit")]


class MemberTally(models.Model):
    """How many of a unit's own party members of a cycle share Biểu B's row, "in which" row, bucket and columns.

    Kept beside `Tally`, by the same versions and stamps and the same recount (tally.refresh): Biểu B's columns
    (exempt, suspended, admitted under 6 months, disciplined in the year) and its rows of members in the armed
    forces, retired, outside the political system or holding a leader's post (report-forms.md §5.1)."""

    cycle_id = models.BigIntegerField()
    unit_id = models.BigIntegerField()
    key = models.CharField(max_length=32)  # Biểu B's row: cbccvc or khac
    member_group = models.CharField(max_length=16)
    leader = models.BooleanField()  # also evaluated as a leader in the cycle
    bucket = models.CharField(max_length=16)  # the decided level, not_rated or pending
    exempt = models.BooleanField()
    suspended = models.BooleanField()
    is_new = models.BooleanField()  # admitted less than 6 months before the period's end
    disciplined = models.BooleanField()  # disciplined in the year (the evaluation's facts)
    n = models.IntegerField()

    class Meta:
        indexes = [models.Index(fields=["cycle_id", "unit_id"], name="member_tally_cycle_unit")]


class DocumentSettings(models.Model):
    """An office's own letterhead values where the derived ones are not what it uses (HD 36-HD/VPTW).

    Each field left blank keeps what is derived from the tree and the positions (reports/letterhead.py).
    """

    unit = models.OneToOneField(
        Unit, verbose_name="đơn vị", on_delete=models.CASCADE, related_name="document_settings"
    )
    place = models.CharField("địa danh", max_length=80, blank=True)
    superior_name = models.CharField("tên cơ quan cấp trên (dòng trên)", max_length=160, blank=True)
    issuer_name = models.CharField("tên cơ quan ban hành", max_length=160, blank=True)
    symbol = models.CharField("chữ viết tắt tên cơ quan ban hành (HU, ĐU…)", max_length=16, blank=True)
    signing_body = models.CharField("thẩm quyền ký (T/M …)", max_length=80, blank=True)
    signer_title = models.CharField("chức vụ người ký", max_length=80, blank=True)
    signer_name = models.CharField("họ và tên người ký", max_length=120, blank=True)
    recipients = models.TextField("nơi nhận (mỗi dòng một nơi)", blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="người sửa",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField("sửa lúc", auto_now=True)

    class Meta:
        verbose_name = "thể thức văn bản của đơn vị"
        verbose_name_plural = "thể thức văn bản của đơn vị"

    def __str__(self) -> str:
        return f"Thể thức văn bản: {self.unit}"
