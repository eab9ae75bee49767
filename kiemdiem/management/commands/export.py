"""`kiemdiem export --cycle ID --unit CODE --kind …`: the documents and forms the pages offer, written to a file."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.http import Http404
from django.utils.text import slugify

from kiemdiem.accounts.models import User
from kiemdiem.campaigns.models import Cycle
from kiemdiem.campaigns.queries import get_cycle_and_unit_for_user
from kiemdiem.orgs.models import Person, Unit
from kiemdiem.orgs.queries import period_end
from kiemdiem.reports import documents, export_jobs, exports
from kiemdiem.reports.queries import rating_list, statistics
from kiemdiem.vietnamese import format_number

KINDS = (
    "report",
    "decision",
    "list",
    "self-review",
    "minutes",
    "dossier",
    "rerating",
    "forms",
    "decisions-zip",
)
FORMATS = {
    "report": ("docx", "pdf", "xlsx"),  # xlsx: the statistics forms
    "decision": ("docx", "pdf"),
    "list": ("docx", "pdf", "xlsx"),
    "self-review": ("docx", "pdf"),
    "minutes": ("docx", "pdf"),
    "dossier": ("docx", "pdf"),
    "rerating": ("docx", "pdf"),
    "forms": ("xlsx",),
    "decisions-zip": ("zip",),
}
PREFIXES = {
    "report": "bao-cao",
    "decision": "quyet-dinh",
    "list": "danh-sach-htxs-kht",
    "self-review": "ban-kiem-diem",
    "minutes": "bien-ban",
    "dossier": "mau-04",
    "rerating": "quyet-dinh-xep-loai-lai",
    "forms": "bieu-thong-ke",
    "decisions-zip": "quyet-dinh-cac-to-chuc-co-so",
}


class Command(BaseCommand):
    help = (
        "Xuất văn bản, biểu mẫu của một đơn vị trong một đợt: báo cáo, quyết định công nhận kèm danh sách, danh "
        "sách HTXS/KHT, bản kiểm điểm cá nhân, biên bản hội nghị, Mẫu 04, biểu thống kê; hoặc tệp ZIP quyết định "
        "của mọi tổ chức cơ sở đảng trong cây."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--cycle", type=int, required=True, help="mã số đợt kiểm điểm (kiemdiem cycle list)"
        )
        parser.add_argument("--unit", required=True, help="mã đơn vị (vd. NH, NH-001)")
        parser.add_argument("--kind", required=True, choices=KINDS, help="loại văn bản")
        parser.add_argument(
            "--format", dest="fmt", choices=("docx", "pdf", "xlsx", "zip"), help="định dạng tệp"
        )
        parser.add_argument("--person", help="mã cá nhân (bắt buộc với --kind self-review)")
        parser.add_argument("--number", default="", help="số văn bản (để trống: chừa chỗ cho văn phòng điền)")
        parser.add_argument("--user", help="tài khoản: chỉ xuất trong phạm vi của tài khoản này")
        parser.add_argument("-o", "--output", help="tệp ghi ra (mặc định: tên chuẩn trong thư mục hiện tại)")

    def handle(self, *args, cycle: int, unit: str, kind: str, fmt: str | None, **options):
        fmt = fmt or FORMATS[kind][0]
        if fmt not in FORMATS[kind]:
            raise CommandError(f"--kind {kind} chỉ xuất được định dạng: {', '.join(FORMATS[kind])}.")
        the_cycle, the_unit = self._cycle_and_unit(cycle, unit, options.get("user"))
        number = options["number"]
        try:
            content = self._build(kind, fmt, the_cycle, the_unit, number, options.get("person"))
        except documents.DocumentError as exc:
            raise CommandError(str(exc)) from None
        suffix = f"-{slugify(options['person'])}" if options.get("person") else ""
        default = f"{PREFIXES[kind]}-{slugify(the_unit.code) or the_unit.pk}{suffix}-{the_cycle.year}.{fmt}"
        target = Path(options.get("output") or default)
        target.write_bytes(content)
        self.stdout.write(f"Đã ghi {target} ({format_number(len(content))} byte).")

    def _cycle_and_unit(self, cycle_pk: int, code: str, username: str | None) -> tuple[Cycle, Unit]:
        cycle = Cycle.objects.select_related("unit").filter(pk=cycle_pk).first()
        if cycle is None:
            raise CommandError(f"Không có đợt kiểm điểm số {cycle_pk}.")
        unit = (
            Unit.objects.filter(code=code, path__startswith=cycle.unit.path)
            .valid_on(period_end(cycle.year, cycle.quarter))
            .first()
        )
        if unit is None:
            raise CommandError(f"Không có đơn vị mã “{code}” trong phạm vi đợt kiểm điểm số {cycle_pk}.")
        if username:
            user = User.objects.filter(username=username, is_active=True).first()
            if user is None:
                raise CommandError(f"Không tìm thấy tài khoản “{username}”.")
            try:
                get_cycle_and_unit_for_user(user, cycle.pk, unit.pk)
            except Http404:
                raise CommandError(f"Đơn vị “{code}” ngoài phạm vi của tài khoản “{username}”.") from None
        return cycle, unit

    def _build(
        self, kind: str, fmt: str, cycle: Cycle, unit: Unit, number: str, person_code: str | None
    ) -> bytes:
        if kind == "decisions-zip":

            def progress(pct: int) -> None:
                sys.stderr.write(f"\r{pct}%")
                sys.stderr.flush()

            content = export_jobs.decisions_zip(cycle, unit, progress)
            sys.stderr.write("\n")
            return content
        if kind in ("forms", "report") and fmt == "xlsx":
            return exports.statistics_xlsx(
                statistics(cycle, unit), exports.heading_for(unit, cycle.year, number=number)
            )
        if kind == "list" and fmt == "xlsx":
            rows = (
                rating_list(cycle, unit).filter(decided_rating__in=["HTXS", "KHT"]).iterator(chunk_size=2000)
            )
            period = documents.period_of(cycle)
            return exports.ratings_xlsx(
                rows,
                exports.heading_for(unit, cycle.year, number=number),
                period,
                title=f"DANH SÁCH HOÀN THÀNH XUẤT SẮC NHIỆM VỤ, KHÔNG HOÀN THÀNH NHIỆM VỤ {period.upper()} — "
                f"{unit.name.upper()}",
            )
        evaluation = None
        if kind in ("self-review", "rerating"):
            if not person_code:
                raise CommandError(f"--kind {kind} cần --person MÃ_CÁ_NHÂN.")
            person = Person.objects.filter(code=person_code).select_related("home_cell").first()
            if person is None:
                raise CommandError(f"Không có cá nhân mã “{person_code}”.")
            evaluation = documents.self_review_evaluation(cycle, person)
            if not evaluation.unit.path.startswith(unit.path):
                raise CommandError(f"{person.full_name} không thuộc {unit.name}.")
        content, _ = documents.build_document(
            kind, cycle, unit, fmt=fmt, evaluation=evaluation, number=number
        )
        return content
