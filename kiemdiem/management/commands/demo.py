import time

from django.core.management.base import BaseCommand, CommandError

from kiemdiem.demo.province import DEMO_PASSWORD, build_demo_province
from kiemdiem.orgs.models import Unit
from kiemdiem.vietnamese import format_number


class Command(BaseCommand):
    help = "Tạo dữ liệu mẫu tỉnh Tuyên Quang năm 2021 (xác định theo seed)."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--members", type=int, default=6000, help="số đảng viên (mặc định 6000)")
        parser.add_argument("--seed", type=int, default=2021)
        parser.add_argument(
            "--history-years", type=int, default=1, help="số năm có đợt kiểm điểm, đến 2021 (mặc định 1)"
        )
        parser.add_argument(
            "--leaders-per-collective", type=int, default=0, help="số lãnh đạo (trưởng, phó) mỗi tập thể"
        )
        parser.add_argument("--big-cell", type=int, default=0, help="một chi bộ có ngần này đảng viên")
        parser.add_argument(
            "--ratings", action="store_true", help="ghi mức đề xuất, quyết định năm 2021 (kèm nhật ký)"
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="chỉ tạo khi cơ sở dữ liệu chưa có đơn vị nào"
        )

    def handle(self, *args, members: int, seed: int, if_empty: bool, **options):  # type: ignore[no-untyped-def]
        profile = {
            "history_years": options.get("history_years", 1),
            "leaders_per_collective": options.get("leaders_per_collective", 0),
            "big_cell": options.get("big_cell", 0),
            "ratings": options.get("ratings", False),
        }
        if Unit.objects.exists():
            if if_empty:
                self.stdout.write("Cơ sở dữ liệu đã có dữ liệu; bỏ qua tạo dữ liệu mẫu.")
                return
            raise CommandError("Cơ sở dữ liệu đã có đơn vị; dùng cơ sở dữ liệu trống hoặc --if-empty.")
        if members < 100:
            raise CommandError("--members phải từ 100 trở lên.")
        started = time.perf_counter()
        summary = build_demo_province(members=members, seed=seed, **profile)
        took = time.perf_counter() - started
        self.stdout.write(
            f"Đã tạo {format_number(summary.units)} đơn vị, {format_number(summary.persons)} đảng viên, "
            f"{format_number(summary.collectives)} tập thể, "
            f"{format_number(summary.positions)} chức vụ trong {format_number(took, 1)} giây."
        )
        if summary.accounts:
            self.stdout.write(f"Tài khoản mẫu (mật khẩu: {DEMO_PASSWORD}):")
            for username, role, description in summary.accounts:
                self.stdout.write(f"  {username:<10} {role:<40} {description}")
