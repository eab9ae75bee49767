"""The live server the browser drives answers requests that arrive together (htmx beside a form's POST)."""

import re
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode
from urllib.request import Request, urlopen

import pytest
from django.test import Client

from kiemdiem.campaigns import actions
from kiemdiem.campaigns.models import Evaluation
from tests.campaigns.helpers import submit_self_review
from tests.conftest import make_members

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_requests_that_arrive_together_are_all_answered(live_server, world, cell_secretary):
    make_members(world.cell_na_hang, 12)
    actions.ensure_evaluations(cycle=world.cycle_province)
    client = Client()
    client.force_login(cell_secretary)
    session = client.cookies["sessionid"].value
    page_url = f"{live_server.url}/dot/{world.cycle_province.pk}/don-vi/{world.cell_na_hang.pk}/"
    with urlopen(Request(page_url, headers={"Cookie": f"sessionid={session}"}), timeout=30) as response:
        csrf_cookie = re.search(r"csrftoken=([^;]+)", response.headers["Set-Cookie"] or "")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.read().decode())
    assert csrf_cookie and token
    headers = {"Cookie": f"sessionid={session}; csrftoken={csrf_cookie[1]}", "Referer": page_url}

    evaluations = Evaluation.objects.filter(cycle=world.cycle_province, unit=world.cell_na_hang)
    proposal = {"csrfmiddlewaretoken": token[1], "attendees": "13"}
    for evaluation in evaluations.filter(subject_type="party_member"):
        submit_self_review(cell_secretary, evaluation, "HTT")
        proposal |= {f"rating-{evaluation.pk}": "HTT", f"votes-{evaluation.pk}": "12"}

    def fetch(number: int) -> tuple[int, bool]:
        if number % 3 == 2:  # the secretary's save of the meeting's proposals, sent again and again
            request = Request(page_url + "de-xuat/", data=urlencode(proposal).encode(), headers=headers)
            expected = "Chi bộ tổ dân phố số 1"
        elif number % 3 == 1:  # the meter htmx asks for as levels are picked
            request = Request(
                page_url + "ty-le/",
                data=urlencode({"csrfmiddlewaretoken": token[1]}).encode(),
                headers=headers,
            )
            expected = "HTXS"
        else:
            request = Request(page_url, headers=headers)
            expected = "Chi bộ tổ dân phố số 1"
        with urlopen(request, timeout=30) as response:
            return response.status, expected in response.read().decode()

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(fetch, range(48)))
    assert answers == [(200, True)] * 48
    assert not evaluations.filter(subject_type="party_member").exclude(proposed_rating="HTT").exists()
