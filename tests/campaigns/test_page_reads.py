"""What a cached rating page reads on each request (issue 14's page, issue 21): the session, the user, the cycle, the
unit with the user's own (their scope), and the key's query, which also brings the unit's period name and its
meeting line. Each read that was folded into another is shown here to say the same as before, and the scope to
refuse the same requests.
"""

from __future__ import annotations

import datetime
import itertools

import pytest
from django.http import Http404
from django.test import Client

from kiemdiem.campaigns import actions
from kiemdiem.campaigns.models import Meeting
from kiemdiem.campaigns.queries import get_cycle_and_unit_for_user, get_cycle_for_user
from kiemdiem.orgs.actions import do_rename_unit
from kiemdiem.orgs.models import Unit
from kiemdiem.orgs.queries import get_unit_for_user
from tests.conftest import make_members


def page_of(client: Client, world) -> str:  # type: ignore[no-untyped-def]
    response = client.get(f"/dot/{world.cycle_province.pk}/don-vi/{world.cell_na_hang.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_a_cached_page_reads_the_database_four_times(world, cell_secretary, django_assert_max_num_queries):
    make_members(world.cell_na_hang, 5)
    actions.ensure_evaluations(cycle=world.cycle_province)
    client = Client()
    client.force_login(cell_secretary)
    page_of(client, world)
    # The session, the user, the cycle with its unit, the unit asked for and the user's own (one query), the key (with
    # the name and the meeting line). Before: eight (the user's unit, the unit, the period name and the meeting each
    # on its own), then five (the cycle apart from the units).
    with django_assert_max_num_queries(4):
        page_of(client, world)


def test_the_meeting_line_and_the_period_name_come_with_the_key(world, cell_secretary, province_admin):
    make_members(world.cell_na_hang, 2)
    actions.ensure_evaluations(cycle=world.cycle_province)
    client = Client()
    client.force_login(cell_secretary)
    body = page_of(client, world)
    assert 'name="meeting_venue"' in body and "Nguyễn Thị Đào" not in body
    # 14:00 in Hà Nội is 07:00 UTC: shown as recorded, in local time, on SQLite and PostgreSQL alike.
    held = datetime.datetime(2021, 12, 20, 7, 0, tzinfo=datetime.UTC)
    Meeting.objects.create(
        cycle=world.cycle_province,
        unit=world.cell_na_hang,
        held_at=held,
        venue="Nhà văn hóa tổ dân phố số 1",
        secretary="Nguyễn Thị Đào",
    )
    body = page_of(client, world)
    assert 'value="2021-12-20T14:00"' in body
    assert "Nhà văn hóa tổ dân phố số 1" in body and "Nguyễn Thị Đào" in body
    Meeting.objects.filter(unit=world.cell_na_hang).update(venue="Hội trường", held_at=None)
    body = page_of(client, world)  # read on every request: no cached copy of the line
    assert "Hội trường" in body and "2021-12-20T14:00" not in body
    # Renamed after the cycle's period: the 2021 page keeps the 2021 name.
    do_rename_unit(
        unit=world.cell_na_hang,
        name="Chi bộ khu phố 1",
        effective_on=datetime.date(2025, 7, 1),
        user=province_admin,
    )
    body = page_of(client, world)
    assert "Chi bộ tổ dân phố số 1" in body and "Chi bộ khu phố 1" not in body


USERS = (
    "province_admin",
    "district_officer",
    "outsider",
    "cell_secretary",
    "grassroots_officer",
    "inspector",
    "standing_member",
    "member",
)


@pytest.mark.parametrize("who", USERS)
def test_the_scope_refuses_and_allows_what_the_scoped_querysets_do(world, who, request):
    """Officers whose scope is their own unit are checked on the paths read with the unit; every pair of a cycle
    and a unit of the world gives the same cycle and unit, or the same 404, as the scoped querysets."""
    user = request.getfixturevalue(who)
    cycles = [world.cycle_province, world.cycle_na_hang, world.cycle_lam_binh]
    units = list(Unit.objects.order_by("pk"))

    def general(cycle_pk: int, unit_pk: int) -> tuple[int, int] | None:
        try:
            cycle, unit = get_cycle_for_user(user, cycle_pk), get_unit_for_user(user, unit_pk)
        except Http404:
            return None
        return (cycle.pk, unit.pk) if unit.path.startswith(cycle.unit.path) else None

    seen = set()
    for cycle, unit in itertools.product([*cycles, None], [*units, None]):
        cycle_pk, unit_pk = (cycle.pk if cycle else 2**63), (unit.pk if unit else 2**63)  # out of range
        fresh = type(user).objects.get(pk=user.pk)  # as a request has it: nothing read yet
        try:
            got = get_cycle_and_unit_for_user(fresh, cycle_pk, unit_pk)
            found: tuple[int, int] | None = (got[0].pk, got[1].pk)
        except Http404:
            found = None
        assert found == general(cycle_pk, unit_pk), (who, cycle_pk, unit_pk)
        seen.add(found is None)
    assert True in seen  # every user is refused something


def _login(client: Client, user, password: str = "mật-khẩu-dài-1") -> None:  # type: ignore[no-untyped-def]
    user.set_password(password)
    user.save()
    assert client.login(username=user.username, password=password)


def test_logging_out_ends_the_session_even_replayed(world, cell_secretary):
    client = Client()
    _login(client, cell_secretary)
    page_of(client, world)
    cookie = client.cookies["sessionid"].value
    assert client.post("/dang-xuat/").status_code == 302
    replay = Client()
    replay.cookies["sessionid"] = cookie
    response = replay.get(f"/dot/{world.cycle_province.pk}/don-vi/{world.cell_na_hang.pk}/")
    assert response.status_code == 302 and "/dang-nhap/" in response["Location"]


def test_a_new_password_ends_the_other_sessions(world, cell_secretary):
    other = Client()
    _login(other, cell_secretary)
    page_of(other, world)
    cell_secretary.set_password("một-mật-khẩu-khác-2")
    cell_secretary.save()
    response = other.get(f"/dot/{world.cycle_province.pk}/don-vi/{world.cell_na_hang.pk}/")
    assert response.status_code == 302 and "/dang-nhap/" in response["Location"]


def test_an_expired_or_unknown_session_is_no_session(world, cell_secretary):
    from django.contrib.sessions.models import Session

    client = Client()
    _login(client, cell_secretary)
    page_of(client, world)
    Session.objects.update(expire_date=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC))
    response = client.get(f"/dot/{world.cycle_province.pk}/don-vi/{world.cell_na_hang.pk}/")
    assert response.status_code == 302 and "/dang-nhap/" in response["Location"]
    for cookie in ("khong-phai-khoa", "a" * 32):  # malformed; well formed and unknown
        stranger = Client()
        stranger.cookies["sessionid"] = cookie
        response = stranger.get(f"/dot/{world.cycle_province.pk}/don-vi/{world.cell_na_hang.pk}/")
        assert response.status_code == 302 and "/dang-nhap/" in response["Location"]


def test_the_key_moves_with_the_rating_of_a_unit_a_leader_of_the_page_answers_for(world, district_officer):
    """A leader's derived facts read the ratings of the units they answer for (QĐ 366 Điều 11), elsewhere in the
    tree: the agency's page key moves when one of them is rated (it did not: the page kept the old finding 60 s)."""
    from django.utils import timezone

    from kiemdiem.assessments.actions import do_set_led_units
    from kiemdiem.campaigns.compliance import page_stamps
    from kiemdiem.campaigns.models import Evaluation
    from tests.campaigns.test_rating_page_key import leadership

    collective = leadership(world)
    cycle = world.cycle_province
    deputy = Evaluation.objects.get(cycle=cycle, subject_type="leader", leader_collective=collective)
    led = Evaluation.objects.get(cycle=cycle, unit=world.cell_na_hang, subject_type="party_organization")
    before_list = page_stamps(cycle, world.agency_na_hang).own
    do_set_led_units(user=district_officer, evaluation=deputy, units=[world.cell_na_hang])
    listed = page_stamps(cycle, world.agency_na_hang).own
    assert listed != before_list
    Evaluation.objects.filter(pk=led.pk).update(proposed_rating="KHT", updated_at=timezone.now())
    assert page_stamps(cycle, world.agency_na_hang).own != listed


def test_the_headers_links_are_reversed_once_per_process(world, cell_secretary, monkeypatch):
    from django.urls import reverse

    from kiemdiem import navigation

    navigation._reverse_kept.cache_clear()
    calls: list[str] = []
    monkeypatch.setattr(navigation, "reverse", lambda name, **k: calls.append(name) or reverse(name, **k))
    client = Client()
    client.force_login(cell_secretary)
    first = page_of(client, world)
    on_the_first = list(calls)
    page_of(client, world)
    # The header's nine links reversed once each, with the page's own links (`{% url %}`, the same cache), on the
    # first page only.
    assert all(on_the_first.count(name) == 1 for name in navigation.NAMES.values()), on_the_first
    assert calls == on_the_first
    for name in ("units", "cycles", "followup:home", "reports:index", "imports:home", "search", "logout"):
        assert f'"{reverse(name)}"' in first, name


def test_the_sessions_user_is_read_by_plain_sql_as_the_orm_reads_it(world, cell_secretary, monkeypatch):
    """`UserBackend.get_user`: the same user as `User.objects.get`, field by field, without the ORM compiling it; an
    inactive or removed user is no user, and a change of role shows on the next request (nothing kept)."""
    from django.contrib.auth import get_user_model

    from kiemdiem.accounts.backends import UserBackend

    User = get_user_model()
    read = UserBackend().get_user(cell_secretary.pk)
    orm = User.objects.get(pk=cell_secretary.pk)
    fields = [f.attname for f in User._meta.concrete_fields]
    assert [getattr(read, f) for f in fields] == [getattr(orm, f) for f in fields]
    assert read._state.adding is False and read._state.db == "default"
    assert UserBackend().get_user(10**9) is None
    client = Client()
    _login(client, cell_secretary)
    compiled: list[str] = []
    real = User.objects.get
    monkeypatch.setattr(User.objects, "get", lambda *a, **k: compiled.append("get") or real(*a, **k))
    page_of(client, world)
    assert compiled == []  # the session's user came from the plain read
    User.objects.filter(pk=cell_secretary.pk).update(role="member")
    response = client.get(f"/dot/{world.cycle_province.pk}/don-vi/{world.cell_na_hang.pk}/")
    assert response.status_code == 404  # a member no longer reaches the cell's page: the new role, at once
    User.objects.filter(pk=cell_secretary.pk).update(is_active=False)
    response = client.get(f"/dot/{world.cycle_province.pk}/don-vi/{world.cell_na_hang.pk}/")
    assert response.status_code == 302 and "/dang-nhap/" in response["Location"]
