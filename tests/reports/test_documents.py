"""The documents a committee files, read back: letterhead per level (HD 36-HD/VPTW), the decision and its list, the
list of HTXS/KHT, the self-review, the minutes, Mẫu 04; the PDF converted from the DOCX says the same words."""

from __future__ import annotations

import datetime
import io
import shutil
import subprocess
from collections import Counter

import pytest
from docx import Document

from kiemdiem.campaigns import actions
from kiemdiem.campaigns.models import Evaluation
from kiemdiem.orgs.models import CollectiveKind, LeadershipCollective, Person, Position, Role
from kiemdiem.reports import documents
from kiemdiem.reports.models import DocumentSettings
from kiemdiem.reports.queries import statistics

DAY = datetime.date(2022, 1, 8)


def _seat(unit, kind: str, name: str, person, role: str, title: str) -> Position:  # type: ignore[no-untyped-def]
    collective, _ = LeadershipCollective.objects.get_or_create(unit=unit, kind=kind, defaults={"name": name})
    return Position.objects.create(
        person=person,
        unit=unit,
        collective=collective,
        title=title,
        role=role,
        valid_from=datetime.date(2020, 10, 1),
    )


def _person(code: str, name: str, cell) -> Person:  # type: ignore[no-untyped-def]
    return Person.objects.create(
        code=code,
        full_name=name,
        gender="m",
        admitted_on=datetime.date(2000, 1, 1),
        membership="full",
        home_cell=cell,
    )


@pytest.fixture
def secretaries(world):  # type: ignore[no-untyped-def]
    """A secretary for the province, the district (a deputy signs there), the grassroots committee and the cell."""
    _seat(
        world.province,
        CollectiveKind.STANDING_COMMITTEE,
        "Ban Thường vụ Tỉnh ủy",
        _person("BT-TQ", "Chẩu Văn Lâm", world.cell_na_hang),
        Role.HEAD,
        "Bí thư",
    )
    _seat(
        world.na_hang,
        CollectiveKind.STANDING_COMMITTEE,
        "Ban Thường vụ Huyện ủy Na Hang",
        _person("PBT-NH", "Hà Thị Thu", world.cell_na_hang),
        Role.DEPUTY,
        "Phó Bí thư Thường trực",
    )
    _seat(
        world.go_na_hang,
        CollectiveKind.EXECUTIVE_COMMITTEE,
        "Ban Chấp hành Đảng bộ thị trấn Na Hang",
        _person("BT-TT", "Nguyễn Văn Bình", world.cell_na_hang),
        Role.HEAD,
        "Bí thư",
    )
    # The cell has no chi ủy: its secretary holds a post without a collective, and the cell signs as itself.
    Position.objects.create(
        person=world.member_na_hang,
        unit=world.cell_na_hang,
        title="Bí thư chi bộ",
        role=Role.HEAD,
        valid_from=datetime.date(2020, 10, 1),
    )


def _head_of(content: bytes) -> list[list[str]]:
    table = Document(io.BytesIO(content)).tables[0]
    return [[c.text for c in row.cells] for row in table.rows]


def _signature_table(content: bytes):  # type: ignore[no-untyped-def]
    """The first one-row, two-column table after the letterhead: "Nơi nhận" left, who signs right."""
    doc = Document(io.BytesIO(content))
    return next(t for t in doc.tables[1:] if len(t.rows) == 1 and len(t.columns) == 2)


def _signature(content: bytes) -> list[str]:
    return [p.text for p in _signature_table(content).cell(0, 1).paragraphs if p.text]


def _recipients(content: bytes) -> list[str]:
    return [p.text for p in _signature_table(content).cell(0, 0).paragraphs if p.text]


@pytest.mark.parametrize(
    ("unit_attr", "superior", "issuer", "number", "place", "signing", "post", "name", "first_recipient"),
    [
        (
            "province",
            "ĐẢNG BỘ TỈNH TUYÊN QUANG",
            "TỈNH ỦY",
            "-BC/TU",
            "Tuyên Quang",
            "T/M BAN THƯỜNG VỤ",
            "BÍ THƯ",
            "Chẩu Văn Lâm",
            "- Ban Tổ chức Trung ương (b/c),",
        ),
        (
            "na_hang",
            "ĐẢNG BỘ TỈNH TUYÊN QUANG",
            "HUYỆN ỦY NA HANG",
            "-BC/HU",
            "Na Hang",
            "T/M BAN THƯỜNG VỤ",
            "PHÓ BÍ THƯ THƯỜNG TRỰC",
            "Hà Thị Thu",
            "- Ban Thường vụ Tỉnh ủy Tuyên Quang (b/c),",
        ),
        (
            "go_na_hang",
            "ĐẢNG BỘ HUYỆN NA HANG",
            "ĐẢNG ỦY THỊ TRẤN NA HANG",
            "-BC/ĐU",
            "Na Hang",
            "T/M ĐẢNG ỦY",
            "BÍ THƯ",
            "Nguyễn Văn Bình",
            "- Ban Thường vụ Huyện ủy Na Hang (b/c),",
        ),
        (
            "cell_na_hang",
            "ĐẢNG BỘ THỊ TRẤN NA HANG",
            "CHI BỘ TỔ DÂN PHỐ SỐ 1",
            "-BC/CB",
            "Na Hang",
            "T/M CHI BỘ",
            "BÍ THƯ",
            "Ma Văn Hùng",
            "- Đảng ủy thị trấn Na Hang (b/c),",
        ),
    ],
)
def test_the_report_has_the_letterhead_and_signature_of_its_level(
    world,
    rated,
    secretaries,
    unit_attr,
    superior,
    issuer,
    number,
    place,
    signing,
    post,
    name,
    first_recipient,
):
    unit = getattr(world, unit_attr)
    content, mime = documents.build_document("report", rated.cycle, unit, day=DAY)
    assert mime == documents.DOCX_MIME
    head = _head_of(content)
    assert head[0] == [superior, "ĐẢNG CỘNG SẢN VIỆT NAM"]
    assert head[1][0] == issuer
    assert head[2][0] == "*"
    assert head[3][0].startswith("Số ") and head[3][0].endswith(number)
    assert head[3][1] == f"{place}, ngày 08 tháng 01 năm 2022"
    assert _signature(content) == [signing, post, name]
    recipients = _recipients(content)
    assert recipients[0] == "Nơi nhận:" and recipients[1] == first_recipient
    assert recipients[-1].startswith("- Lưu ")


def test_an_office_overrides_its_place_abbreviation_and_signer(world, rated, secretaries, district_officer):
    DocumentSettings.objects.create(
        unit=world.go_na_hang,
        place="Thị trấn Na Hang",
        symbol="ĐUTT",
        signer_name="Lý Văn Ký",
        signer_title="Phó Bí thư",
    )
    content, _ = documents.build_document("report", rated.cycle, world.go_na_hang, day=DAY)
    head = _head_of(content)
    assert head[3][0].endswith("-BC/ĐUTT")
    assert head[3][1].startswith("Thị trấn Na Hang, ngày ")
    assert _signature(content) == ["T/M ĐẢNG ỦY", "PHÓ BÍ THƯ", "Lý Văn Ký"]


def test_the_report_tables_hold_count_and_percentage_in_separate_cells_and_the_outline(
    world, rated, secretaries
):
    content, _ = documents.build_document("report", rated.cycle, world.na_hang, day=DAY)
    doc = Document(io.BytesIO(content))
    members = next(t for t in doc.tables[1:-1] if t.rows[2].cells[0].text.startswith("Đảng viên"))
    assert [c.text for c in members.rows[0].cells][:5] == ["Loại", "Tổng số", "Được xếp loại", "HTXS", "HTXS"]
    total = [c.text for c in members.rows[-1].cells]
    assert total[:7] == ["Tổng cộng", "14", "13", "2", "15,38", "10", "76,92"]
    # Header rows repeat on every page; the first column is wider than the figures'.
    assert (
        members.rows[0]._tr.trPr.find(
            "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}tblHeader"
        )
        is not None
    )
    assert members.columns[0].width > 2 * members.columns[3].width
    text = "\n".join(p.text for p in doc.paragraphs)
    for heading in (
        "I. CÔNG TÁC LÃNH ĐẠO",
        "III. ĐÁNH GIÁ CHUNG",
        "1. Ưu điểm",
        "2. Hạn chế, khuyết điểm",
        "3. Nguyên nhân",
        "IV. ĐỀ XUẤT, KIẾN NGHỊ",
    ):
        assert heading in text, heading
    titles = [p for p in doc.paragraphs if p.text.startswith(("I.", "II.", "III.", "IV."))]
    assert all(p.paragraph_format.keep_with_next for p in titles)


def _list_totals(content: bytes) -> Counter[str]:
    doc = Document(io.BytesIO(content))
    levels: Counter[str] = Counter()
    for table in doc.tables:
        if table.rows[0].cells[0].text != "STT":
            continue
        for row in table.rows[1:]:
            levels[row.cells[3].text] += 1
    return levels


def test_the_decision_of_the_grassroots_committee_recognises_what_it_decided_with_its_list(
    world, rated, secretaries
):
    content, _ = documents.build_document("decision", rated.cycle, world.go_na_hang)
    head = _head_of(content)
    assert head[1][0] == "ĐẢNG ỦY THỊ TRẤN NA HANG"
    assert head[3][0].endswith("-QĐ/ĐU")
    doc = Document(io.BytesIO(content))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "QUYẾT ĐỊNH" in text and "công nhận kết quả đánh giá, xếp loại chất lượng năm 2021" in text
    assert "Căn cứ Quy định số 132-QĐ/TW" in text and "Điều 1. Công nhận" in text
    assert "(Kèm theo Quyết định số" in text
    stats = statistics(rated.cycle, world.go_na_hang)
    members = next(f for f in stats["forms"] if f["code"] == "B")["total"]
    orgs = next(f for f in stats["forms"] if f["code"] == "A")["total"]
    totals = _list_totals(content)
    for level in ("HTXS", "HTT", "HT", "KHT"):
        assert totals[level] == members[level] + orgs[level], level
    assert _signature(content) == ["T/M ĐẢNG ỦY", "BÍ THƯ", "Nguyễn Văn Bình"]
    assert _recipients(content)[1] == "- Như Điều 3,"


def test_a_cell_decides_nothing_and_says_who_does(world, rated, secretaries):
    with pytest.raises(documents.DocumentError, match="cấp có thẩm quyền"):
        documents.build_document("decision", rated.cycle, world.cell_na_hang)


def test_the_list_of_htxs_and_kht_totals_equal_the_statistics(
    world, rated, secretaries, district_officer, cell_secretary, grassroots_officer
):
    from tests.campaigns.helpers import propose
    from tests.reports.conftest import decide

    ev = rated.member_evals[0]
    actions.do_order(user=district_officer, evaluation=ev, kind="rerating", reason="Có đơn phản ánh.")
    # Reopened for re-rating: the cell proposes again, the committee decides KHT.
    propose(cell_secretary, ev, "KHT")
    decide(grassroots_officer, ev, "KHT", reason="Xếp loại lại theo kết luận.")
    for unit in (world.na_hang, world.cell_na_hang):
        content, _ = documents.build_document("list", rated.cycle, unit, day=DAY)
        stats = statistics(rated.cycle, unit)
        expected = Counter()
        for form in stats["forms"]:
            expected["HTXS"] += form["total"]["HTXS"]
            expected["KHT"] += form["total"]["KHT"]
        totals = _list_totals(content)
        assert totals["HTXS"] == expected["HTXS"] and totals["KHT"] == expected["KHT"] == 1
        assert _head_of(content)[3][0] == ""  # a list has no number of its own


def test_the_self_review_is_the_form_of_the_regime_with_what_was_entered(
    world, rated, secretaries, cell_secretary
):
    ev = rated.member_evals[1]
    ev.refresh_from_db()
    ev.self_review = {"politics": "Luôn kiên định lập trường.", "shortcomings": "Đôi khi chậm báo cáo."}
    ev.criteria = {"politics": "XS", "duties": "T"}
    ev.save(update_fields=["self_review", "criteria"])
    content, _ = documents.build_document(
        "self-review", rated.cycle, world.cell_na_hang, evaluation=ev, day=DAY
    )
    doc = Document(io.BytesIO(content))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Mẫu 02-HD KĐ.ĐG 2019" in text and "BẢN KIỂM ĐIỂM CÁ NHÂN" in text
    assert f"Họ và tên: {ev.person.full_name}" in text
    assert "Luôn kiên định lập trường." in text and "Đôi khi chậm báo cáo." in text
    assert "I.1. Tư tưởng chính trị" in text
    criteria = next(t for t in doc.tables if t.rows[0].cells[0].text == "Tiêu chí")
    politics = next(r for r in criteria.rows if r.cells[0].text == "Tư tưởng chính trị")
    assert [c.text for c in politics.cells[1:]] == ["X", "", "", ""]
    head = _head_of(content)
    assert head[0][0] == "ĐẢNG BỘ THỊ TRẤN NA HANG" and head[1][0] == "CHI BỘ TỔ DÂN PHỐ SỐ 1"
    assert "Mức xếp loại: hoàn thành" in text  # the decided rating with its deciding committee


@pytest.mark.parametrize(
    ("regime_year", "leader", "civil", "code"),
    [
        (2023, False, "", "02A-HD KĐ.ĐG 2023"),
        (2023, True, "", "02B-HD KĐ.ĐG 2023"),
        (2025, True, "", "2A-HD KĐ.ĐG 2025"),
        (2025, False, "cong_chuc", "2B-HD KĐ.ĐG 2025"),
        (2025, False, "", "2C-HD KĐ.ĐG 2025"),  # a member outside the political system (Phụ lục 5)
    ],
)
def test_the_self_review_form_follows_the_regime_and_the_post(
    world, secretaries, regime_year, leader, civil, code
):
    from kiemdiem.campaigns.actions import do_open_cycle, ensure_evaluations

    cycle = do_open_cycle(unit=world.province, year=regime_year)
    person = _person("LD1", "Triệu Văn Đức", world.cell_na_hang)
    Person.objects.filter(pk=person.pk).update(civil_service_status=civil)
    if leader:
        _seat(world.go_na_hang, CollectiveKind.EXECUTIVE_COMMITTEE, "BCH", person, Role.DEPUTY, "Phó Bí thư")
    ensure_evaluations(cycle=cycle)
    ev = documents.self_review_evaluation(cycle, person)
    content, _ = documents.build_document("self-review", cycle, world.cell_na_hang, evaluation=ev, day=DAY)
    text = "\n".join(p.text for p in Document(io.BytesIO(content)).paragraphs)
    assert f"Mẫu {code}" in text
    if regime_year >= 2025:
        doc = Document(io.BytesIO(content))
        scores = next(t for t in doc.tables if t.rows[0].cells[0].text == "Nhóm tiêu chí")
        assert [r.cells[1].text for r in scores.rows[1:]] == ["30", "70", "100"]


def test_the_2025_self_review_lists_each_scored_item_and_the_task_register(world, member):
    from tests.assessments.helpers import add_tasks, evaluation_of, open_2026, submit_scored

    cycle = open_2026(world)
    Person.objects.filter(pk=world.member_na_hang.pk).update(civil_service_status="cong_chuc")
    ev = evaluation_of(cycle, world.member_na_hang)
    add_tasks(member, ev, ["exceeded", "on_time"])
    submit_scored(member, ev, missing=5, rating="HTT")
    ev.refresh_from_db()
    content, _ = documents.build_document("self-review", cycle, world.cell_na_hang, evaluation=ev, day=DAY)
    doc = Document(io.BytesIO(content))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Mẫu 2B-HD KĐ.ĐG 2025" in text and "A. KIỂM ĐIỂM" in text and "B. TỰ ĐÁNH GIÁ, XẾP LOẠI" in text
    scores = next(t for t in doc.tables if t.rows[0].cells[0].text == "Nhóm tiêu chí")
    rows = [[c.text for c in r.cells] for r in scores.rows[1:]]
    assert rows[0][:3] == ["Nhóm tiêu chí chung", "30", "30"]
    assert rows[-1][:3] == ["Tổng điểm", "100", "95"]
    assert len(rows) > 4  # the items themselves, not only the two groups
    tasks = next(
        t
        for t in doc.tables
        if t.rows[0].cells[0].text == "STT" and t.rows[0].cells[1].text.startswith("Nhiệm vụ")
    )
    assert [r.cells[1].text for r in tasks.rows[1:]] == ["Nhiệm vụ số 1", "Nhiệm vụ số 2"]
    assert tasks.rows[1].cells[4].text == "Hoàn thành vượt mức"


def test_the_minutes_of_the_cell_meeting_give_attendance_comments_ballots_and_proposals(
    world, rated, secretaries
):
    ev = rated.member_evals[2]
    Evaluation.objects.filter(pk=ev.pk).update(
        meeting_comments="Cần chủ động hơn trong sinh hoạt.", votes={"attendees": 12, "in_favour": 11}
    )
    content, _ = documents.build_document("minutes", rated.cycle, world.cell_na_hang, day=DAY)
    doc = Document(io.BytesIO(content))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "BIÊN BẢN" in text
    assert (
        "tổng số đảng viên của Chi bộ tổ dân phố số 1: 14 đồng chí; có mặt: 12 đồng chí; vắng mặt: 2" in text
    )
    assert "Chủ trì hội nghị: đồng chí Ma Văn Hùng, Bí thư" in text
    table = next(t for t in doc.tables if t.rows[0].cells[0].text == "STT")
    row = next(r for r in table.rows if r.cells[1].text == ev.person.full_name)
    assert row.cells[2].text == "Cần chủ động hơn trong sinh hoạt."
    assert row.cells[4].text == "11/12"
    assert _head_of(content)[3][0].endswith("-BB/CB")
    assert _signature(content) == ["CHỦ TRÌ HỘI NGHỊ", "(Ký, ghi rõ họ tên)", "Ma Văn Hùng"]


def test_form_04_exists_from_2025_only(world, rated, secretaries):
    from kiemdiem.campaigns.actions import do_open_cycle, ensure_evaluations

    with pytest.raises(documents.DocumentError, match="Mẫu 04"):
        documents.build_document("dossier", rated.cycle, world.na_hang)
    cycle = do_open_cycle(unit=world.province, year=2025)
    ensure_evaluations(cycle=cycle)
    content, _ = documents.build_document("dossier", cycle, world.na_hang, day=DAY)
    doc = Document(io.BytesIO(content))
    assert "Mẫu 04-HD KĐ.ĐG 2025" in doc.paragraphs[0].text
    items = next(t for t in doc.tables if t.rows[0].cells[0].text == "STT")
    assert len(items.rows) == 10 and items.rows[5].cells[2].text == "0"  # nothing decided yet


def test_an_office_template_replaces_the_bundled_one_without_code(
    world, rated, secretaries, tmp_path, monkeypatch
):
    from docx import Document as New

    custom = New()
    custom.add_paragraph("BÁO CÁO RIÊNG CỦA {{ lh.issuer }} — {{ subtitle }}")
    (tmp_path / "NH").mkdir()
    custom.save(tmp_path / "NH" / "report.docx")
    monkeypatch.setenv("KIEMDIEM_DOCUMENT_TEMPLATES", str(tmp_path))
    content, _ = documents.build_document(
        "report", rated.cycle, world.go_na_hang, day=DAY
    )  # under NH: inherits
    assert Document(io.BytesIO(content)).paragraphs[0].text == (
        "BÁO CÁO RIÊNG CỦA ĐẢNG ỦY THỊ TRẤN NA HANG — kết quả kiểm điểm, đánh giá, xếp loại chất lượng năm 2021"
    )
    content, _ = documents.build_document(
        "report", rated.cycle, world.lam_binh, day=DAY
    )  # elsewhere: bundled
    assert _head_of(content)[1][0] == "HUYỆN ỦY LÂM BÌNH"


needs_office = pytest.mark.skipif(
    not documents.soffice() or not shutil.which("pdftotext"),
    reason="LibreOffice or poppler-utils is not installed (make browsers installs them)",
)


def _pdf_text(pdf: bytes, tmp_path) -> str:  # type: ignore[no-untyped-def]
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, text=True).stdout


@pytest.mark.slow
@needs_office
@pytest.mark.parametrize(
    ("kind", "unit_attr"), [("report", "na_hang"), ("decision", "go_na_hang"), ("minutes", "cell_na_hang")]
)
def test_the_pdf_says_exactly_what_the_docx_says_and_renders_vietnamese(
    world, rated, secretaries, tmp_path, kind, unit_attr
):
    unit = getattr(world, unit_attr)
    docx, _ = documents.build_document(kind, rated.cycle, unit, day=DAY)
    pdf = documents.docx_to_pdf(docx)
    assert pdf.startswith(b"%PDF")
    pdf_text, docx_text = _pdf_text(pdf, tmp_path), documents.docx_text(docx)
    # The same glyphs, each as often (reading order and line breaks are the layout's)…
    assert Counter("".join(pdf_text.split())) == Counter("".join(docx_text.split()))
    # …and no word broken across lines: every word of the DOCX is a word of the PDF.
    assert Counter(pdf_text.split()) == Counter(docx_text.split())
    path = tmp_path / "doc.pdf"
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True, text=True).stdout
    assert "LiberationSerif" in fonts.replace(
        "-", ""
    )  # Times New Roman's metric twin, with every Vietnamese glyph
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "60",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(path),
            str(tmp_path / "p1"),
        ],
        check=True,
    )
    assert (tmp_path / "p1.png").stat().st_size > 5_000


def test_a_collective_reports_its_own_review_signed_for_the_collective(world, rated, secretaries):
    ev = rated.cell_eval
    ev.refresh_from_db()
    Evaluation.objects.filter(pk=ev.pk).update(self_review={"party_building": "Hoàn thành 100% chỉ tiêu."})
    ev.refresh_from_db()
    content, _ = documents.build_document(
        "self-review", rated.cycle, world.cell_na_hang, evaluation=ev, day=DAY
    )
    doc = Document(io.BytesIO(content))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Mẫu 01-HD KĐ.ĐG" in text and "BÁO CÁO" in text and "Hoàn thành 100% chỉ tiêu." in text
    assert "Tập thể: Chi bộ tổ dân phố số 1" in text
    assert _signature(content) == ["T/M CHI BỘ", "BÍ THƯ", "Ma Văn Hùng"]


def test_the_rerating_decision_annuls_the_old_level_and_gives_the_new(
    world, rated, secretaries, district_officer, cell_secretary, grassroots_officer
):
    from tests.campaigns.helpers import propose
    from tests.reports.conftest import decide

    ev = rated.member_evals[5]
    ev.refresh_from_db()
    with pytest.raises(documents.DocumentError, match="chưa được xếp loại lại"):
        documents.build_document("rerating", rated.cycle, world.go_na_hang, evaluation=ev)
    old = ev.decided_rating
    actions.do_order(
        user=district_officer, evaluation=ev, kind="rerating", reason="Có đơn phản ánh đúng sự thật."
    )
    propose(cell_secretary, ev, "HT")
    decide(grassroots_officer, ev, "HT", reason="Xếp loại lại theo kết luận kiểm tra.")
    ev.refresh_from_db()
    content, _ = documents.build_document("rerating", rated.cycle, world.go_na_hang, evaluation=ev, day=DAY)
    text = "\n".join(p.text for p in Document(io.BytesIO(content)).paragraphs)
    assert _head_of(content)[1][0] == "ĐẢNG ỦY THỊ TRẤN NA HANG" and _head_of(content)[3][0].endswith(
        "-QĐ/ĐU"
    )
    assert (
        f"Điều 1. Hủy kết quả xếp loại chất lượng năm 2021 mức “{LEVELS_VN[old]}” đối với {ev.person.full_name}"
        in text
    )
    assert (
        f"Điều 2. Xếp loại lại chất lượng năm 2021 đối với {ev.person.full_name}: hoàn thành nhiệm vụ."
        in text
    )
    assert "Xét có đơn phản ánh đúng sự thật," in text


LEVELS_VN = {
    "HTXS": "hoàn thành xuất sắc nhiệm vụ",
    "HTT": "hoàn thành tốt nhiệm vụ",
    "HT": "hoàn thành nhiệm vụ",
    "KHT": "không hoàn thành nhiệm vụ",
}


def test_a_quarterly_review_under_hd_43_is_form_05(world, province_admin):
    from kiemdiem.campaigns.actions import do_designate_cadre, do_open_cycle, ensure_evaluations

    # Quarters review only the cadres a committee designates (KL 198; HD 43).
    do_designate_cadre(user=province_admin, person=world.member_na_hang, year=2026, unit=world.province)
    cycle = do_open_cycle(unit=world.province, year=2026, quarter=1)
    ensure_evaluations(cycle=cycle)
    ev = documents.self_review_evaluation(cycle, world.member_na_hang)
    content, _ = documents.build_document("self-review", cycle, world.cell_na_hang, evaluation=ev, day=DAY)
    text = "\n".join(p.text for p in Document(io.BytesIO(content)).paragraphs)
    assert "Mẫu 05-HD KĐ.ĐG 2025" in text and "BẢN TỰ ĐÁNH GIÁ CÁ NHÂN" in text and "quý 1 năm 2026" in text
