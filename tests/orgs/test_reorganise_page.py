"""The reorganisation page: preview writes nothing, apply writes and records; scoped; refusals keep what was typed."""

from __future__ import annotations

import pytest

from kiemdiem.orgs.models import Reorganisation, Unit
from tests.conftest import make_members

MERGE = {
    "kind": "merge",
    "effective_on": "01/07/2025",
    "units": "NH-001; LB-001",
    "new_code": "XA-HT",
    "new_name": "Đảng bộ xã Hồng Thái",
    "new_kind": "dang_bo_co_so",
    "new_parent": "TQ",
    "decision": "Quyết định số 12-QĐ/TU",
}


def test_the_province_officer_previews_then_applies_a_merger(client, world, province_admin):
    make_members(world.cell_na_hang, 3)
    client.force_login(province_admin)
    assert 'id="link-reorganise"' in client.get("/don-vi/").content.decode()
    response = client.post("/don-vi/sap-xep/", {**MERGE, "action": "preview"})
    page = response.content.decode()
    assert response.status_code == 200
    assert (
        "Xem trước: những gì sẽ thay đổi" in page and "<strong>5</strong> đảng viên chuyển sinh hoạt" in page
    )
    assert "Đảng bộ xã Hồng Thái (XA-HT), thuộc Đảng bộ tỉnh Tuyên Quang" in page
    assert not Unit.objects.filter(code="XA-HT").exists() and not Reorganisation.objects.exists()
    response = client.post("/don-vi/sap-xep/", {**MERGE, "action": "apply"})
    record = Reorganisation.objects.get()
    assert response.status_code == 302 and response.url == f"/don-vi/sap-xep/{record.pk}/"
    assert (record.created_by, record.decision) == (province_admin, "Quyết định số 12-QĐ/TU")
    page = client.get(response.url).content.decode()
    assert "Đã áp dụng" in page and "tinhuy" in page
    assert Unit.objects.get(code="XA-HT").children.count() == 2


def test_a_district_officer_cannot_reach_outside_and_the_form_keeps_what_was_typed(
    client, world, district_officer, outsider, cell_secretary
):
    client.force_login(district_officer)
    response = client.post("/don-vi/sap-xep/", {**MERGE, "action": "apply"})
    page = response.content.decode()
    assert response.status_code == 400
    assert (
        "Không tìm thấy đơn vị mã &#x27;TQ&#x27;" in page
        or "Không tìm thấy đơn vị mã &#x27;LB-001&#x27;" in page
    )
    assert 'value="Đảng bộ xã Hồng Thái"' in page
    assert not Reorganisation.objects.exists()
    bad_date = client.post("/don-vi/sap-xep/", {**MERGE, "effective_on": "31/02/2025", "action": "preview"})
    assert "&#x27;31/02/2025&#x27; không phải là ngày hợp lệ" in bad_date.content.decode()
    client.force_login(cell_secretary)
    assert client.get("/don-vi/sap-xep/").status_code == 403
    # A record is seen by those whose units it touched, not by another district.
    client.force_login(district_officer)
    client.post(
        "/don-vi/sap-xep/",
        {
            "kind": "rename",
            "effective_on": "01/07/2025",
            "units": "NH-001",
            "new_name": "Đảng bộ xã Na Hang",
            "action": "apply",
        },
    )
    record = Reorganisation.objects.get()
    assert client.get(f"/don-vi/sap-xep/{record.pk}/").status_code == 200
    client.force_login(outsider)
    assert client.get(f"/don-vi/sap-xep/{record.pk}/").status_code == 404
    assert "Đảng bộ xã Na Hang" not in client.get("/don-vi/sap-xep/").content.decode()


@pytest.mark.parametrize("kind", ["dissolve", "move"])
def test_loops_and_missing_targets_are_refused_in_vietnamese(client, world, province_admin, kind):
    client.force_login(province_admin)
    data = {"kind": kind, "effective_on": "01/07/2025", "units": "NH", "target": "NH-001", "action": "apply"}
    response = client.post("/don-vi/sap-xep/", data)
    assert response.status_code == 400
    assert "nằm trong" in response.content.decode() or "cấp dưới" in response.content.decode()
    assert Unit.objects.get(pk=world.na_hang.pk).valid_to is None
