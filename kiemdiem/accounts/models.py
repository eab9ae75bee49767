"""Accounts: each user has one role and one scope (a unit of the tree, or themselves)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models

from kiemdiem.vietnamese import display_name


class UserRole(models.TextChoices):
    PROVINCE_ADMIN = "province_admin", "Cán bộ Ban Tổ chức Tỉnh ủy"
    STANDING_MEMBER = "standing_member", "Ủy viên Ban Thường vụ"
    DISTRICT_OFFICER = "district_officer", "Cán bộ huyện ủy, đảng ủy trực thuộc"
    CELL_SECRETARY = "cell_secretary", "Bí thư chi bộ, văn phòng đảng ủy cơ sở"
    MEMBER = "member", "Đảng viên, cán bộ"
    INSPECTOR = "inspector", "Ủy ban kiểm tra"


class User(AbstractUser):
    role = models.CharField("vai trò", max_length=32, choices=UserRole.choices, default=UserRole.MEMBER)
    unit = models.ForeignKey(
        "orgs.Unit",
        verbose_name="đơn vị phụ trách",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    # Standing-committee members reach the units they are assigned to attend and direct.
    assigned_units = models.ManyToManyField(
        "orgs.Unit", verbose_name="đơn vị được phân công", blank=True, related_name="assigned_users"
    )
    person = models.OneToOneField(
        "orgs.Person",
        verbose_name="cá nhân",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="user",
    )

    class Meta:
        verbose_name = "tài khoản"
        verbose_name_plural = "tài khoản"

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def get_full_name(self) -> str:
        """ "Họ đệm Tên" (Chu Xuân Tùng): Django keeps the given name in first_name and joins it first."""
        return display_name(self.last_name, self.first_name)

    def get_short_name(self) -> str:
        return self.first_name


class ApiAccess(models.TextChoices):
    READ = "read", "Chỉ đọc"
    READ_WRITE = "read_write", "Đọc và ghi"


class ApiKey(models.Model):
    """A key another system uses to call the API, scoped to a subtree and to reading or reading and writing.

    The key acts as its own account (`user`: no password, the key's unit and a role that fits its access), so every
    scoped read and permission of the apps applies to it unchanged. Only a SHA-256 of the secret is kept; the secret
    is shown once, when the key is issued. Issue, revoke and every use are recorded in ApiKeyEvent.
    """

    name = models.CharField("hệ thống sử dụng", max_length=120)
    unit = models.ForeignKey(
        "orgs.Unit", verbose_name="phạm vi (đơn vị)", on_delete=models.PROTECT, related_name="api_keys"
    )
    access = models.CharField("quyền", max_length=16, choices=ApiAccess.choices, default=ApiAccess.READ)
    prefix = models.CharField("tiền tố khóa", max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    user = models.OneToOneField(
        User,
        verbose_name="tài khoản của khóa",
        on_delete=models.PROTECT,
        related_name="api_key",
        editable=False,
    )
    issued_by = models.ForeignKey(
        User, verbose_name="người cấp", null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    issued_at = models.DateTimeField("ngày cấp", auto_now_add=True)
    revoked_at = models.DateTimeField("ngày thu hồi", null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(
        User,
        verbose_name="người thu hồi",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    last_used_at = models.DateTimeField("lần dùng gần nhất", null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "khóa API"
        verbose_name_plural = "khóa API"
        ordering = ["-issued_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def can_write(self) -> bool:
        return self.access == ApiAccess.READ_WRITE


class ApiKeyEventKind(models.TextChoices):
    ISSUE = "issue", "Cấp khóa"
    REVOKE = "revoke", "Thu hồi"
    USE = "use", "Sử dụng"
    REFUSED = "refused", "Bị từ chối"


class ApiKeyEvent(models.Model):
    """The audit trail of a key: who issued and revoked it, and each request made with it."""

    key = models.ForeignKey(ApiKey, verbose_name="khóa", on_delete=models.PROTECT, related_name="events")
    kind = models.CharField("sự kiện", max_length=16, choices=ApiKeyEventKind.choices)
    at = models.DateTimeField("thời điểm", auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        User,
        verbose_name="người thực hiện",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    method = models.CharField("phương thức", max_length=8, blank=True)
    path = models.CharField("đường dẫn", max_length=300, blank=True)
    ip = models.GenericIPAddressField("địa chỉ IP", null=True, blank=True)
    note = models.CharField("ghi chú", max_length=300, blank=True)

    class Meta:
        verbose_name = "nhật ký khóa API"
        verbose_name_plural = "nhật ký khóa API"
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.key} {self.at:%d/%m/%Y %H:%M}"
