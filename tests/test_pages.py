"""The Vietnamese shell: login, navigation, unit and person pages."""

import re

from django.test import Client

from kiemdiem.orgs.models import Position, Role


def test_the_login_page_speaks_vietnamese(db):
    body = Client().get("/dang-nhap/").content.decode()
    assert "Đăng nhập" in body and "Mật khẩu" in body and 'lang="vi"' in body


def test_a_wrong_password_gets_a_vietnamese_error(db, world, district_officer):
    response = Client().post("/dang-nhap/", {"username": "nahang", "password": "sai"})
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in response.content.decode()


def test_the_unit_page_lists_collectives_children_and_counts(world, district_officer):
    from kiemdiem.orgs.models import LeadershipCollective

    col = LeadershipCollective.objects.create(
        unit=world.na_hang, kind="btv", name="Ban Thường vụ Huyện ủy Na Hang"
    )
    Position.objects.create(
        person=world.member_na_hang, unit=world.na_hang, collective=col, title="Bí thư", role=Role.HEAD
    )
    client = Client()
    client.force_login(district_officer)
    body = client.get(f"/don-vi/{world.na_hang.pk}/").content.decode()
    assert "Ban Thường vụ Huyện ủy Na Hang" in body
    assert "Ma Văn Hùng" in body and "Người đứng đầu" in body
    assert "Đảng bộ thị trấn Na Hang" in body and "Ủy ban nhân dân huyện Na Hang" in body
    # Na Hang's subtree: the grassroots committee, its cell and the people's committee; one party member.
    assert "<dt>Đơn vị trực thuộc</dt><dd>3</dd>" in body
    assert "<dt>Đảng viên</dt><dd>1</dd>" in body


def test_the_person_page_shows_party_data_and_dates_as_dd_mm_yyyy(world, district_officer):
    client = Client()
    client.force_login(district_officer)
    body = client.get(f"/ca-nhan/{world.member_na_hang.pk}/").content.decode()
    assert "19/05/2010" in body and "Chính thức" in body and "Chi bộ tổ dân phố số 1" in body


def test_the_cycle_page_shows_the_deadlines(world, province_admin):
    client = Client()
    client.force_login(province_admin)
    body = client.get(f"/dot/{world.cycle_province.pk}/").content.decode()
    assert "10/01/2022" in body and "15/01/2022" in body and "10/02/2022" in body
    assert "Quy định 132-QĐ/TW và Hướng dẫn 21-HD/BTCTW" in body and "QD132_HD21" not in body


def test_a_member_sees_all_their_own_evaluations_year_by_year_and_in_which_capacity(world, member):
    from kiemdiem.campaigns.actions import do_open_cycle, ensure_evaluations
    from kiemdiem.campaigns.models import Evaluation
    from kiemdiem.orgs.models import LeadershipCollective

    col = LeadershipCollective.objects.create(
        unit=world.cell_na_hang, kind="cell_committee", name="Chi ủy chi bộ 1"
    )
    Position.objects.create(
        person=world.member_na_hang,
        unit=world.cell_na_hang,
        collective=col,
        title="Bí thư chi bộ",
        role=Role.HEAD,
    )
    ensure_evaluations(cycle=do_open_cycle(unit=world.province, year=2022))
    ensure_evaluations(cycle=world.cycle_province)
    own = Evaluation.objects.filter(person=world.member_na_hang)
    assert own.filter(cycle__year=2022).exists() and own.filter(cycle__year=2021).exists()
    client = Client()
    client.force_login(member)
    body = client.get(f"/ca-nhan/{world.member_na_hang.pk}/").content.decode()
    assert "Chưa có đợt kiểm điểm nào" not in body
    assert body.index(">2022<") < body.index(">2021<")  # newest year first
    assert "Đảng viên Chi bộ tổ dân phố số 1" in body
    assert "Người đứng đầu Chi ủy chi bộ 1" in body
    # Every row links to an evaluation the member may open.
    for ev in own.exclude(cycle__quarter__isnull=False):
        assert f'href="/danh-gia/{ev.pk}/"' in body
        assert client.get(f"/danh-gia/{ev.pk}/").status_code == 200


def test_a_members_breadcrumb_holds_only_links_they_can_follow(world, member, cell_secretary):
    from kiemdiem.campaigns.actions import ensure_evaluations
    from kiemdiem.campaigns.models import Evaluation

    ensure_evaluations(cycle=world.cycle_province)
    ev = Evaluation.objects.get(cycle=world.cycle_province, person=world.member_na_hang)
    rating_page = f'href="/dot/{world.cycle_province.pk}/don-vi/{world.cell_na_hang.pk}/"'
    client = Client()
    client.force_login(member)
    body = client.get(f"/danh-gia/{ev.pk}/").content.decode()
    assert rating_page not in body and "Xếp loại Chi bộ tổ dân phố số 1" in body
    assert client.get(f"/dot/{world.cycle_province.pk}/don-vi/{world.cell_na_hang.pk}/").status_code == 404
    client.force_login(cell_secretary)  # the secretary may open the rating page: the link is there
    assert rating_page in client.get(f"/danh-gia/{ev.pk}/").content.decode()


def test_every_page_names_its_navigation_landmarks_and_has_an_icon(world, district_officer):
    client = Client()
    client.force_login(district_officer)
    body = client.get(f"/don-vi/{world.na_hang.pk}/").content.decode()
    assert body.count("<nav") == len(re.findall(r'<nav[^>]* aria-label="[^"]+"', body)) == 2
    assert 'rel="icon"' in body
