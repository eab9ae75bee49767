"""Reminders: in-app notices for deadlines and suggestions, and the daily digest for e-mail."""

import datetime

from django.core import mail
from django.core.management import call_command

from kiemdiem.followup import actions, queries
from kiemdiem.followup.models import Notice
from tests.followup.helpers import member_evaluation, open_year


def test_a_member_is_reminded_of_their_own_self_review_before_the_deadline(world, member):
    cycle = open_year(world, 2021)  # reviews finished by 10/01/2022 (CV 854)
    assert queries.reminders_for(member, today=datetime.date(2021, 12, 1)) == []
    (r,) = queries.reminders_for(member, today=datetime.date(2022, 1, 3))
    assert r["due_on"] == cycle.review_deadline and not r["overdue"]
    assert r["text"] == (
        "Bản tự kiểm điểm năm 2021 của đồng chí (với tư cách đảng viên Chi bộ tổ dân phố số 1) chưa nộp."
    )
    assert queries.reminders_for(member, today=datetime.date(2022, 1, 12))[0]["overdue"]


def test_an_officer_sees_how_many_subjects_are_still_undecided(world, district_officer, outsider):
    open_year(world, 2021)
    texts = [r["text"] for r in queries.reminders_for(district_officer, today=datetime.date(2022, 1, 5))]
    assert any("đối tượng chưa có quyết định" in t for t in texts)
    assert any("Hạn gửi hồ sơ đánh giá cán bộ năm 2021" in t for t in texts)


def test_a_suggestion_leaves_a_notice_and_the_page_lists_it(client, world, district_officer, member):
    ev = member_evaluation(world, open_year(world, 2021))
    actions.do_issue_suggestion(user=district_officer, evaluation=ev, items=["Làm rõ việc vắng sinh hoạt."])
    client.force_login(member)
    page = client.get("/theo-doi/").content.decode()
    assert "gợi ý kiểm điểm 1 nội dung đối với Ma Văn Hùng" in page
    client.post("/theo-doi/da-xem/")
    assert not Notice.objects.filter(user=member, read_at__isnull=True).exists()


def test_the_digest_mails_each_user_once_for_each_notice(world, district_officer, member):
    member.email = "hung@example.vn"
    member.save()
    ev = member_evaluation(world, open_year(world, 2021))
    actions.do_issue_suggestion(user=district_officer, evaluation=ev, items=["Làm rõ việc vắng sinh hoạt."])
    call_command("digest", "--date", "05/01/2022")
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["hung@example.vn"]
    assert "Làm rõ" not in mail.outbox[0].body and "gợi ý kiểm điểm" in mail.outbox[0].body
    assert "10/01/2022" in mail.outbox[0].body
    call_command("digest", "--date", "05/12/2021")  # the notice went out; nothing due yet
    assert len(mail.outbox) == 1


def test_the_digest_only_prints_in_a_dry_run(world, district_officer, member, capsys):
    member.email = "hung@example.vn"
    member.save()
    open_year(world, 2021)
    call_command("digest", "--date", "05/01/2022", "--dry-run")
    assert mail.outbox == []
    assert "hung@example.vn" in capsys.readouterr().out


def test_without_smtp_the_digest_prints_and_sends_nothing(world, member, settings, capsys):
    member.email = "hung@example.vn"
    member.save()
    open_year(world, 2021)
    settings.MAILERS = {"default": {"BACKEND": settings.SMTP_MAILER, "OPTIONS": {"host": "localhost"}}}
    call_command("digest", "--date", "05/01/2022")
    assert mail.outbox == []
    out = capsys.readouterr()
    assert "hung@example.vn" in out.out and "Chưa cấu hình SMTP (KIEMDIEM_EMAIL_HOST)" in out.err


def test_a_rerating_order_notifies_the_subject_the_secretary_and_the_deciding_body(
    world, member, cell_secretary, grassroots_officer, province_admin, outsider
):
    from kiemdiem.campaigns import actions as campaign_actions
    from tests.campaigns.helpers import propose

    member.email = "hung@example.vn"
    member.save()
    ev = member_evaluation(world, open_year(world, 2021))
    ev = campaign_actions.do_decide_rating(
        user=grassroots_officer, evaluation=propose(cell_secretary, ev, "HTT"), rating="HTT"
    )
    order = campaign_actions.do_order(
        user=province_admin, evaluation=ev, kind="rerating", reason="Chưa hoàn thành chỉ tiêu được giao."
    )
    notices = Notice.objects.filter(key=f"order-{order.pk}")
    assert sorted(n.user.username for n in notices) == ["chibo", "danguy", "dangvien"]
    text = notices.get(user=member).text
    assert "yêu cầu xếp loại lại đối với Ma Văn Hùng (đảng viên Chi bộ tổ dân phố số 1), năm 2021" in text
    assert "Chưa hoàn thành chỉ tiêu được giao." in text
    assert not Notice.objects.filter(user__in=[province_admin, outsider]).exists()
    call_command("digest", "--date", "05/01/2022")  # and the digest mails it
    assert any("xếp loại lại" in m.body for m in mail.outbox if m.to == ["hung@example.vn"])
