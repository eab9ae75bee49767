from django.apps import AppConfig


class KiemdiemConfig(AppConfig):
    name = "kiemdiem"
    verbose_name = "kiemdiem"
