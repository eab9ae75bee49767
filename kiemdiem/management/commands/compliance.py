import os
import re
import time
from collections import Counter

from django.core.management.base import BaseCommand, CommandError

from kiemdiem.campaigns.compliance import Compliance, check_cycle, names_of
from kiemdiem.campaigns.models import Cycle, Evaluation
from kiemdiem.orgs.models import Unit
from kiemdiem.reports.queries import FINDING_LABELS
from kiemdiem.vietnamese import format_number


class Command(BaseCommand):
    help = (
        "Kiểm tra mọi quy tắc trên mọi đối tượng của các đợt kiểm điểm một năm (hoặc một quý), "
        "như trang xếp loại và báo cáo vẫn kiểm tra; in số vi phạm theo từng quy tắc."
    )

    def add_arguments(self, parser):
        parser.add_argument("year", type=int, help="năm kiểm điểm")
        parser.add_argument("--quarter", type=int, choices=[1, 2, 3, 4], help="quý (đợt kiểm điểm theo quý)")
        parser.add_argument("--unit", help="mã đơn vị: chỉ kiểm tra cây của đơn vị này")
        parser.add_argument(
            "--workers",
            type=int,
            default=os.cpu_count() or 1,
            help="số tiến trình kiểm tra song song các cây tách rời (mặc định: số nhân CPU)",
        )
        parser.add_argument("--list", type=int, default=0, metavar="N", help="in thêm N vi phạm đầu tiên")

    def handle(
        self, *args, year: int, quarter: int | None, unit: str | None, workers: int, list: int, **options
    ):  # noqa: A002
        if workers < 1:
            raise CommandError("--workers phải từ 1 trở lên.")
        cycles = [  # a list: narrowed to the --unit's cycles below (`list` is the option here)
            *Cycle.objects.filter(year=year, quarter=quarter).select_related("unit").order_by("unit__path")
        ]
        scope = None
        if unit:
            scope = Unit.objects.valid_in_year(year).filter(code=unit).first()
            if scope is None:
                raise CommandError(f"Không có đơn vị mã “{unit}” trong năm {year}.")
            cycles = [c for c in cycles if scope.path.startswith(c.unit.path)]
        period = f"quý {quarter}/{year}" if quarter else f"năm {year}"
        if not cycles:
            raise CommandError(
                f"Không có đợt kiểm điểm {period}" + (f" chứa đơn vị “{unit}”." if unit else ".")
            )
        for cycle in cycles:
            started = time.perf_counter()
            subtree = scope if scope is not None and scope.pk != cycle.unit_id else None
            result = check_cycle(cycle, subtree, workers=workers)
            seconds = time.perf_counter() - started
            where = f" — cây của {subtree.name}" if subtree else ""
            self.stdout.write(
                f"{cycle}{where}: {format_number(len(result.findings))} vi phạm; "
                f"{format_number(sum(1 for p in result.quota_groups.values() if p.excellent > p.max_excellent))}"
                f"/{format_number(len(result.quota_groups))} nhóm vượt tỷ lệ HTXS; {format_number(seconds, 1)} giây."
            )
            # One line per rule and article: a rule cites the article of the subject's kind and the year's regime
            # (a head above the collective: CV 854 for some, HD 21 for others).
            by_code = Counter(f.code for f in result.findings)
            by_article = Counter((f.code, str(f.citation)) for f in result.findings)
            for (code, article), n in sorted(
                by_article.items(), key=lambda item: (-by_code[item[0][0]], item[0][0], -item[1], item[0][1])
            ):
                self.stdout.write(f"  {format_number(n):>9}  {FINDING_LABELS.get(code, code)} ({article})")
            if list:
                shown = result.findings[:list]
                compliance = Compliance(result=result, names=_names(shown))
                for finding in shown:
                    self.stdout.write(f"  - {compliance.message(finding)} ({finding.citation})")


def _names(findings) -> dict[str, str]:
    """Names of what these findings quote: their subjects (the first, and any other the message quotes) and the
    quota group of a quota finding (its first subject's group)."""
    ids = {int(f.subjects[0][1:]) for f in findings}
    ids.update(int(q[2:-1]) for f in findings for q in re.findall(r'"e\d+"', f.message))
    return names_of(
        Evaluation.objects.filter(pk__in=ids).select_related("person", "collective", "unit", "quota_group")
    )
