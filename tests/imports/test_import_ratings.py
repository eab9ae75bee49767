"""Importing the decided ratings of a unit that worked on paper: rules apply, every change is audited."""

import datetime

import pytest

from kiemdiem.campaigns.models import AuditRecord, Evaluation
from kiemdiem.imports.actions import do_import_workbook
from kiemdiem.imports.validation import ImportRefused
from kiemdiem.orgs.models import Person
from tests.conftest import make_members
from tests.imports.helpers import snapshot, xlsx

pytestmark = pytest.mark.django_db
DAY = "05/01/2022"


def rating_row(
    code: str, rating: str | None, *, kind: str = "Đảng viên", reason: str | None = None
) -> list[object]:
    person = code if kind in ("Đảng viên", "Cán bộ lãnh đạo, quản lý") else None
    unit = None if person else code
    return [kind, person, unit, None, rating, DAY, None, reason]


def run(user, cycle, rows):  # type: ignore[no-untyped-def]
    return do_import_workbook(
        user=user, kind="ratings", content=xlsx("ratings", rows), file_name="bien-ban.xlsx", cycle=cycle
    )


def refused(user, cycle, rows) -> list[str]:  # type: ignore[no-untyped-def]
    before = snapshot()
    with pytest.raises(ImportRefused) as caught:
        run(user, cycle, rows)
    assert snapshot() == before
    return caught.value.errors


def test_it_records_paper_decisions_with_an_audit_record_each(district_officer, world):
    members = make_members(world.cell_na_hang, 8)
    rows = [rating_row(m.code, "HTT") for m in members[:6]]
    rows += [rating_row(members[6].code, "HTXS"), rating_row(members[7].code, "HT")]
    rows.append(rating_row("NH-001-01", "HTT", kind="Tổ chức đảng"))
    summary = run(district_officer, world.cycle_province, rows)
    assert summary["ratings"] == 9 and summary["unchanged"] == 0
    ev = Evaluation.objects.get(cycle=world.cycle_province, person=members[6], subject_type="party_member")
    assert (ev.state, ev.decided_rating, ev.decided_on) == ("decided", "HTXS", datetime.date(2022, 1, 5))
    assert ev.deciding_unit == world.go_na_hang and ev.decided_by == district_officer
    audit = AuditRecord.objects.get(evaluation=ev, action="import")
    assert (audit.old_value, audit.new_value, audit.user) == ("", "HTXS", district_officer)
    assert audit.reason == "Nhập từ tệp “bien-ban.xlsx”, dòng 8"
    assert AuditRecord.objects.filter(evaluation=ev, action="state", new_value="decided").count() == 1
    assert AuditRecord.objects.filter(action="import").count() == 9
    cell = Evaluation.objects.get(
        cycle=world.cycle_province, unit=world.cell_na_hang, subject_type="party_organization"
    )
    assert cell.decided_rating == "HTT"


def test_importing_the_same_file_twice_changes_nothing_the_second_time(district_officer, world):
    members = make_members(world.cell_na_hang, 3)
    rows = [rating_row(m.code, "HTT") for m in members]
    run(district_officer, world.cycle_province, rows)
    audits = AuditRecord.objects.count()
    assert run(district_officer, world.cycle_province, rows)["unchanged"] == 3
    assert AuditRecord.objects.count() == audits


def test_it_refuses_more_htxs_than_the_quota_unless_a_reason_is_written(district_officer, world):
    members = make_members(world.cell_na_hang, 8)
    rows = [rating_row(m.code, "HTT") for m in members[:6]]
    rows += [rating_row(members[6].code, "HTXS"), rating_row(members[7].code, "HTXS")]
    errors = refused(district_officer, world.cycle_province, rows)
    assert [e[:42] for e in errors] == [
        "Dòng 8: không thể xếp mức HTXS: Nhóm “Đảng",
        "Dòng 9: không thể xếp mức HTXS: Nhóm “Đảng",
    ]
    assert "21-HD/BTCTW" in errors[0]
    assert errors[0].endswith("khi ghi rõ lý do ở cột «Lý do».")
    rows[-2][-1] = rows[-1][-1] = "Ban Thường vụ quyết định theo thành tích đột xuất"
    run(district_officer, world.cycle_province, rows)
    ev = Evaluation.objects.get(person=members[7], subject_type="party_member")
    assert ev.decided_rating == "HTXS" and ev.override_reason.startswith(
        "Quyết định vượt cảnh báo (QUOTA_EXCELLENT)"
    )
    assert "thành tích đột xuất" in AuditRecord.objects.get(evaluation=ev, action="import").reason


def test_it_refuses_a_rating_the_rules_forbid(district_officer, world):
    (suspended,) = make_members(world.cell_na_hang, 1)
    Person.objects.filter(pk=suspended.pk).update(is_suspended=True)
    (error,) = refused(district_officer, world.cycle_province, [rating_row(suspended.code, "HTT")])
    assert error == (
        f"Dòng 2: không thể xếp mức HTT: “{suspended.full_name}” đang bị đình chỉ sinh hoạt đảng nên không được "
        "xếp loại, nhưng đang có mức HTT. (HD 21-HD/BTCTW, Mục II, tiểu mục 6)."
    )


def test_it_refuses_another_districts_members_and_unknown_subjects(outsider, world):
    rows = [
        rating_row("DV1", "HTT"),
        rating_row("NH-001-01", "HTT", kind="Tổ chức đảng"),
        rating_row("X", "Tốt"),
    ]
    assert refused(outsider, world.cycle_province, rows) == [
        "Dòng 2, cột «Mã cá nhân»: không tìm thấy cá nhân mã 'DV1' trong phạm vi quản lý của đồng chí.",
        "Dòng 3, cột «Mã đơn vị»: không tìm thấy đơn vị mã 'NH-001-01' trong phạm vi quản lý của đồng chí.",
        "Dòng 4, cột «Mức xếp loại»: 'Tốt' không có trong danh mục (HTXS; HTT; HT; KHT).",
        "Dòng 4, cột «Mã cá nhân»: không tìm thấy cá nhân mã 'X' trong phạm vi quản lý của đồng chí.",
    ]


def test_a_redecision_needs_a_reason(district_officer, world):
    (m,) = make_members(world.cell_na_hang, 1)
    run(district_officer, world.cycle_province, [rating_row(m.code, "HTT")])
    (error,) = refused(district_officer, world.cycle_province, [rating_row(m.code, "HT")])
    assert error == (
        f"Dòng 2: “{m.full_name}” đã có quyết định mức HTT; quyết định lại phải ghi rõ lý do ở cột «Lý do»."
    )
    run(
        district_officer,
        world.cycle_province,
        [rating_row(m.code, "HT", reason="Kết luận của Ủy ban Kiểm tra")],
    )
    audits = AuditRecord.objects.filter(evaluation__person=m, action="import").order_by("id")
    assert [(a.old_value, a.new_value) for a in audits] == [("", "HTT"), ("HTT", "HT")]


def test_it_refuses_a_closed_cycle_and_dates_out_of_the_cycle(district_officer, world):
    (m,) = make_members(world.cell_na_hang, 1)
    row = rating_row(m.code, "HTT")
    row[5] = "05/01/2020"
    assert refused(district_officer, world.cycle_province, [row]) == [
        "Dòng 2, cột «Ngày quyết định»: ngày 05/01/2020 trước năm kiểm điểm 2021."
    ]
    world.cycle_province.state = "closed"
    world.cycle_province.save()
    assert refused(district_officer, world.cycle_province, [rating_row(m.code, "HTT")]) == [
        "Đợt kiểm điểm năm 2021 đã đóng; chỉ mở lại được bằng yêu cầu của cấp trên."
    ]


def test_a_cell_cannot_enter_decisions_its_grassroots_committee_takes(cell_secretary, world):
    members = make_members(world.cell_na_hang, 2)
    errors = refused(cell_secretary, world.cycle_province, [rating_row(m.code, "HTT") for m in members])
    assert len(errors) == 2
    assert "thuộc thẩm quyền của Đảng bộ thị trấn Na Hang" in errors[0] and errors[0].startswith("Dòng 2")


def _agency_with_head(world):  # type: ignore[no-untyped-def]
    from kiemdiem.orgs.models import LeadershipCollective, Position, Role

    collective = LeadershipCollective.objects.create(
        unit=world.agency_na_hang, kind="lanh_dao_co_quan", name="Tập thể lãnh đạo UBND huyện Na Hang"
    )
    Position.objects.create(
        person=world.member_na_hang,
        unit=world.agency_na_hang,
        collective=collective,
        title="Chủ tịch",
        role=Role.HEAD,
    )
    return collective


def test_a_head_is_entered_after_or_together_with_the_collective(district_officer, world):
    collective = _agency_with_head(world)
    head = rating_row(world.member_na_hang.code, "HT", kind="Cán bộ lãnh đạo, quản lý")
    errors = refused(district_officer, world.cycle_province, [head])
    assert "sau cùng" in errors[0] and collective.name in errors[0]
    together = [
        ["Cơ quan, đơn vị", None, "NH-UBND", None, "HTT", DAY, None, None],
        ["Tập thể lãnh đạo, quản lý", None, "NH-UBND", collective.name, "HT", DAY, None, None],
        head,
    ]
    assert run(district_officer, world.cycle_province, together)["ratings"] == 3
    leader = Evaluation.objects.get(
        cycle=world.cycle_province, person=world.member_na_hang, subject_type="leader"
    )
    assert (leader.state, leader.decided_rating) == ("decided", "HT")
