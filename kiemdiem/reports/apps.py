from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "kiemdiem.reports"
    verbose_name = "Báo cáo, thống kê"
