from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "kiemdiem.orgs"
    verbose_name = "Tổ chức và nhân sự"
