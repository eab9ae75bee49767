"""The meeting's time, venue and secretary are recorded with its proposals and printed in its minutes, where the
minutes used to print dotted lines (issue 19's note)."""

from __future__ import annotations

import datetime
import io

from docx import Document

from kiemdiem.campaigns import actions
from kiemdiem.campaigns.models import Evaluation, Meeting
from kiemdiem.reports import documents
from tests.campaigns.helpers import submit_self_review

MEETING = {
    "meeting_held_at": "2021-12-20T14:00",
    "meeting_venue": "Nhà văn hóa tổ dân phố số 1",
    "meeting_secretary": "Nguyễn Thị Đào",
}


def _post(client, world, member, **extra):  # type: ignore[no-untyped-def]
    actions.ensure_evaluations(cycle=world.cycle_province)
    ev = Evaluation.objects.get(cycle=world.cycle_province, person=world.member_na_hang)
    ev = submit_self_review(member, ev)
    url = f"/dot/{world.cycle_province.pk}/don-vi/{world.cell_na_hang.pk}/"
    data = {
        "attendees": "1",
        f"rating-{ev.pk}": "HTT",
        f"version-{ev.pk}": str(ev.version),
        f"votes-{ev.pk}": "1",
    }
    return url, client.post(f"{url}de-xuat/", {**data, **MEETING, **extra})


def test_the_minutes_print_the_time_venue_and_secretary_recorded_with_the_proposals(
    client, world, cell_secretary, member
):
    client.force_login(cell_secretary)
    url, response = _post(client, world, member)
    assert response.status_code == 302, response.content.decode()[:2000]
    meeting = Meeting.objects.get(cycle=world.cycle_province, unit=world.cell_na_hang)
    assert (meeting.venue, meeting.secretary) == (MEETING["meeting_venue"], MEETING["meeting_secretary"])
    page = client.get(url).content.decode()
    assert 'value="2021-12-20T14:00"' in page and 'value="Nguyễn Thị Đào"' in page
    content, _ = documents.build_document(
        "minutes", world.cycle_province, world.cell_na_hang, day=datetime.date(2021, 12, 20)
    )
    text = "\n".join(p.text for p in Document(io.BytesIO(content)).paragraphs)
    assert (
        "Vào hồi 14 giờ 00 ngày 20 tháng 12 năm 2021, tại Nhà văn hóa tổ dân phố số 1, Chi bộ tổ dân phố"
        in text
    )
    assert "Thư ký hội nghị: đồng chí Nguyễn Thị Đào" in text


def test_a_bad_time_is_refused_naming_the_field_and_keeps_what_was_typed(
    client, world, cell_secretary, member
):
    client.force_login(cell_secretary)
    _, response = _post(client, world, member, meeting_held_at="hôm qua")
    assert response.status_code == 422
    page = response.content.decode()
    assert "Thời gian họp “hôm qua” không hợp lệ" in page
    assert 'value="Nhà văn hóa tổ dân phố số 1"' in page and 'value="Nguyễn Thị Đào"' in page
    assert not Meeting.objects.exists()
    assert (
        Evaluation.objects.get(cycle=world.cycle_province, person=world.member_na_hang).proposed_rating == ""
    )


def test_without_a_recorded_meeting_the_minutes_keep_their_dotted_lines(world):
    actions.ensure_evaluations(cycle=world.cycle_province)
    content, _ = documents.build_document(
        "minutes", world.cycle_province, world.cell_na_hang, day=datetime.date(2021, 12, 20)
    )
    text = "\n".join(p.text for p in Document(io.BytesIO(content)).paragraphs)
    assert "Vào hồi ...... giờ ...... ngày ...... tháng ...... năm ......, tại ....." in text
