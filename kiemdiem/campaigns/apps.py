from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "kiemdiem.campaigns"
    verbose_name = "Đợt kiểm điểm"

    def ready(self) -> None:
        # Campaigns reads orgs; the person page (orgs) shows the evaluations through the hook it declares.
        from kiemdiem.campaigns.queries import person_evaluations
        from kiemdiem.orgs import hooks

        hooks.register_person_panel("evaluations", person_evaluations)
