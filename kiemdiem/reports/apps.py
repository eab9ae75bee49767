from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ReportsConfig(AppConfig):
    name = "kiemdiem.reports"
    verbose_name = "Báo cáo, thống kê"

    def ready(self) -> None:
        from kiemdiem.reports.tally import _install_after_migrate

        # After every migrate, not in one migration: on SQLite a later migration that remakes a table drops its
        # triggers, and this puts them back (and counts everything again) before anyone writes.
        post_migrate.connect(_install_after_migrate, sender=self, dispatch_uid="reports_tally_triggers")
