from django.apps import AppConfig


class FollowupConfig(AppConfig):
    name = "kiemdiem.followup"
    verbose_name = "Gợi ý, khắc phục, việc đột phá"
