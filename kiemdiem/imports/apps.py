from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "kiemdiem.imports"
    verbose_name = "Nhập dữ liệu từ Excel"
