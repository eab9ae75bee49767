"""A member who is also a leader opens their own leader evaluation: it shows what waits before it (the head is rated
last) only as far as their role lets them see; colleagues' names and review states stay with those who may read them."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client

from kiemdiem.campaigns.actions import ensure_evaluations
from kiemdiem.campaigns.models import Evaluation, SubjectType
from kiemdiem.orgs.models import CollectiveKind, LeadershipCollective, Person, Position, Role


@pytest.fixture
def head_and_deputy(world, member):  # type: ignore[no-untyped-def]
    """The plain member `dangvien` heads the cell's committee; a colleague is its deputy."""
    collective = LeadershipCollective.objects.create(
        unit=world.cell_na_hang, kind=CollectiveKind.CELL_COMMITTEE, name="Chi ủy Chi bộ tổ dân phố số 1"
    )
    deputy = Person.objects.create(
        code="PBT1",
        full_name="Nông Thị Bích Ngọc",
        gender="f",
        admitted_on=datetime.date(2009, 3, 2),
        membership="full",
        home_cell=world.cell_na_hang,
    )
    Position.objects.create(
        person=world.member_na_hang,
        unit=world.cell_na_hang,
        collective=collective,
        title="Bí thư",
        role=Role.HEAD,
    )
    Position.objects.create(
        person=deputy, unit=world.cell_na_hang, collective=collective, title="Phó Bí thư", role=Role.DEPUTY
    )
    ensure_evaluations(cycle=world.cycle_na_hang)
    own = Evaluation.objects.get(
        cycle=world.cycle_na_hang, person=world.member_na_hang, subject_type=SubjectType.LEADER
    )
    return own, deputy


def test_the_member_sees_no_colleagues_review_states_on_their_own_leader_evaluation(
    world, member, head_and_deputy
):
    own, deputy = head_and_deputy
    client = Client()
    client.force_login(member)
    body = client.get(f"/danh-gia/{own.pk}/").content.decode()
    assert "Cần quyết định trước" in body  # the rule is still explained: the head is rated last
    assert deputy.full_name not in body
    hidden = Evaluation.objects.filter(cycle=world.cycle_na_hang, person=deputy)
    for ev in hidden:
        assert f"/danh-gia/{ev.pk}/" not in body
    assert client.get(f"/danh-gia/{hidden.first().pk}/").status_code == 404


def test_the_cell_secretary_still_sees_who_must_be_decided_first(world, cell_secretary, head_and_deputy):
    own, deputy = head_and_deputy
    client = Client()
    client.force_login(cell_secretary)
    body = client.get(f"/danh-gia/{own.pk}/").content.decode()
    assert "Cần quyết định trước" in body and deputy.full_name in body
