from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kiemdiem.backup import BackupError, fingerprint, restore


class Command(BaseCommand):
    help = "Khôi phục một tệp sao lưu của `kiemdiem backup` vào cơ sở dữ liệu trống."

    def add_arguments(self, parser):
        parser.add_argument("file", help="tệp sao lưu")

    def handle(self, *args, file: str, **options):
        try:
            kind = restore(Path(file))
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Đã khôi phục ({kind}) từ {file}.")
        for line in fingerprint().lines():
            self.stdout.write(line)
