import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from kiemdiem.demo.province import DEMO_PASSWORD, build_demo_province
from kiemdiem.demo.today import extend_to_today, ha_giang_members
from kiemdiem.orgs.models import Unit
from kiemdiem.vietnamese import format_number


class Command(BaseCommand):
    help = (
        "Tạo dữ liệu mẫu tỉnh Tuyên Quang năm 2021 (xác định theo seed); với --today thêm tỉnh Hà Giang, "
        "sắp xếp hợp nhất từ 01/07/2025 và các đợt kiểm điểm 2025, 2026."
    )

    def add_arguments(self, parser):
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
            "--today",
            action="store_true",
            help="thêm tỉnh Hà Giang (1/6 số đảng viên), hợp nhất hai tỉnh từ 01/07/2025 thành cây hai cấp, "
            "năm 2025 đã quyết định, năm 2026 đang kiểm điểm theo QĐ 366",
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="chỉ tạo khi cơ sở dữ liệu chưa có đơn vị nào"
        )

    def handle(self, *args, members: int, seed: int, if_empty: bool, **options):
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
        with transaction.atomic():
            summary = build_demo_province(members=members, seed=seed, **profile)
            today = (
                extend_to_today(
                    members=ha_giang_members(members),
                    seed=seed,
                    ratings=profile["ratings"],
                    leaders_per_collective=profile["leaders_per_collective"],
                )
                if options.get("today")
                else None
            )
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
        if today is not None:
            self.stdout.write(
                f"Hợp nhất với tỉnh Hà Giang ({format_number(today.ha_giang.persons)} đảng viên) từ 01/07/2025: "
                f"{today.reorganisations} thao tác sắp xếp, {today.communes} đảng bộ xã, phường mới, "
                f"{today.dissolved} đơn vị giải thể (cấp huyện không còn). Năm 2025: {format_number(today.decided_2025)} "
                f"tổ chức, tập thể, cán bộ và đảng viên đã quyết định xếp loại. Năm 2026: quý I–III xong "
                f"({today.quarter_cadres} cán bộ đánh giá hằng quý, {today.decided_quarters} quyết định, Mẫu 05); "
                f"cuối năm (QĐ 366) {today.scored_2026} bản tự chấm điểm, "
                f"{today.tasks_2026} nhiệm vụ đã xác nhận, {today.decided_2026} đã quyết định."
            )
            steps = ", ".join(f"{step} {format_number(s, 1)} s" for step, s in today.seconds.items())
            self.stdout.write(f"Thời gian từng bước: {steps}.")
            self.stdout.write(f"Tài khoản của tỉnh mới (mật khẩu: {DEMO_PASSWORD}):")
            for username, role, description in today.accounts:
                self.stdout.write(f"  {username:<12} {role:<40} {description}")
