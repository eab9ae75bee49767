from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CampaignsConfig(AppConfig):
    name = "kiemdiem.campaigns"
    verbose_name = "Đợt kiểm điểm"

    def ready(self) -> None:
        # Campaigns reads orgs; the person page (orgs) shows the evaluations through the hook it declares.
        from kiemdiem.campaigns.queries import person_evaluations
        from kiemdiem.orgs import hooks

        hooks.register_person_panel("evaluations", person_evaluations)

        from kiemdiem.campaigns import hooks as campaign_hooks
        from kiemdiem.campaigns import quarterly

        # The year's evaluation of a cadre shows their quarters (a panel like follow-up's, inside campaigns).
        campaign_hooks.register_evaluation_panel("quarters", quarterly.year_panel)

        from kiemdiem.campaigns.group_versions import install_after_migrate

        # After every migrate, not in one migration: on SQLite a later migration that remakes the evaluations'
        # table drops its triggers, and this puts them back (and moves every group's version) before anyone writes.
        post_migrate.connect(install_after_migrate, sender=self, dispatch_uid="campaigns_group_versions")
