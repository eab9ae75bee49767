"""`kiemdiem cycle list|open|sync|close`: the cycles from the command line, through the same actions as the pages."""

from __future__ import annotations

import datetime
import time

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Count, Q

from kiemdiem.campaigns import actions
from kiemdiem.campaigns.actions import ActionError
from kiemdiem.campaigns.models import Cycle, Evaluation
from kiemdiem.orgs.models import Unit
from kiemdiem.orgs.queries import period_end
from kiemdiem.vietnamese import format_number


def _date(raw: str | None) -> datetime.date | None:
    if not raw:
        return None
    try:
        return datetime.datetime.strptime(raw, "%d/%m/%Y").date()
    except ValueError:
        raise CommandError(f"Ngày “{raw}” không đúng dạng ngày/tháng/năm (dd/mm/yyyy).") from None


class Command(BaseCommand):
    help = "Đợt kiểm điểm: liệt kê (list), mở (open), đồng bộ đối tượng (sync), đóng (close)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, parser_class=CommandParser)
        ls = sub.add_parser("list", help="năm, quý, chế độ, cấp ủy mở đợt, trạng thái, số bản đánh giá")
        ls.add_argument("--year", type=int, help="chỉ các đợt của năm này")
        op = sub.add_parser("open", help="mở đợt cho cây của một cấp ủy và tạo nhóm, bản đánh giá")
        op.add_argument("--year", type=int, required=True)
        op.add_argument("--quarter", type=int, help="quý 1–3 (chế độ từ năm 2025); bỏ trống: cả năm")
        op.add_argument("--unit", required=True, help="mã cấp ủy mở đợt (ví dụ TQ)")
        op.add_argument("--province", default="tuyen-quang", help="văn bản riêng của tỉnh (hạn mặc định)")
        op.add_argument(
            "--review-deadline", help="hạn hoàn thành kiểm điểm, dd/mm/yyyy (mặc định theo chế độ)"
        )
        op.add_argument("--dossier-deadline", help="hạn gửi hồ sơ đánh giá cán bộ, dd/mm/yyyy")
        op.add_argument("--report-deadline", help="hạn báo cáo kết quả, dd/mm/yyyy")
        op.add_argument("--no-sync", action="store_true", help="chỉ mở đợt, chưa tạo bản đánh giá")
        sy = sub.add_parser("sync", help="thêm nhóm, bản đánh giá còn thiếu (không tạo trùng)")
        sy.add_argument("id", type=int)
        cl = sub.add_parser("close", help="đóng đợt: khóa mọi bản đánh giá")
        cl.add_argument("id", type=int)

    def handle(self, *args, action: str, **options):
        try:
            getattr(self, f"_{action}")(**options)
        except ActionError as exc:
            raise CommandError(str(exc)) from None

    def _cycle(self, pk: int) -> Cycle:
        try:
            return Cycle.objects.select_related("unit").get(pk=pk)
        except Cycle.DoesNotExist:
            raise CommandError(f"Không có đợt kiểm điểm số {pk}.") from None

    def _list(self, *, year: int | None = None, **_: object) -> None:
        cycles = Cycle.objects.select_related("unit").order_by("-year", "quarter", "unit__path")
        if year:
            cycles = cycles.filter(year=year)
        counts: dict[int, tuple[int, int]] = {
            r["cycle_id"]: (r["total"], r["decided"])
            for r in Evaluation.objects.filter(cycle__in=cycles)
            .values("cycle_id")
            .annotate(total=Count("pk"), decided=Count("pk", filter=Q(state="decided")))
        }
        header = f"{'ID':>5}  {'Năm':>4}  {'Quý':>3}  {'Chế độ':<11} {'Cấp ủy mở đợt':<36} {'Trạng thái':<10} {'Bản ĐG':>8} {'Đã QĐ':>8}"
        self.stdout.write(header)
        for c in cycles:
            total, decided = counts.get(c.pk, (0, 0))
            self.stdout.write(
                f"{c.pk:>5}  {c.year:>4}  {c.quarter or '—':>3}  {c.regime:<11} {(c.unit.code + ' ' + c.unit.name)[:36]:<36} "
                f"{c.get_state_display():<10} {format_number(total):>8} {format_number(decided):>8}"
            )

    def _open(
        self, *, year: int, quarter: int | None, unit: str, province: str, no_sync: bool, **options
    ) -> None:
        root = Unit.objects.filter(code=unit).valid_on(period_end(year, quarter)).first()
        if root is None:
            raise CommandError(
                f"Không có đơn vị mã “{unit}” còn hiệu lực vào ngày {period_end(year, quarter):%d/%m/%Y} "
                "(cuối kỳ kiểm điểm)."
            )
        cycle = actions.do_open_cycle(
            unit=root,
            year=year,
            quarter=quarter,
            province=province,
            review_deadline=_date(options.get("review_deadline")),
            dossier_deadline=_date(options.get("dossier_deadline")),
            report_deadline=_date(options.get("report_deadline")),
        )
        self.stdout.write(
            f"Đã mở đợt số {cycle.pk}: {cycle} — {cycle.regime_name}; hoàn thành kiểm điểm trước "
            f"{cycle.review_deadline:%d/%m/%Y}, báo cáo trước {cycle.report_deadline:%d/%m/%Y}."
        )
        if not no_sync:
            self._sync(id=cycle.pk)

    def _sync(self, *, id: int, **_: object) -> None:  # noqa: A002
        cycle = self._cycle(id)
        started = time.perf_counter()
        shown = [-10]

        def progress(pct: int, step: str) -> None:
            if pct - shown[-1] >= 10 or pct == 100:
                shown.append(pct)
                self.stderr.write(f"  {pct:3d}% {step}")

        added = actions.do_sync_cycle(cycle=cycle, progress=progress)
        self.stdout.write(
            f"Đợt số {cycle.pk}: thêm {added['quota_groups']} nhóm tính tỷ lệ, {added['evaluations']} bản đánh giá "
            f"({time.perf_counter() - started:.1f} giây)."
        )

    def _close(self, *, id: int, **_: object) -> None:  # noqa: A002
        cycle = actions.do_close_cycle(user=None, cycle=self._cycle(id))
        self.stdout.write(f"Đã đóng đợt số {cycle.pk}: {cycle}.")
