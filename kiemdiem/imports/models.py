"""Import jobs: one uploaded workbook, its progress while a background task reads and writes it, its errors."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ImportKind(models.TextChoices):
    UNITS = "units", "Đơn vị, tổ chức đảng"
    PEOPLE = "people", "Cá nhân, đảng viên"
    POSITIONS = "positions", "Chức vụ"
    RATINGS = "ratings", "Kết quả xếp loại (đơn vị làm trên giấy)"
    REORGANISATION = "reorganisation", "Sắp xếp tổ chức (hợp nhất, chia tách, giải thể, chuyển, đổi tên)"


# Kinds whose upload is first checked and shown as a preview (what will change); nothing is written until applied.
PREVIEWED_KINDS = frozenset({ImportKind.PEOPLE, ImportKind.REORGANISATION})


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Đang chờ xử lý"
    READING = "reading", "Đang đọc tệp"
    VALIDATING = "validating", "Đang kiểm tra từng dòng"
    WRITING = "writing", "Đang ghi vào cơ sở dữ liệu"
    PREVIEWED = "previewed", "Đã kiểm tra: xem trước, chờ áp dụng"
    DONE = "done", "Đã nhập xong"
    REFUSED = "refused", "Không nhập: tệp có lỗi"
    FAILED = "failed", "Không nhập: lỗi hệ thống"


FINISHED = frozenset({JobStatus.PREVIEWED, JobStatus.DONE, JobStatus.REFUSED, JobStatus.FAILED})


class ImportJob(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="người nhập", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField("loại dữ liệu", max_length=16, choices=ImportKind.choices)
    cycle = models.ForeignKey(
        "campaigns.Cycle",
        verbose_name="đợt kiểm điểm",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    file_name = models.CharField("tên tệp", max_length=255)
    size = models.PositiveIntegerField("dung lượng (byte)", default=0)
    # The upload itself, kept in the database so a worker on another machine can read it; emptied when done.
    content = models.BinaryField("nội dung", blank=True, default=b"")
    status = models.CharField(
        "trạng thái", max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED, db_index=True
    )
    progress = models.PositiveSmallIntegerField("tiến độ (%)", default=0)
    # A preview run validates and shows the changes without writing; applying runs the same file again for real.
    preview = models.BooleanField("chỉ xem trước", default=False)
    total_rows = models.PositiveIntegerField("số dòng", default=0)
    errors = models.JSONField("lỗi", default=list, blank=True)
    error_total = models.PositiveIntegerField("tổng số lỗi", default=0)
    summary = models.JSONField("kết quả", default=dict, blank=True)
    created_at = models.DateTimeField("tạo lúc", auto_now_add=True)
    started_at = models.DateTimeField("bắt đầu lúc", null=True, blank=True)
    finished_at = models.DateTimeField("kết thúc lúc", null=True, blank=True)
    # The lease (kiemdiem/jobs.py): the process running the job and its last sign of life.
    runner = models.CharField("tiến trình xử lý", max_length=120, blank=True, default="")
    heartbeat_at = models.DateTimeField("báo tiến độ lúc", null=True, blank=True)

    class Meta:
        verbose_name = "lượt nhập Excel"
        verbose_name_plural = "lượt nhập Excel"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.file_name}"

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED
