"""Accounts: each user has one role and one scope (a unit of the tree, or themselves)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models


class UserRole(models.TextChoices):
    PROVINCE_ADMIN = "province_admin", "Cán bộ Ban Tổ chức Tỉnh ủy"
    STANDING_MEMBER = "standing_member", "Ủy viên Ban Thường vụ"
    DISTRICT_OFFICER = "district_officer", "Cán bộ huyện ủy, đảng ủy trực thuộc"
    CELL_SECRETARY = "cell_secretary", "Bí thư chi bộ, văn phòng đảng ủy cơ sở"
    MEMBER = "member", "Đảng viên, cán bộ"
    INSPECTOR = "inspector", "Ủy ban kiểm tra"


# Roles whose reach is one or more whole subtrees of the organisation tree.
SUBTREE_ROLES = frozenset(
    {UserRole.PROVINCE_ADMIN, UserRole.DISTRICT_OFFICER, UserRole.CELL_SECRETARY, UserRole.INSPECTOR}
)


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

    @property
    def is_read_only(self) -> bool:
        return self.role == UserRole.INSPECTOR
