"""`kiemdiem digest`: the daily digest of notices and deadlines, mailed when SMTP is configured."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from kiemdiem.accounts.models import User
from kiemdiem.followup.queries import reminders_for


def mail_configured() -> bool:
    """Mail counts as configured unless the default mailer is SMTP on localhost (no KIEMDIEM_EMAIL_HOST)."""
    mailer = settings.MAILERS.get("default", {})
    if mailer.get("BACKEND", settings.SMTP_MAILER) != settings.SMTP_MAILER:
        return True  # another backend chosen on purpose (the tests' in-memory one, a file, …)
    return mailer.get("OPTIONS", {}).get("host", "localhost") != "localhost"


def digest_text(user: User, today: datetime.date) -> str:
    """One user's digest: unread notices not mailed yet, then the deadlines of the next 14 days."""
    lines = []
    notices = list(user.notices.filter(read_at__isnull=True, mailed_at__isnull=True).order_by("created_at"))
    if notices:
        lines.append("Thông báo mới:")
        lines += [f"- {n.text}" + (f" (hạn {n.due_on:%d/%m/%Y})" if n.due_on else "") for n in notices]
    reminders = reminders_for(user, today=today)
    if reminders:
        lines.append("Hạn sắp tới:")
        lines += [
            f"- {r['due_on']:%d/%m/%Y}{' (quá hạn)' if r['overdue'] else ''}: {r['text']}" for r in reminders
        ]
    return "\n".join(lines)


class Command(BaseCommand):
    help = "Gửi thư tổng hợp hằng ngày: thông báo chưa xem và các hạn sắp tới (chỉ gửi khi đã cấu hình SMTP)."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="ngày tính hạn, dd/mm/yyyy (mặc định: hôm nay)")
        parser.add_argument("--dry-run", action="store_true", help="chỉ in nội dung, không gửi thư")

    def handle(self, *args, **options):
        today = timezone.localdate()
        if options["date"]:
            try:
                today = datetime.datetime.strptime(options["date"], "%d/%m/%Y").date()
            except ValueError:
                raise CommandError(f"Ngày “{options['date']}” không đúng dạng ngày/tháng/năm.") from None
        send = mail_configured() and not options["dry_run"]
        if not send and not options["dry_run"]:
            self.stderr.write("Chưa cấu hình SMTP (KIEMDIEM_EMAIL_HOST): chỉ in thư tổng hợp, không gửi.")
        sent = 0
        for user in User.objects.filter(is_active=True).exclude(email="").order_by("pk"):
            body = digest_text(user, today)
            if not body:
                continue
            subject = f"[kiemdiem] Việc cần làm ngày {today:%d/%m/%Y}"
            if send:
                send_mail(subject, body, None, [user.email])
                user.notices.filter(read_at__isnull=True, mailed_at__isnull=True).update(
                    mailed_at=timezone.now()
                )
                sent += 1
            else:
                self.stdout.write(f"== {user.email} — {subject}\n{body}\n")
        self.stdout.write(f"Đã gửi {sent} thư tổng hợp." if send else "Không gửi thư (chạy thử).")
