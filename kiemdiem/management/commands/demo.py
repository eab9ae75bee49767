import time

from django.core.management.base import BaseCommand, CommandError

from kiemdiem.orgs.demo import DEMO_PASSWORD, build_demo_province
from kiemdiem.orgs.models import Unit


class Command(BaseCommand):
    help = "Tạo dữ liệu mẫu tỉnh Tuyên Quang năm 2021 (xác định theo seed)."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--members", type=int, default=6000, help="số đảng viên (mặc định 6000)")
        parser.add_argument("--seed", type=int, default=2021)
        parser.add_argument(
            "--if-empty", action="store_true", help="chỉ tạo khi cơ sở dữ liệu chưa có đơn vị nào"
        )

    def handle(self, *args, members: int, seed: int, if_empty: bool, **options):  # type: ignore[no-untyped-def]
        if Unit.objects.exists():
            if if_empty:
                self.stdout.write("Cơ sở dữ liệu đã có dữ liệu; bỏ qua tạo dữ liệu mẫu.")
                return
            raise CommandError("Cơ sở dữ liệu đã có đơn vị; dùng cơ sở dữ liệu trống hoặc --if-empty.")
        if members < 100:
            raise CommandError("--members phải từ 100 trở lên.")
        started = time.perf_counter()
        summary = build_demo_province(members=members, seed=seed)
        took = time.perf_counter() - started
        self.stdout.write(
            f"Đã tạo {summary.units:,} đơn vị, {summary.persons:,} đảng viên, "
            f"{summary.collectives:,} tập thể, "
            f"{summary.positions:,} chức vụ trong {took:.1f} giây."
        )
        if summary.accounts:
            self.stdout.write(f"Tài khoản mẫu (mật khẩu: {DEMO_PASSWORD}):")
            for username, role, description in summary.accounts:
                self.stdout.write(f"  {username:<10} {role:<40} {description}")
