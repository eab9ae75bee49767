from django.apps import AppConfig


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
