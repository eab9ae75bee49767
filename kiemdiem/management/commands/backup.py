from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kiemdiem.backup import BackupError, backup, fingerprint
from kiemdiem.vietnamese import format_number


class Command(BaseCommand):
    help = "Sao lưu toàn bộ cơ sở dữ liệu vào một tệp, nhất quán tại một thời điểm (SQLite hoặc PostgreSQL)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="tệp sao lưu sẽ tạo")
        parser.add_argument("--json", action="store_true", help="ghi dạng JSON (khôi phục được sang hệ khác)")
        parser.add_argument("--force", action="store_true", help="ghi đè tệp đã có")

    def handle(self, *args, file: str, json: bool, force: bool, **options):
        path = Path(file)
        if path.exists() and not force:
            raise CommandError(f"Tệp “{path}” đã có; dùng --force để ghi đè.")
        if path.exists():
            path.unlink()
        before = fingerprint()
        try:
            kind = backup(path, use_json=json)
        except BackupError as exc:
            path.unlink(missing_ok=True)
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Đã sao lưu ({kind}) vào {path} ({format_number(path.stat().st_size)} byte).")
        # Taken just before the copy: if someone wrote meanwhile, the copy (and what restore prints) is newer.
        self.stdout.write("Số liệu lúc bắt đầu sao lưu (đối chiếu với số liệu `kiemdiem restore` in ra):")
        for line in before.lines():
            self.stdout.write(line)
