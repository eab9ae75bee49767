"""`kiemdiem import FILE --kind … --user … [--apply]`: the same import as the web page, run in this process.

People and reorganisation files are previewed as on the page (new, changed field by field, unchanged, missing;
or the units that end and begin) and written only with --apply, which shows the preview and then applies it.
"""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.http import Http404

from kiemdiem.accounts.models import User
from kiemdiem.campaigns.queries import get_cycle_for_user
from kiemdiem.imports.actions import do_apply_import_job, do_create_import_job, run_import_job
from kiemdiem.imports.models import PREVIEWED_KINDS, ImportJob, ImportKind, JobStatus
from kiemdiem.imports.parsing import size_error
from kiemdiem.imports.preview import preview_lines
from kiemdiem.imports.validation import ImportRefused
from kiemdiem.vietnamese import format_number


class Command(BaseCommand):
    help = "Nhập dữ liệu từ tệp Excel (.xlsx): kiểm tra mọi dòng trước, có lỗi thì không ghi dòng nào."

    def add_arguments(self, parser):
        parser.add_argument("file", help="tệp .xlsx theo mẫu tải từ trang Nhập Excel")
        parser.add_argument("--kind", required=True, choices=ImportKind.values, help="loại dữ liệu")
        parser.add_argument("--user", required=True, help="tài khoản thực hiện (phạm vi nhập theo tài khoản)")
        parser.add_argument("--cycle", type=int, help="mã số đợt kiểm điểm (bắt buộc với --kind ratings)")
        parser.add_argument(
            "--apply",
            action="store_true",
            help="với people và reorganisation: ghi các thay đổi (không có cờ này chỉ xem trước, không ghi gì)",
        )

    def handle(
        self, *args, file: str, kind: str, user: str, cycle: int | None, apply: bool = False, **options
    ):
        try:
            account = User.objects.get(username=user, is_active=True)
        except User.DoesNotExist:
            raise CommandError(f"Không tìm thấy tài khoản “{user}”.") from None
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"Không tìm thấy tệp “{file}”.")
        if too_big := size_error(path.stat().st_size):
            raise CommandError(too_big)
        chosen = None
        if kind == ImportKind.RATINGS:
            if cycle is None:
                raise CommandError("Nhập kết quả xếp loại cần --cycle (mã số đợt kiểm điểm).")
            try:
                chosen = get_cycle_for_user(account, cycle)
            except Http404:
                raise CommandError(
                    f"Không tìm thấy đợt kiểm điểm số {cycle} trong phạm vi của tài khoản."
                ) from None
        previewed = kind in PREVIEWED_KINDS
        try:
            job = do_create_import_job(
                user=account,
                kind=kind,
                file_name=path.name,
                content=path.read_bytes(),
                cycle=chosen,
                preview=previewed,
            )
        except (ImportRefused, PermissionDenied) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Lượt nhập số {job.pk}: {job.get_kind_display()} từ “{job.file_name}”.")
        self.stdout.flush()

        def echo(line: str) -> None:
            self.stdout.write(line)
            self.stdout.flush()

        job = run_import_job(job.pk, echo=echo)
        if previewed:
            self._refused_unless(job, JobStatus.PREVIEWED)
            self.stdout.write("Xem trước: những gì sẽ thay đổi")
            for line in preview_lines(job.summary):
                self.stdout.write(line)
            if not apply:
                self.stdout.write(
                    "Chưa có gì được ghi. Kiểm tra các thay đổi trên rồi chạy lại lệnh với --apply để ghi "
                    "(tệp được kiểm tra lại, ghi toàn bộ hoặc không ghi gì)."
                )
                return
            try:
                job = do_apply_import_job(user=account, job=job)
            except (ImportRefused, PermissionDenied) as exc:
                raise CommandError(str(exc)) from None
            job = run_import_job(job.pk, echo=echo)
        self._refused_unless(job, JobStatus.DONE)
        parts = ", ".join(
            f"{label}: {format_number(job.summary[k])}" for k, label in _LABELS.items() if k in job.summary
        )
        self.stdout.write(self.style.SUCCESS(f"Đã nhập xong ({parts})."))

    def _refused_unless(self, job: ImportJob, status: str) -> None:
        if job.status == status:
            return
        for line in job.errors:
            self.stderr.write(line)
        if job.error_total > len(job.errors):
            self.stderr.write(f"… và {format_number(job.error_total - len(job.errors))} lỗi khác.")
        raise CommandError(
            f"Không nhập: {format_number(job.error_total)} lỗi; không có dòng nào được ghi vào cơ sở dữ liệu."
        )


_LABELS = {
    "units": "đơn vị",
    "people": "cá nhân mới",
    "updated": "cá nhân cập nhật",
    "missing": "không có trong tệp (giữ nguyên)",
    "reorganisations": "thay đổi tổ chức",
    "positions": "chức vụ",
    "collectives": "tập thể mới",
    "ratings": "kết quả xếp loại",
    "unchanged": "không đổi",
    "evaluations_created": "bản đánh giá tạo thêm",
    "rows": "dòng",
}
