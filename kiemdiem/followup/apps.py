from django.apps import AppConfig


class FollowupConfig(AppConfig):
    name = "kiemdiem.followup"
    verbose_name = "Gợi ý, khắc phục, việc đột phá"

    def ready(self) -> None:
        # Follow-up reads campaigns; campaigns reaches follow-up only through the hooks it declares.
        from kiemdiem.campaigns import hooks
        from kiemdiem.followup.actions import notify_order
        from kiemdiem.followup.queries import evaluation_probe, missing_suggestion_answers, panel_for

        hooks.register_self_review_check(missing_suggestion_answers)
        hooks.register_evaluation_panel("followup", panel_for)
        hooks.register_evaluation_probe(evaluation_probe)
        hooks.register_order_listener(notify_order)
