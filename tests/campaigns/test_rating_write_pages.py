"""The write pages of a campaign week: the meter as levels are picked, the bulk decision, the decision form (issue 17)."""

import datetime
import re

import pytest
from django.test import Client

from kiemdiem.campaigns import actions
from kiemdiem.campaigns.models import AuditRecord, Evaluation, EvaluationState
from tests.campaigns.helpers import propose, submit_self_review
from tests.conftest import make_members


def login(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def evs(world):  # type: ignore[no-untyped-def]
    make_members(world.cell_na_hang, 11)  # with Ma Văn Hùng: twelve members in the cell
    actions.ensure_evaluations(cycle=world.cycle_province)
    return list(
        Evaluation.objects.filter(
            cycle=world.cycle_province, unit=world.cell_na_hang, subject_type="party_member"
        )
        .select_related("person")
        .order_by("person__code")
    )


def page_url(world, suffix: str = "") -> str:  # type: ignore[no-untyped-def]
    return f"/dot/{world.cycle_province.pk}/don-vi/{world.cell_na_hang.pk}/{suffix}"


# -- The quota meter --------------------------------------------------------------------------------------------


def test_the_meter_says_nobody_is_proposed_yet_instead_of_no_room_left(world, evs, cell_secretary):
    body = login(cell_secretary).get(page_url(world)).content.decode()
    assert "chưa có ai được đề xuất HTT" in body
    assert "đã hết suất HTXS" not in body


def test_the_meter_says_how_many_htt_make_a_first_htxs(world, evs, cell_secretary):
    for ev in evs[:3]:
        propose(cell_secretary, ev, "HTT")
    body = login(cell_secretary).get(page_url(world)).content.decode()
    assert "chưa có suất HTXS: 3 HTT, cần từ 6 người HTT trở lên mới có 1 suất" in body


def test_the_meter_follows_the_levels_picked_before_saving(world, evs, cell_secretary):
    for ev in evs:
        submit_self_review(cell_secretary, ev, "HTT")
    client = login(cell_secretary)
    body = client.get(page_url(world)).content.decode()
    assert 'hx-post="' + page_url(world, "ty-le/") + '" hx-trigger="change" hx-include="#bulk-form"' in body
    assert "htmx-2.0.11.min.js" in body
    picked = {f"rating-{ev.pk}": "HTT" for ev in evs[:6]}
    response = client.post(page_url(world, "ty-le/"), picked)
    fragment = response.content.decode()
    assert response.status_code == 200 and 'id="meters"' in fragment and "<html" not in fragment
    assert "0 HTXS / 6 HTT" in fragment and "còn 1 suất HTXS" in fragment
    picked[f"rating-{evs[6].pk}"] = "HTXS"
    picked[f"rating-{evs[7].pk}"] = "HTXS"
    fragment = client.post(page_url(world, "ty-le/"), picked).content.decode()
    assert "2 HTXS / 6 HTT" in fragment and "vượt 1 suất HTXS" in fragment
    assert not Evaluation.objects.filter(pk__in=[e.pk for e in evs]).exclude(proposed_rating="").exists()


def test_the_meter_preview_is_scoped_and_post_only(world, evs, outsider, cell_secretary):
    assert login(outsider).post(page_url(world, "ty-le/"), {}).status_code == 404
    assert login(cell_secretary).get(page_url(world, "ty-le/")).status_code == 405


# -- The bulk proposal --------------------------------------------------------------------------------------------


def test_the_bulk_proposal_prefills_the_attendance_and_saves_only_changed_rows(world, evs, cell_secretary):
    for ev in evs:
        submit_self_review(cell_secretary, ev, "HTT")
    client = login(cell_secretary)
    data = {"attendees": "12", "comments": "Chi bộ thống nhất."}
    data.update({f"rating-{ev.pk}": "HTT" for ev in evs})
    data.update({f"votes-{ev.pk}": "11" for ev in evs})
    client.post(page_url(world, "de-xuat/"), data)
    body = client.get(page_url(world)).content.decode()
    assert re.search(r'name="attendees"[^>]*value="12"', body)
    versions = dict(Evaluation.objects.filter(pk__in=[e.pk for e in evs]).values_list("pk", "version"))
    audits = AuditRecord.objects.count()
    data = {"attendees": "12", "comments": ""}
    data.update({f"rating-{ev.pk}": "HTT" for ev in evs})
    data.update({f"votes-{ev.pk}": "11" for ev in evs})
    data.update({f"version-{ev.pk}": str(versions[ev.pk]) for ev in evs})
    data[f"rating-{evs[2].pk}"] = "HT"
    response = client.post(page_url(world, "de-xuat/"), data, follow=True)
    assert "Đã ghi mức đề xuất của 1 đảng viên" in response.content.decode()
    assert AuditRecord.objects.count() == audits + 1
    changed = Evaluation.objects.filter(pk__in=[e.pk for e in evs]).exclude(version=0)
    assert [ev.pk for ev in changed if ev.version != versions[ev.pk]] == [evs[2].pk]
    assert Evaluation.objects.get(pk=evs[0].pk).meeting_comments == "Chi bộ thống nhất."


# -- The decision form --------------------------------------------------------------------------------------------


def test_the_decision_form_is_not_prefilled_with_the_proposal_nor_today(
    world, evs, cell_secretary, grassroots_officer
):
    ev = propose(cell_secretary, evs[0], "HTT")
    body = login(grassroots_officer).get(f"/danh-gia/{ev.pk}/").content.decode()
    form = body[body.index('id="rating"') : body.index("Ghi quyết định")]
    assert "selected" not in form
    assert datetime.date.today().strftime("%d/%m/%Y") not in form
    assert "hội nghị đề xuất: HTT" in body  # shown beside, for the body to see, not chosen for it


def test_a_blank_decision_date_is_refused_not_taken_as_today(world, evs, cell_secretary, grassroots_officer):
    ev = propose(cell_secretary, evs[0], "HTT")
    response = login(grassroots_officer).post(
        f"/danh-gia/{ev.pk}/quyet-dinh/", {"rating": "HTT"}, follow=True
    )
    assert "Cần ghi ngày quyết định" in response.content.decode()
    ev.refresh_from_db()
    assert (ev.state, ev.decided_rating, ev.decided_on) == (EvaluationState.PROPOSED, "", None)


def test_a_date_outside_the_cycle_must_be_confirmed(world, evs, cell_secretary, grassroots_officer):
    ev = propose(cell_secretary, evs[0], "HTT")
    client = login(grassroots_officer)
    url = f"/danh-gia/{ev.pk}/quyet-dinh/"
    response = client.post(url, {"rating": "HTT", "decided_on": "05/03/2025"}, follow=True)
    assert "nằm ngoài thời gian của đợt (01/01/2021–31/03/2022)" in response.content.decode()
    ev.refresh_from_db()
    assert ev.decided_rating == ""
    client.post(url, {"rating": "HTT", "decided_on": "05/03/2025", "confirm_date": "on"})
    ev.refresh_from_db()
    assert (ev.decided_rating, ev.decided_on) == ("HTT", datetime.date(2025, 3, 5))


# -- The bulk decision ------------------------------------------------------------------------------------------


def test_the_deciding_body_decides_a_cell_on_one_page_all_or_nothing(
    world, evs, cell_secretary, grassroots_officer
):
    for ev in evs[:3]:
        submit_self_review(cell_secretary, ev, "HTXS")
    for ev in evs:
        propose(cell_secretary, ev, "HTT")
    client = login(grassroots_officer)
    body = client.get(page_url(world, "quyet-dinh/")).content.decode()
    assert "Ghi quyết định của Đảng bộ thị trấn Na Hang" in body and "selected" not in body
    data = {f"rating-{ev.pk}": "HTT" for ev in evs}
    data.update({f"version-{ev.pk}": str(Evaluation.objects.get(pk=ev.pk).version) for ev in evs})
    for ev in evs[:3]:  # 3 HTXS on 9 HTT: over the cap of 2
        data[f"rating-{ev.pk}"] = "HTXS"
    data["decided_on"] = "08/01/2022"
    response = client.post(page_url(world, "quyet-dinh/"), data)
    body = response.content.decode()
    assert response.status_code == 422 and "Dòng " in body and "QUOTA" not in body
    assert "ghi rõ lý do" in body
    assert body.count('value="HTXS" selected') == 3 and 'value="08/01/2022"' in body  # what was chosen stays
    assert not Evaluation.objects.filter(pk__in=[e.pk for e in evs], state=EvaluationState.DECIDED).exists()
    audits = AuditRecord.objects.count()
    data[f"rating-{evs[2].pk}"] = "HTT"
    response = client.post(page_url(world, "quyet-dinh/"), data, follow=True)
    assert "Đã ghi quyết định xếp loại của 12 đảng viên" in response.content.decode()
    decided = Evaluation.objects.filter(pk__in=[e.pk for e in evs], state=EvaluationState.DECIDED)
    assert decided.count() == 12 and {ev.decided_on for ev in decided} == {datetime.date(2022, 1, 8)}
    assert AuditRecord.objects.count() == audits + 24  # each: the decided level and the state
    assert Evaluation.objects.get(pk=evs[0].pk).decided_rating == "HTXS"


def test_only_the_deciding_body_opens_the_bulk_decision(world, evs, cell_secretary, outsider):
    assert login(cell_secretary).get(page_url(world, "quyet-dinh/")).status_code == 403
    assert login(outsider).get(page_url(world, "quyet-dinh/")).status_code == 404
