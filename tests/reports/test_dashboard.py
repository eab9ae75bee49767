"""The dashboard and the report pages: what they show, drill-down, submitting, and scoping (404 outside)."""

import pytest
from django.urls import reverse

from kiemdiem.reports.actions import do_submit_report
from kiemdiem.reports.models import ReportSubmission


def _dashboard(cycle, unit) -> str:  # type: ignore[no-untyped-def]
    return reverse("reports:dashboard", args=[cycle.pk, unit.pk])


def test_it_shows_progress_distribution_chart_and_drill_down(client, world, rated, district_officer):
    client.force_login(district_officer)
    page = client.get(_dashboard(rated.cycle, world.na_hang)).content.decode()
    assert "Kết quả xếp loại năm 2021 — Đảng bộ huyện Na Hang" in page
    assert "<svg" in page and "Phân bố mức xếp loại" in page
    assert 'data-form="B"><td>Đảng viên</td><td class="num">14</td><td class="num">13</td>' in page
    assert "Hạn hoàn thành kiểm điểm" in page and "10/01/2022" in page
    assert _dashboard(rated.cycle, world.go_na_hang) in page  # drill down to the grassroots committee
    assert "Khóa số liệu và gửi báo cáo" in page
    child = client.get(_dashboard(rated.cycle, world.go_na_hang)).content.decode()
    assert _dashboard(rated.cycle, world.na_hang) in child  # and back up through the breadcrumbs


def test_the_index_links_each_user_to_their_own_subtree(client, world, rated, district_officer):
    client.force_login(district_officer)
    page = client.get(reverse("reports:index")).content.decode()
    assert _dashboard(rated.cycle, world.na_hang) in page
    assert _dashboard(rated.cycle, world.province) not in page


def test_submitting_from_the_page_locks_the_figures(client, world, rated, district_officer):
    client.force_login(district_officer)
    response = client.post(
        reverse("reports:submit", args=[rated.cycle.pk, world.na_hang.pk]),
        {"number": "125", "note": ""},
        follow=True,
    )
    assert "Đã khóa số liệu và gửi báo cáo của Đảng bộ huyện Na Hang" in response.content.decode()
    sub = ReportSubmission.objects.get()
    assert sub.number == "125" and sub.submitted_by == district_officer
    page = client.get(reverse("reports:submission", args=[sub.pk])).content.decode()
    assert "Bản hiện hành" in page


def test_the_upper_level_sees_which_children_sent_their_report(
    client, world, rated, district_officer, province_admin
):
    do_submit_report(user=district_officer, cycle=rated.cycle, unit=world.na_hang)
    client.force_login(province_admin)
    page = client.get(_dashboard(rated.cycle, world.province)).content.decode()
    assert 'id="submissions"' in page
    assert "Đảng bộ huyện Na Hang</a></td><td>Gửi muộn" in page  # the 2021 deadline (10/02/2022) is long past
    assert "Đảng bộ huyện Lâm Bình</a></td><td>Chưa gửi (quá hạn)" in page


def test_an_inspector_reads_the_dashboard_but_cannot_submit(client, world, rated, inspector):
    client.force_login(inspector)
    page = client.get(_dashboard(rated.cycle, world.na_hang)).content.decode()
    assert "Khóa số liệu và gửi báo cáo" not in page
    response = client.post(reverse("reports:submit", args=[rated.cycle.pk, world.na_hang.pk]))
    assert response.status_code == 403 and not ReportSubmission.objects.exists()


@pytest.mark.parametrize("name", ["dashboard", "xlsx", "docx", "pdf", "ratings_xlsx"])
def test_an_outsider_gets_404_for_every_page_and_export_of_another_district(
    client, world, rated, outsider, name
):
    client.force_login(outsider)
    response = client.get(reverse(f"reports:{name}", args=[rated.cycle.pk, world.na_hang.pk]))
    assert response.status_code == 404
    assert "Na Hang" not in response.content.decode()


@pytest.mark.parametrize("name", ["submission", "sub_xlsx", "sub_docx", "sub_pdf"])
def test_an_outsider_gets_404_for_a_submitted_report_of_another_district(
    client, world, rated, district_officer, outsider, name
):
    sub = do_submit_report(user=district_officer, cycle=rated.cycle, unit=world.na_hang)
    client.force_login(outsider)
    assert client.get(reverse(f"reports:{name}", args=[sub.pk])).status_code == 404


def test_an_outsider_cannot_submit_for_another_district(client, world, rated, outsider):
    client.force_login(outsider)
    response = client.post(reverse("reports:submit", args=[rated.cycle.pk, world.na_hang.pk]))
    assert response.status_code == 404 and not ReportSubmission.objects.exists()


def test_a_member_reaches_no_report(client, world, rated, member):
    client.force_login(member)
    assert client.get(_dashboard(rated.cycle, world.cell_na_hang)).status_code == 404
    assert (
        _dashboard(rated.cycle, world.cell_na_hang)
        not in client.get(reverse("reports:index")).content.decode()
    )


def test_a_unit_outside_the_cycle_is_404(client, world, district_officer):
    # Na Hang's own quarterly cycle does not cover the province: the province is not Na Hang's anyway, and a
    # Lâm Bình unit under Na Hang's cycle is outside it.
    client.force_login(district_officer)
    assert client.get(_dashboard(world.cycle_na_hang, world.province)).status_code == 404


def test_it_needs_a_login(client, world, rated):
    response = client.get(_dashboard(rated.cycle, world.na_hang))
    assert response.status_code == 302 and "/dang-nhap/" in response["Location"]


def test_it_shows_the_rule_findings_of_the_subtree(client, world, rated, cell_secretary, district_officer):
    from kiemdiem.campaigns import actions

    actions.do_update_facts(
        user=cell_secretary, evaluation=rated.member_evals[0], facts={"disciplined_in_year": True}
    )
    client.force_login(district_officer)
    page = client.get(_dashboard(rated.cycle, world.na_hang)).content.decode()
    assert (
        '<span class="code">DISCIPLINED_IN_YEAR</span> Bị kỷ luật trong năm nhưng xếp vượt mức cho phép: 1'
        in page
    )
