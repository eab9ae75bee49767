"""Seven indexes of campaigns_evaluation dropped (issue 21): each write of a rating wrote all nineteen.

Only the index goes: the state is the model's (SeparateDatabaseAndState), so the foreign keys are not dropped and
validated again over the table's rows, and SQLite's table is not remade. The names are Django's, the same on every
database; `_like` exists on PostgreSQL only.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

DROPPED = (
    "campaigns_e_cycle_i_d67b05_idx",  # (cycle, quota_group): evaluation_group_at leads with both
    "campaigns_evaluation_cycle_id_f2f3e5ae",  # evaluation_cycle_updated and evaluation_group_at lead with it
    "campaigns_evaluation_unit_id_3968824f",  # evaluation_unit_cycle_at leads with it
    "campaigns_evaluation_state_59aa7970",  # four values: never searched by alone
    "campaigns_evaluation_state_59aa7970_like",
    "campaigns_evaluation_decided_by_id_4ad86acb",  # who decided, who entered: PROTECT, never searched by
    "campaigns_evaluation_self_reviewed_by_id_6af037a4",
)


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0010_quota_group_version"),
        ("orgs", "0005_constraint_messages"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(
                    model_name="evaluation",
                    name="campaigns_e_cycle_i_d67b05_idx",
                ),
                migrations.AlterField(
                    model_name="evaluation",
                    name="cycle",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="evaluations",
                        to="campaigns.cycle",
                        verbose_name="đợt",
                    ),
                ),
                migrations.AlterField(
                    model_name="evaluation",
                    name="decided_by",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="người ghi quyết định",
                    ),
                ),
                migrations.AlterField(
                    model_name="evaluation",
                    name="self_reviewed_by",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="người nhập",
                    ),
                ),
                migrations.AlterField(
                    model_name="evaluation",
                    name="state",
                    field=models.CharField(
                        choices=[
                            ("draft", "Chưa tự kiểm điểm"),
                            ("self_reviewed", "Đã tự kiểm điểm"),
                            ("reviewed", "Đã kiểm điểm tại hội nghị"),
                            ("proposed", "Đã đề xuất mức xếp loại"),
                            ("verified", "Đã thẩm định"),
                            ("decided", "Đã quyết định"),
                        ],
                        default="draft",
                        max_length=16,
                        verbose_name="trạng thái",
                    ),
                ),
                migrations.AlterField(
                    model_name="evaluation",
                    name="unit",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="evaluations",
                        to="orgs.unit",
                        verbose_name="đơn vị",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(f"DROP INDEX IF EXISTS {name}", reverse_sql=migrations.RunSQL.noop)
                for name in DROPPED
            ],
        ),
    ]
