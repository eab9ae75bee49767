"""The inspector (Ủy ban Kiểm tra) reads the whole province and writes nothing; re-review and re-rating orders are the
upper committee's (QĐ 366 Điều 13), entered by its offices. Code, README and this matrix say the same."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client

from kiemdiem.campaigns.actions import ensure_evaluations
from kiemdiem.campaigns.models import Evaluation, Order
from kiemdiem.campaigns.permissions import can_order
from tests.campaigns.helpers import propose
from tests.trust.test_hostile_input import data_state

WRITES = {
    "tu-kiem-diem/": {"self_rating": "HTT", "submit": "1"},
    "du-kien/": {"sick_leave_days": "3"},
    "hoi-nghi/": {"comments": "x", "attendees": "9", "votes_for": "9", "proposed_rating": "HT"},
    "tham-dinh/": {"note": "x", "agree": "1"},
    "quyet-dinh/": {"rating": "HT"},
    "yeu-cau/": {"kind": "rerating", "reason": "Đơn thư phản ánh."},
}
# Who may order a re-review or a re-rating of a subject in their subtree.
ORDERS = {
    "province_admin": True,
    "district_officer": True,
    "inspector": False,
    "standing_member": False,
    "grassroots_officer": False,
    "cell_secretary": False,
    "member": False,
}


@pytest.fixture
def decided(world, grassroots_officer, cell_secretary):  # type: ignore[no-untyped-def]
    from kiemdiem.campaigns.actions import do_decide_rating

    ensure_evaluations(cycle=world.cycle_na_hang)
    ev = Evaluation.objects.get(cycle=world.cycle_na_hang, person=world.member_na_hang)
    return do_decide_rating(
        user=grassroots_officer, evaluation=propose(cell_secretary, ev, "HTT"), rating="HTT"
    )


def test_the_inspector_reads_an_evaluation_and_every_form_it_shows_refuses_them(world, inspector, decided):
    client = Client()
    client.force_login(inspector)
    page = client.get(f"/danh-gia/{decided.pk}/")
    body = page.content.decode()
    assert page.status_code == 200 and world.member_na_hang.full_name in body
    assert "Ra yêu cầu" not in body and "Ghi quyết định" not in body
    actions = [a for a in re.findall(r'<form method="post" action="([^"]*)"', body) if a != "/dang-xuat/"]
    before = data_state()
    for action in actions:
        assert client.post(action, {"version": decided.version}).status_code == 403, action
    assert data_state() == before


@pytest.mark.parametrize("step", WRITES, ids=list(WRITES))
def test_the_inspector_writes_nothing_on_an_evaluation(world, inspector, decided, step):
    client = Client()
    client.force_login(inspector)
    before = data_state()
    response = client.post(f"/danh-gia/{decided.pk}/{step}", {**WRITES[step], "version": decided.version})
    assert response.status_code == 403
    assert data_state() == before and not Order.objects.exists()


@pytest.mark.parametrize("role", ORDERS, ids=list(ORDERS))
def test_only_the_upper_committees_offices_order_a_rerating(world, decided, request, role):
    user = request.getfixturevalue(role)
    if role == "member":
        user.person = decided.person
        user.save()
    assert can_order(user, decided) is ORDERS[role]
    client = Client()
    client.force_login(user)
    response = client.post(f"/danh-gia/{decided.pk}/yeu-cau/", WRITES["yeu-cau/"])
    assert Order.objects.exists() is ORDERS[role], response.status_code
    if not ORDERS[role]:
        assert response.status_code == 403


def test_the_readme_says_what_the_code_does():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    row = next(line for line in readme.splitlines() if line.startswith("| `kiemtra` |"))
    assert "read only" in row and "orders nothing" in row and "QĐ 366 Điều 13" in row
