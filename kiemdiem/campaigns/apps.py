from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "kiemdiem.campaigns"
    verbose_name = "Đợt kiểm điểm"
