"""The rating page's tables are cached per user under the cycle's data version: every change shows at once."""

import re

import pytest
from django.core.cache import cache
from django.test import Client

from kiemdiem.campaigns import actions
from kiemdiem.campaigns.models import Evaluation, SubjectType
from tests.campaigns.helpers import propose, submit_self_review
from tests.conftest import make_members


def login(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def rating_url(world):  # type: ignore[no-untyped-def]
    cache.clear()
    make_members(world.cell_na_hang, 3)
    actions.ensure_evaluations(cycle=world.cycle_province)
    return f"/dot/{world.cycle_province.pk}/don-vi/{world.cell_na_hang.pk}/"


def _meter(body: str, code: str) -> str:
    found = re.search(rf'data-group="{re.escape(code)}">(.*?)</div>', body, re.S)
    assert found, f"no meter for {code}"
    return " ".join(found.group(1).split())


def test_a_peer_units_evaluation_in_the_same_quota_group_changes_the_page(
    world, rating_url, cell_secretary, province_admin
):
    own = Evaluation.objects.get(
        cycle=world.cycle_province, unit=world.cell_na_hang, subject_type=SubjectType.PARTY_ORGANIZATION
    )
    group = own.quota_group
    peer = (
        Evaluation.objects.filter(cycle=world.cycle_province, quota_group=group)
        .exclude(unit__path__startswith=world.cell_na_hang.path)
        .first()
    )
    assert group is not None and peer is not None  # the district's party organisations: the cell and others
    client = login(cell_secretary)
    before = _meter(client.get(rating_url).content.decode(), group.code)
    assert "0 HTXS / 0 HTT" in before
    assert _meter(client.get(rating_url).content.decode(), group.code) == before  # served from the cache
    propose(province_admin, peer, "HTT")
    after = _meter(client.get(rating_url).content.decode(), group.code)
    assert "0 HTXS / 1 HTT" in after


def test_an_own_proposal_shows_at_once(world, rating_url, cell_secretary):
    ev = Evaluation.objects.filter(
        cycle=world.cycle_province, unit=world.cell_na_hang, subject_type=SubjectType.PARTY_MEMBER
    ).first()
    client = login(cell_secretary)
    assert 'value="HT" selected' not in client.get(rating_url).content.decode()
    submit_self_review(cell_secretary, ev, "HT")
    propose(cell_secretary, ev, "HT")
    assert 'value="HT" selected' in client.get(rating_url).content.decode()


def test_the_cached_tables_are_per_user_and_the_csrf_token_is_fresh(
    world, rating_url, cell_secretary, inspector
):
    ev = Evaluation.objects.filter(
        cycle=world.cycle_province, unit=world.cell_na_hang, subject_type=SubjectType.PARTY_MEMBER
    ).first()
    submit_self_review(cell_secretary, ev, "HTT")  # a row the secretary may propose for
    secretary = login(cell_secretary)
    first = secretary.get(rating_url).content.decode()
    assert f'name="rating-{ev.pk}"' in first
    # The inspector reads the same data version, without the secretary's controls.
    other = login(inspector).get(rating_url).content.decode()
    assert "Ma Văn Hùng" in other and "<select" not in other and 'name="attendees"' not in other
    # The token is outside the cached tables: a new masked token on every response.
    tokens = [
        re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)  # type: ignore[union-attr]
        for body in (first, secretary.get(rating_url).content.decode())
    ]
    assert tokens[0] != tokens[1]


def test_a_refused_form_is_neither_cached_nor_served_from_the_cache(world, rating_url, cell_secretary):
    evs = list(
        Evaluation.objects.filter(
            cycle=world.cycle_province, unit=world.cell_na_hang, subject_type=SubjectType.PARTY_MEMBER
        ).order_by("pk")
    )
    for ev in evs:
        submit_self_review(cell_secretary, ev, "HTXS")
    client = login(cell_secretary)
    client.get(rating_url)  # the tables are cached
    data = {"attendees": "4", "comments": ""}
    for ev in evs:
        data[f"rating-{ev.pk}"] = "HTXS"  # four HTXS of four: over the quota, refused
        data[f"votes-{ev.pk}"] = "3"
    refused = client.post(f"{rating_url}de-xuat/", data)
    assert refused.status_code == 422
    body = refused.content.decode()
    assert 'value="HTXS" selected' in body and 'value="3"' in body  # what was entered, not the cached tables
    again = client.get(rating_url).content.decode()
    assert 'value="HTXS" selected' not in again  # nothing was saved, and the refused form was not cached
