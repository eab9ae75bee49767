"""The documents a committee files, filled from the data: DOCX from Word templates, PDF converted from that DOCX.

Kinds (the `kiemdiem export --kind` names): `report` (the results report, with an outline for what the clerk writes),
`decision` (the decision recognising the results, with its attached list), `list` (HTXS and KHT), `self-review`
(one person's, in the form of the cycle's regime), `minutes` (the review meeting) and `dossier` (HD 43 Mẫu 04).

Templates: kiemdiem/reports/document_templates/<kind>.docx (docxtpl). An office replaces one without code by putting
its own file in the directory KIEMDIEM_DOCUMENT_TEMPLATES names: `<dir>/<unit code>/<kind>.docx` for one unit and
its subtree (the nearest wins), `<dir>/<kind>.docx` for all. Each template reads `lh` (reports/letterhead.py) and the
variables its context function below returns.

PDF: the DOCX converted by LibreOffice headless, so the PDF says exactly what the DOCX says (one source).
"""

from __future__ import annotations

import datetime
import io
import os
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import Any

from django.db.models import Max, Q
from django.utils import timezone

from kiemdiem.campaigns.models import Cycle, Evaluation, EvaluationState, Meeting, OrderKind, SubjectType
from kiemdiem.campaigns.review_forms import GRADES, ReviewForm, form_for
from kiemdiem.orgs.models import CollectiveKind, Person, Position, Role, Unit
from kiemdiem.reports.letterhead import Letterhead, letterhead_for, vn_date
from kiemdiem.reports.queries import FORMS, LEVEL_LABELS, LEVELS
from kiemdiem.vietnamese import format_number

BUNDLED = Path(__file__).resolve().parent / "document_templates"
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF_MIME = "application/pdf"
TEMPLATE_NAMES = {
    "report": "report",
    "decision": "decision",
    "list": "list",
    "self-review": "self_review",
    "minutes": "minutes",
    "dossier": "dossier",
    "rerating": "rerating",
}
DOTS = "." * 110


class DocumentError(Exception):
    """A document that cannot be made from the data as it is; the message says why, in Vietnamese."""


# -- Rendering ---------------------------------------------------------------------------------------------------


def template_path(kind: str, unit: Unit) -> Path:
    """The office's own template for the unit (nearest unit up the tree first), else the bundled one."""
    name = TEMPLATE_NAMES[kind]
    base = os.environ.get("KIEMDIEM_DOCUMENT_TEMPLATES", "").strip()
    if base:
        codes = dict(Unit.objects.filter(pk__in=unit.ancestor_ids).values_list("pk", "code"))
        for code in [unit.code, *(codes[i] for i in reversed(unit.ancestor_ids) if i in codes)]:
            path = Path(base) / code / f"{name}.docx"
            if path.is_file():
                return path
        if (Path(base) / f"{name}.docx").is_file():
            return Path(base) / f"{name}.docx"
    return BUNDLED / f"{name}.docx"


def render_docx(kind: str, unit: Unit, context: dict[str, Any]) -> bytes:
    from docxtpl import DocxTemplate

    template = DocxTemplate(str(template_path(kind, unit)))
    template.render(context, autoescape=True)
    out = io.BytesIO()
    template.save(out)
    return out.getvalue()


_SOFFICE_LOCK = threading.Lock()


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(content: bytes, *, source: str = "docx", target: str = "pdf") -> bytes:
    """Convert an office file with LibreOffice headless (one conversion at a time per process)."""
    binary = soffice()
    if binary is None:
        raise DocumentError(
            "Máy chủ chưa cài LibreOffice (soffice) nên chưa tạo được tệp PDF; tải bản DOCX, hoặc đề nghị quản "
            "trị viên cài gói libreoffice-writer-nogui."
        )
    # A profile per process: two LibreOffice instances sharing one profile refuse to start.
    profile = Path(tempfile.gettempdir()) / f"kiemdiem-soffice-{os.getuid()}-{os.getpid()}"
    with _SOFFICE_LOCK, tempfile.TemporaryDirectory(prefix="kiemdiem-convert-") as work:
        src = Path(work) / f"in.{source}"
        src.write_bytes(content)
        result = subprocess.run(
            [
                binary,
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                "--norestore",
                "--convert-to",
                target,
                "--outdir",
                work,
                str(src),
            ],
            capture_output=True,
            timeout=300,
            check=False,
        )
        out = Path(work) / f"in.{target}"
        if result.returncode != 0 or not out.is_file():
            raise DocumentError(
                "LibreOffice không chuyển được tệp sang PDF: "
                + (result.stderr.decode(errors="replace").strip()[-300:] or f"mã lỗi {result.returncode}")
            )
        return out.read_bytes()


def docx_to_pdf(content: bytes) -> bytes:
    return convert(content, source="docx", target="pdf")


def docx_text(content: bytes) -> str:
    """Every paragraph's text in document order (table cells included), for comparing with the PDF's."""
    from docx import Document
    from docx.oxml.ns import qn

    body = Document(io.BytesIO(content)).element.body
    lines = []
    for p in body.iter(qn("w:p")):
        lines.append("".join(t.text or "" for t in p.iter(qn("w:t"))))
    return "\n".join(lines)


# -- Shared pieces -----------------------------------------------------------------------------------------------


def fmt_int(value: int) -> str:
    return format_number(value)


def fmt_pct(value: float | None) -> str:
    if value is None:
        return "—"
    return format_number(round(value, 2))


def period_of(cycle: Cycle) -> str:
    return f"quý {cycle.quarter} năm {cycle.year}" if cycle.quarter else f"năm {cycle.year}"


def _rt(text: str, *, bold: bool = False, italic: bool = False, size: int | None = None):
    from docxtpl import RichText

    rt = RichText()
    rt.add(text, bold=bold, italic=italic, size=size)
    return rt


REGIME_GROUNDS = {
    "QD132_HD21": (
        "Căn cứ Quy định số 132-QĐ/TW ngày 08/3/2018 của Bộ Chính trị về việc kiểm điểm và đánh giá, xếp loại "
        "chất lượng hằng năm đối với tập thể, cá nhân trong hệ thống chính trị;",
        "Căn cứ Hướng dẫn số 21-HD/BTCTW ngày 18/10/2019 của Ban Tổ chức Trung ương về kiểm điểm, đánh giá, xếp "
        "loại chất lượng hằng năm đối với tổ chức đảng, đảng viên và tập thể, cá nhân cán bộ lãnh đạo, quản lý "
        "các cấp;",
    ),
    "QD124_HD25": (
        "Căn cứ Quy định số 124-QĐ/TW ngày 04/10/2023 của Bộ Chính trị về kiểm điểm và đánh giá, xếp loại chất "
        "lượng hằng năm đối với tập thể, cá nhân trong hệ thống chính trị;",
        "Căn cứ Hướng dẫn số 25-HD/BTCTW ngày 10/11/2023 của Ban Tổ chức Trung ương thực hiện Quy định số "
        "124-QĐ/TW;",
    ),
    "QD366_HD43": (
        "Căn cứ Quy định số 366-QĐ/TW ngày 30/8/2025 của Bộ Chính trị về kiểm điểm, đánh giá, xếp loại chất "
        "lượng đối với tập thể, cá nhân trong hệ thống chính trị;",
        "Căn cứ Hướng dẫn số 43-HD/BTCTW ngày 31/10/2025 của Ban Tổ chức Trung ương thực hiện Quy định số "
        "366-QĐ/TW;",
    ),
}
TYPE_ORDER = [f.subject_type for f in FORMS]
TYPE_NOUNS: dict[str, str] = {
    SubjectType.PARTY_ORGANIZATION: "tổ chức đảng",
    SubjectType.PARTY_MEMBER: "đảng viên",
    SubjectType.LEADERSHIP_COLLECTIVE: "tập thể lãnh đạo, quản lý",
    SubjectType.LEADER: "cán bộ lãnh đạo, quản lý",
    SubjectType.AGENCY: "cơ quan, đơn vị",
}
ROLE_LABELS = dict(Role.choices)


def _list_rows(evaluations: list[Evaluation], level_of) -> list[list[Any]]:
    rows = []
    for number, ev in enumerate(evaluations, start=1):
        note = ROLE_LABELS.get(ev.role, "") if ev.subject_type == SubjectType.LEADER else ""
        if (
            ev.subject_type == SubjectType.PARTY_MEMBER
            and ev.person
            and ev.person.membership == "probationary"
        ):
            note = "Đảng viên dự bị"
        rows.append(
            [
                _rt(str(number)),
                _rt(ev.subject_name),
                _rt(
                    ev.unit.name
                    if ev.subject_type != SubjectType.PARTY_ORGANIZATION
                    else (ev.unit.parent or ev.unit).name
                ),
                _rt(level_of(ev)),
                _rt(note),
            ]
        )
    return rows


def _level_counts_text(counts: dict[str, int], total: int, *, prefix: str = "Cộng") -> str:
    parts = "; ".join(f"{LEVEL_LABELS[lv].lower()}: {fmt_int(counts.get(lv, 0))}" for lv in LEVELS)
    return f"{prefix}: {fmt_int(total)}; trong đó {parts}."


def _ordered(evaluations: list[Evaluation]) -> list[Evaluation]:
    # Rosters sort by given name, then family and middle names, in Vietnamese collation (Đ after D).
    return sorted(evaluations, key=lambda e: (e.unit.path, e.subject_sort_key, e.pk))


# -- The report --------------------------------------------------------------------------------------------------

REPORT_SECTION_TITLES = {
    "A": "Tổ chức đảng",
    "B": "Đảng viên",
    "C": "Tập thể lãnh đạo, quản lý",
    "D": "Cán bộ lãnh đạo, quản lý",
    "Đ": "Cơ quan, đơn vị",
}


def _figure_rows(form: dict[str, Any]) -> list[list[Any]]:
    rows = []
    for row in [*form["rows"], form["total"]]:
        if row.get("is_detail") and not row["total"]:
            continue  # an empty "in which" row says nothing in a narrative report
        bold = row["key"] == "total" or row["is_subtotal"]
        values = [row["label"], fmt_int(row["total"]), fmt_int(row["rated"])]
        for lv in LEVELS:
            values += [fmt_int(row[lv]), fmt_pct(row[f"pct_{lv}"])]
        values.append(fmt_int(row["not_rated"]))
        rows.append([_rt(v, bold=bold, size=18) for v in values])
    return rows


def _form_summary(form: dict[str, Any]) -> str:
    t = form["total"]
    noun = form["subject_label"].lower()
    text = f"Tổng số {noun}: {fmt_int(t['total'])}; được đánh giá, xếp loại: {fmt_int(t['rated'])}"
    if t["not_rated"]:
        reasons = "; ".join(f"{r['reason']}: {fmt_int(r['n'])}" for r in form["not_rated_reasons"])
        text += f"; không xếp loại: {fmt_int(t['not_rated'])} ({reasons})"
    if t["pending"]:
        text += f"; chưa có quyết định: {fmt_int(t['pending'])}"
    text += ". Trong số được xếp loại: " + "; ".join(
        f"{LEVEL_LABELS[lv].lower()}: {fmt_int(t[lv])} ({fmt_pct(t[f'pct_{lv}'])}%)" for lv in LEVELS
    )
    pct = t["pct_good_or_better"]
    text += f". Tỷ lệ hoàn thành tốt nhiệm vụ trở lên: {fmt_pct(pct)}{'%' if pct is not None else ''}."
    extra = form.get("extra_columns") or []
    if extra:
        text += (
            " Trong tổng số: "
            + "; ".join(f"{c['label'].lower()}: {fmt_int(t.get(c['key'], 0))}" for c in extra)
            + "."
        )
    return text


def report_context(figures: dict[str, Any], lh: Letterhead) -> dict[str, Any]:
    cycle = figures["cycle"]
    period = f"quý {cycle['quarter']} năm {cycle['year']}" if cycle.get("quarter") else f"năm {cycle['year']}"
    sections: list[dict[str, Any]] = []
    for form in figures["forms"]:
        if not form["total"]["total"]:
            continue
        sections.append(
            {
                "title": f"{len(sections) + 1}. {REPORT_SECTION_TITLES[form['code']]}",
                "paragraphs": [_form_summary(form)],
                "table": _figure_rows(form),
            }
        )
    comp, progress = figures["compliance"], figures["progress"]
    over = [g for g in comp["quota_groups"] if g["is_over"]]
    sections.append(
        {
            "title": f"{len(sections) + 1}. Tiến độ và việc chấp hành quy định",
            "paragraphs": [
                f"Đã có quyết định xếp loại {fmt_int(progress['decided'])}/"
                f"{fmt_int(progress.get('to_rate', progress['total']))} đối tượng phải xếp loại "
                f"({fmt_pct(progress['pct_decided'])}%); {fmt_int(progress.get('not_rated', 0))} đối tượng không "
                "xếp loại.",
                f"Số nhóm vượt tỷ lệ hoàn thành xuất sắc nhiệm vụ: {fmt_int(len(over))}"
                + (
                    ": "
                    + "; ".join(
                        f"{g['name']} ({fmt_int(g['excellent'])}/{fmt_int(g['max_excellent'])})" for g in over
                    )
                    if over
                    else ""
                )
                + ".",
                f"Số quyết định vượt cảnh báo có ghi lý do của cấp có thẩm quyền: {fmt_int(comp['overrides_total'])}.",
                f"Yêu cầu kiểm điểm lại: {fmt_int(comp['orders']['rereview']['total'])}; yêu cầu xếp loại lại: "
                f"{fmt_int(comp['orders']['rerating']['total'])} (chưa hoàn thành: "
                f"{fmt_int(comp['orders']['rereview']['open'] + comp['orders']['rerating']['open'])}).",
            ],
            "table": None,
        }
    )
    committee = lh.committee
    regime = REGIME_GROUNDS.get(cycle.get("regime", ""), ("", ""))
    basis = " ".join(s.removeprefix("Căn cứ ").rstrip(";") for s in regime if s)
    parts = [
        {
            "title": "I. CÔNG TÁC LÃNH ĐẠO, CHỈ ĐẠO, TỔ CHỨC THỰC HIỆN",
            "paragraphs": [
                f"Thực hiện {basis or 'các quy định, hướng dẫn của cấp trên'}, {committee} đã lãnh đạo, chỉ đạo "
                f"việc kiểm điểm, đánh giá, xếp loại chất lượng {period} trong {lh.organisation}."
            ],
            "outline": [
                "(Phần văn phòng cấp ủy viết: việc quán triệt, ban hành kế hoạch, hướng dẫn; gợi ý kiểm điểm; dự, "
                "chỉ đạo hội nghị kiểm điểm của cấp dưới; thẩm định, công khai kết quả.)"
            ],
            "sections": [],
        },
        {
            "title": "II. KẾT QUẢ KIỂM ĐIỂM, ĐÁNH GIÁ, XẾP LOẠI CHẤT LƯỢNG",
            "paragraphs": [],
            "outline": [],
            "sections": sections,
        },
        {
            "title": "III. ĐÁNH GIÁ CHUNG",
            "paragraphs": [],
            "outline": [
                "1. Ưu điểm: (nêu những mặt làm tốt: tinh thần tự phê bình và phê bình, chất lượng bản kiểm điểm, "
                "thực hiện đúng quy trình, thời gian.)",
                "2. Hạn chế, khuyết điểm: (nêu những nơi kiểm điểm còn hình thức, chậm tiến độ, xếp loại chưa sát "
                "thực chất.)",
                "3. Nguyên nhân: (nguyên nhân chủ quan, khách quan của hạn chế, khuyết điểm.)",
            ],
            "sections": [],
        },
        {
            "title": "IV. ĐỀ XUẤT, KIẾN NGHỊ",
            "paragraphs": [],
            "outline": ["(Nêu đề xuất, kiến nghị với cấp trên, nếu có.)"],
            "sections": [],
        },
    ]
    return {
        "lh": lh,
        "subtitle": f"kết quả kiểm điểm, đánh giá, xếp loại chất lượng {period}",
        "parts": parts,
    }


# -- The decision recognising the results, and its list ----------------------------------------------------------


def decided_by_unit(cycle: Cycle, unit: Unit) -> list[Evaluation]:
    """Every subject whose rating this unit's committee decided in the cycle."""
    return list(
        Evaluation.objects.filter(
            cycle=cycle, deciding_unit=unit, state=EvaluationState.DECIDED, decided_rating__gt=""
        ).select_related("unit", "unit__parent", "person", "collective")
    )


def _groups_by_type(evaluations: list[Evaluation], *, numbering: str = "{i}") -> list[dict[str, Any]]:
    groups: list[dict[str, Any]] = []
    for stype in TYPE_ORDER:
        evs = _ordered([e for e in evaluations if e.subject_type == stype])
        if not evs:
            continue
        counts = {lv: sum(1 for e in evs if e.decided_rating == lv) for lv in LEVELS}
        label = SubjectType(stype).label
        groups.append(
            {
                "title": numbering.format(i=len(groups) + 1) + f" {label}",
                "rows": _list_rows(evs, lambda e: e.decided_rating),
                "total_text": _level_counts_text(counts, len(evs)),
                "counts": counts,
                "n": len(evs),
            }
        )
    return groups


def decision_context(cycle: Cycle, unit: Unit, lh: Letterhead) -> dict[str, Any]:
    evaluations = decided_by_unit(cycle, unit)
    period = period_of(cycle)
    if not evaluations:
        raise DocumentError(
            f"{unit.name} chưa quyết định mức xếp loại của đối tượng nào trong đợt {period}: quyết định công nhận "
            "kết quả do cấp có thẩm quyền quyết định xếp loại ban hành."
        )
    groups = _groups_by_type(evaluations, numbering="{i}.")
    counts = {lv: sum(g["counts"][lv] for g in groups) for lv in LEVELS}
    whom = ", ".join(
        f"{fmt_int(g['n'])} {TYPE_NOUNS[g_type]}" for g, g_type in _group_types(groups, evaluations)
    )
    grounds = [
        "Căn cứ Điều lệ Đảng Cộng sản Việt Nam;",
        *REGIME_GROUNDS.get(cycle.regime, ()),
        *([f"Căn cứ {cycle.basis.strip().rstrip(';.')};"] if cycle.basis.strip() else []),
        f"Xét kết quả kiểm điểm, đề xuất xếp loại của các tổ chức đảng trực thuộc và kết quả thẩm định của cơ "
        f"quan tham mưu của {lh.committee},",
    ]
    level_text = "; ".join(f"{LEVEL_LABELS[lv].lower()}: {fmt_int(counts[lv])}" for lv in LEVELS)
    articles = [
        (
            "Điều 1. ",
            f"Công nhận kết quả đánh giá, xếp loại chất lượng {period} đối với {whom} "
            f"(có danh sách kèm theo), trong đó {level_text}.",
        ),
        (
            "Điều 2. ",
            "Kết quả đánh giá, xếp loại chất lượng là căn cứ để bình xét thi đua, khen thưởng, công tác "
            "cán bộ và xây dựng kế hoạch khắc phục hạn chế, khuyết điểm theo quy định.",
        ),
        (
            "Điều 3. ",
            f"Văn phòng {lh.committee}, các tổ chức đảng trực thuộc và các tập thể, cá nhân có tên tại "
            "Điều 1 căn cứ Quyết định thi hành. Quyết định có hiệu lực kể từ ngày ký.",
        ),
    ]
    rich = []
    for head, text in articles:
        rt = _rt(head, bold=True)
        rt.add(text)
        rich.append(rt)
    number = lh.number.removeprefix("Số ").strip()
    return {
        "lh": lh,
        "subtitle": f"công nhận kết quả đánh giá, xếp loại chất lượng {period}",
        "grounds": grounds,
        "articles": rich,
        "list_title": f"kết quả đánh giá, xếp loại chất lượng {period}",
        "list_attached": f"(Kèm theo Quyết định số {number}, {lh.date_text} của {lh.body.title()})",
        "groups": groups,
        "total_text": _level_counts_text(counts, len(evaluations), prefix="Tổng cộng"),
        "counts": counts,
    }


def _group_types(
    groups: list[dict[str, Any]], evaluations: list[Evaluation]
) -> list[tuple[dict[str, Any], str]]:
    present = [t for t in TYPE_ORDER if any(e.subject_type == t for e in evaluations)]
    return list(zip(groups, present, strict=True))


# -- The list of HTXS and KHT ------------------------------------------------------------------------------------


def list_evaluations(cycle: Cycle, unit: Unit) -> list[Evaluation]:
    return list(
        Evaluation.objects.filter(
            cycle=cycle, unit__path__startswith=unit.path, decided_rating__in=["HTXS", "KHT"]
        ).select_related("unit", "unit__parent", "person", "collective")
    )


def list_context(cycle: Cycle, unit: Unit, lh: Letterhead) -> dict[str, Any]:
    evaluations = list_evaluations(cycle, unit)
    period = period_of(cycle)
    groups = []
    counts = {}
    for roman, level in (("I", "HTXS"), ("II", "KHT")):
        evs = [e for e in evaluations if e.decided_rating == level]
        counts[level] = len(evs)
        sub = _groups_by_type(evs, numbering=f"{roman}.{{i}}.")
        if not sub:
            groups.append(
                {
                    "title": f"{roman}. {LEVEL_LABELS[level].upper()}",
                    "rows": [],
                    "total_text": "Cộng: 0.",
                }
            )
            continue
        for i, g in enumerate(sub):
            title = g["title"]
            if i == 0:
                title = f"{roman}. {LEVEL_LABELS[level].upper()} — {title}"
            groups.append({"title": title, "rows": g["rows"], "total_text": f"Cộng: {fmt_int(g['n'])}."})
    return {
        "lh": lh,
        "subtitle": f"tập thể, cá nhân hoàn thành xuất sắc nhiệm vụ và không hoàn thành nhiệm vụ {period}",
        "groups": groups,
        "total_text": f"Tổng số hoàn thành xuất sắc nhiệm vụ: {fmt_int(counts['HTXS'])}; "
        f"không hoàn thành nhiệm vụ: {fmt_int(counts['KHT'])}.",
        "counts": counts,
    }


# -- The self-review ---------------------------------------------------------------------------------------------

GRADE_COLUMNS = [code for code, _ in GRADES]
LEVEL_ORDER = ["HTXS", "HTT", "HT", "KHT"]


def _text_lines(text: str) -> list[str]:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    return lines or [DOTS, DOTS]


def _posts(person: Person, day: datetime.date) -> tuple[str, str]:
    """(party posts, other posts) the person holds on the day, as the form's header lists them."""
    positions = (
        Position.objects.filter(person=person, valid_from__lte=day)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
        .select_related("unit", "collective")
    )
    party: list[str] = []
    other: list[str] = []
    party_kinds = {
        CollectiveKind.EXECUTIVE_COMMITTEE,
        CollectiveKind.STANDING_COMMITTEE,
        CollectiveKind.CELL_COMMITTEE,
        CollectiveKind.PARTY_DELEGATION,
        CollectiveKind.PARTY_AFFAIRS_COMMITTEE,
    }
    for p in positions:
        where = p.collective.name if p.collective else p.unit.name
        text = f"{p.title} {where}" if where.lower() not in p.title.lower() else p.title
        (
            party if (p.collective and p.collective.kind in party_kinds) or p.unit.is_party_org else other
        ).append(text)
    return "; ".join(party), "; ".join(other)


def self_review_evaluation(cycle: Cycle, person: Person) -> Evaluation:
    """The person's own evaluation in the cycle: as a member (the cell's review), else as a leader."""
    evs = {
        e.subject_type: e
        for e in Evaluation.objects.filter(
            cycle=cycle, person=person, subject_type__in=[SubjectType.PARTY_MEMBER, SubjectType.LEADER]
        ).select_related("unit", "person", "cycle", "deciding_unit")
    }
    ev = evs.get(SubjectType.PARTY_MEMBER) or evs.get(SubjectType.LEADER)
    if ev is None:
        raise DocumentError(f"{person.full_name} không có bản kiểm điểm trong đợt {period_of(cycle)}.")
    return ev


def _hd43_scores_and_tasks(ev: Evaluation) -> tuple[list[list[Any]], list[list[Any]], str]:
    """HD 43 Phần B item by item (the cycle's frozen criteria, each item's self, verified and decided points), the
    task register, and the form the subject's appendix gives (2A/2B/2C, 01); empty when nothing was scored."""
    from kiemdiem.assessments.actions import appendix_for, stage_totals
    from kiemdiem.assessments.models import FORM_OF_APPENDIX, CriterionGroup, CycleFramework, ItemScore, Task

    appendix = appendix_for(ev)
    code = FORM_OF_APPENDIX[appendix][0]
    frozen = (
        CycleFramework.objects.filter(cycle_id=ev.cycle_id, appendix=appendix)
        .select_related("version")
        .first()
    )
    rows: list[list[Any]] = []
    if frozen is not None:
        criteria = list(frozen.version.criteria.order_by("order", "id"))
        scores = {s.criterion_id: s for s in ItemScore.objects.filter(evaluation=ev)}
        if scores:
            totals = {stage: stage_totals(criteria, scores, stage) for stage in ("self", "decided")}

            def num(value: Any) -> str:
                return "" if value is None else fmt_pct(float(value))

            for group in CriterionGroup:
                items = [c for c in criteria if c.group == group.value]
                top = sum((c.max_points for c in items), start=0)
                rows.append(
                    [
                        _rt(group.label, bold=True),
                        _rt(num(top), bold=True),
                        _rt(num(totals["self"][group.value]), bold=True),
                        _rt(num(totals["decided"][group.value]), bold=True),
                    ]
                )
                for c in items:
                    s = scores.get(c.pk)
                    rows.append(
                        [
                            _rt(f"{c.code}. {c.label}"),
                            _rt(num(c.max_points)),
                            _rt(num(getattr(s, "self_score", None))),
                            _rt(num(getattr(s, "decided_score", None) or getattr(s, "verified_score", None))),
                        ]
                    )
            rows.append(
                [
                    _rt("Tổng điểm", bold=True),
                    _rt("100", bold=True),
                    _rt(num(totals["self"]["total"]), bold=True),
                    _rt(num(totals["decided"]["total"]), bold=True),
                ]
            )
    tasks = []
    for number, t in enumerate(
        Task.objects.filter(evaluation=ev).select_related("confirmed_by").order_by("id"), 1
    ):
        tasks.append(
            [
                _rt(str(number)),
                _rt(t.title),
                _rt(t.target),
                _rt(f"{t.deadline:%d/%m/%Y}" if t.deadline else ""),
                _rt(t.get_result_display()),
                _rt(str(t.confirmed_by) if t.confirmed_by_id else ""),
            ]
        )
    return rows, tasks, code


def self_review_context(evaluation: Evaluation, lh: Letterhead) -> dict[str, Any]:
    ev = evaluation
    cycle = ev.cycle
    person = ev.person
    if person is None:
        return _collective_report_context(ev, lh)
    is_leader = (
        ev.subject_type == SubjectType.LEADER
        or Position.objects.filter(
            person=person, role__in=[Role.HEAD, Role.DEPUTY], valid_to__isnull=True
        ).exists()
    )
    form = form_for(regime=cycle.regime, subject_type=ev.subject_type, is_leader=is_leader)
    code = form.code
    heading = "BẢN KIỂM ĐIỂM CÁ NHÂN"
    if cycle.regime == "QD366_HD43" and cycle.quarter:
        code, heading = "05-HD KĐ.ĐG 2025", "BẢN TỰ ĐÁNH GIÁ CÁ NHÂN"
    elif ev.form_code.startswith("2C"):
        code = ev.form_code  # recorded when the cycle opened: a member outside the political system (HD 43)
    party_posts, other_posts = _posts(person, lh.day)
    identity = [
        f"Họ và tên: {person.full_name}"
        + (f"          Ngày sinh: {person.birth_date:%d/%m/%Y}" if person.birth_date else ""),
        f"Chức vụ Đảng: {party_posts or 'Đảng viên'}",
        f"Chức vụ chính quyền, đoàn thể: {other_posts or '—'}",
        f"Đơn vị công tác: {ev.unit.name if ev.subject_type == SubjectType.LEADER else (person.home_cell.parent or person.home_cell).name if person.home_cell else ev.unit.name}",
        f"Chi bộ: {person.home_cell.name if person.home_cell else ev.unit.name}",
    ]
    review = ev.self_review or {}
    sections = [{"title": title, "lines": _text_lines(review.get(key, ""))} for key, title in form.sections]
    scored = form.scored
    parts = [{"title": "A. KIỂM ĐIỂM" if scored else "", "sections": sections}]
    criteria_rows, score_rows = _criteria_and_score_rows(ev, form)
    tasks: list[list[Any]] = []
    if scored:
        items, tasks, appendix_code = _hd43_scores_and_tasks(ev)
        score_rows = items or score_rows
        if not cycle.quarter:
            code = appendix_code  # 2A, 2B or 2C by the appendix the subject is scored on
    rating_lines = [f"{'☒' if ev.self_rating == lv else '☐'} {LEVEL_LABELS[lv]}" for lv in LEVEL_ORDER]
    votes = ev.votes or {}
    review_lines = _text_lines(ev.meeting_comments)
    if ev.proposed_rating:
        line = f"Đề xuất mức xếp loại: {LEVEL_LABELS[ev.proposed_rating].lower()}"
        if votes.get("attendees"):
            line += f" ({fmt_int(votes.get('in_favour', 0))}/{fmt_int(votes['attendees'])} đảng viên dự họp tán thành)"
        review_lines.append(line + ".")
    else:
        review_lines.append(f"Đề xuất mức xếp loại: {DOTS[:60]}")
    if ev.decided_rating:
        decision_lines = [
            f"Mức xếp loại: {LEVEL_LABELS[ev.decided_rating].lower()}"
            + (f" ({ev.deciding_unit.name}" if ev.deciding_unit else " (")
            + (f", {vn_date(ev.decided_on)})." if ev.decided_on else ").")
        ]
    elif ev.not_rated_reason:
        decision_lines = [f"Không xếp loại: {ev.not_rated_reason}."]
    else:
        decision_lines = [f"Mức xếp loại: {DOTS[:60]}"]
    return {
        "lh": lh,
        "form": {"code": code, "heading": heading, "title": form.title},
        "subtitle": f"{form.title.split('(')[0].strip().lower().capitalize()} {period_of(cycle)}"
        if heading != "BẢN KIỂM ĐIỂM CÁ NHÂN"
        else f"{period_of(cycle).capitalize()}",
        "identity": identity,
        "parts": parts,
        "criteria": criteria_rows,
        "criteria_title": "TỰ ĐÁNH GIÁ MỨC ĐỘ ĐẠT CỦA TỪNG TIÊU CHÍ",
        "scores": score_rows,
        "scores_title": "B. TỰ ĐÁNH GIÁ, XẾP LOẠI",
        "tasks": tasks,
        "tasks_title": "KÊ KHAI NHIỆM VỤ, SẢN PHẨM TRONG KỲ",
        "rating_title": "TỰ NHẬN MỨC XẾP LOẠI CHẤT LƯỢNG",
        "rating_lines": rating_lines,
        "self_title": "NGƯỜI TỰ KIỂM ĐIỂM",
        "self_note": "(Ký, ghi rõ họ tên)",
        "self_name": person.full_name,
        "review_title": f"NHẬN XÉT, ĐÁNH GIÁ CỦA {lh.signing_body.removeprefix('T/M ')}",
        "review_lines": review_lines,
        "decision_title": "ĐÁNH GIÁ, XẾP LOẠI CỦA CẤP CÓ THẨM QUYỀN",
        "decision_lines": decision_lines,
    }


def _criteria_and_score_rows(ev: Evaluation, form: ReviewForm) -> tuple[list[list[Any]], list[list[Any]]]:
    """The self-review's graded criteria (one X per row) and, on a scored form, its points out of 30, 70 and 100."""
    criteria_rows = []
    if form.criteria:
        grades = ev.criteria or {}
        for c in form.criteria:
            mark = grades.get(c.key, "")
            criteria_rows.append([_rt(c.label), *(_rt("X" if mark == g else "") for g in GRADE_COLUMNS)])
    if not form.scored:
        return criteria_rows, []
    scores = ev.criteria or {}

    def num(value: Any) -> str:
        return "" if value in (None, "") else fmt_pct(float(value))

    return criteria_rows, [
        [_rt("Nhóm tiêu chí chung"), _rt("30"), _rt(num(scores.get("general"))), _rt("")],
        [
            _rt("Nhóm tiêu chí kết quả thực hiện nhiệm vụ"),
            _rt("70"),
            _rt(num(scores.get("results"))),
            _rt(""),
        ],
        [_rt("Tổng điểm", bold=True), _rt("100", bold=True), _rt(num(ev.score), bold=True), _rt("")],
    ]


def _collective_report_context(ev: Evaluation, lh: Letterhead) -> dict[str, Any]:
    """A collective's report of its own review (Mẫu 01 of the regime): the same sections, signed for the collective."""
    cycle = ev.cycle
    form = form_for(regime=cycle.regime, subject_type=ev.subject_type, is_leader=False)
    review = ev.self_review or {}
    sections = [{"title": title, "lines": _text_lines(review.get(key, ""))} for key, title in form.sections]
    scored = form.scored
    criteria_rows, score_rows = _criteria_and_score_rows(ev, form)
    tasks: list[list[Any]] = []
    if scored:
        items, tasks, _ = _hd43_scores_and_tasks(ev)
        score_rows = items or score_rows
    what = "kiểm điểm, tự đánh giá, xếp loại chất lượng tập thể" if scored else "kiểm điểm tập thể"
    decision_lines = (
        [
            f"Mức xếp loại: {LEVEL_LABELS[ev.decided_rating].lower()}"
            + (f" ({ev.deciding_unit.name}" if ev.deciding_unit else " (")
            + (f", {vn_date(ev.decided_on)})." if ev.decided_on else ").")
        ]
        if ev.decided_rating
        else [f"Mức xếp loại: {DOTS[:60]}"]
    )
    return {
        "lh": lh,
        "form": {"code": form.code, "heading": "BÁO CÁO", "title": form.title},
        "subtitle": f"{what} {period_of(cycle)}",
        "identity": [f"Tập thể: {ev.subject_name}", f"Thuộc: {ev.unit.name}"],
        "parts": [{"title": "A. KIỂM ĐIỂM" if scored else "", "sections": sections}],
        "criteria": criteria_rows,
        "criteria_title": "TỰ ĐÁNH GIÁ MỨC ĐỘ ĐẠT CỦA TỪNG TIÊU CHÍ",
        "scores": score_rows,
        "scores_title": "B. TỰ ĐÁNH GIÁ, XẾP LOẠI",
        "tasks": tasks,
        "tasks_title": "KÊ KHAI NHIỆM VỤ, SẢN PHẨM TRONG KỲ",
        "rating_title": "TỰ NHẬN MỨC XẾP LOẠI CHẤT LƯỢNG",
        "rating_lines": [f"{'☒' if ev.self_rating == lv else '☐'} {LEVEL_LABELS[lv]}" for lv in LEVEL_ORDER],
        "self_title": lh.signing_body,
        "self_note": lh.signer_title,
        "self_name": lh.signer_name,
        "review_title": "",
        "review_lines": [],
        "decision_title": "ĐÁNH GIÁ, XẾP LOẠI CỦA CẤP CÓ THẨM QUYỀN",
        "decision_lines": decision_lines,
    }


# -- HD 43 Mẫu 03: the re-rating decision ------------------------------------------------------------------------


def rerating_context(ev: Evaluation, lh: Letterhead) -> dict[str, Any]:
    order = ev.orders.filter(kind=OrderKind.RERATING).order_by("-ordered_at", "-id").first()
    if order is None or not ev.decided_rating or order.resolved_at is None:
        raise DocumentError(
            f"“{ev.subject_name}” chưa được xếp loại lại theo yêu cầu (chưa có yêu cầu xếp loại lại, hoặc chưa có "
            "quyết định mới)."
        )
    period = period_of(ev.cycle)
    previous = LEVEL_LABELS.get(order.previous_rating, order.previous_rating or "chưa xếp loại")
    articles = [
        (
            "Điều 1. ",
            f"Hủy kết quả xếp loại chất lượng {period} mức “{previous.lower()}” đối với {ev.subject_name} "
            f"({ev.unit.name}).",
        ),
        (
            "Điều 2. ",
            f"Xếp loại lại chất lượng {period} đối với {ev.subject_name}: "
            f"{LEVEL_LABELS[ev.decided_rating].lower()}.",
        ),
        (
            "Điều 3. ",
            f"Văn phòng {lh.committee}, tổ chức đảng, tập thể, cá nhân có liên quan căn cứ Quyết định thi "
            "hành. Quyết định có hiệu lực kể từ ngày ký.",
        ),
    ]
    rich = []
    for head, text in articles:
        rt = _rt(head, bold=True)
        rt.add(text)
        rich.append(rt)
    return {
        "lh": lh,
        "form_code": "Mẫu 03-HD KĐ.ĐG 2025" if ev.cycle.regime == "QD366_HD43" else "",
        "subtitle": f"về việc xếp loại lại chất lượng {period} đối với {ev.subject_name}",
        "grounds": [
            "Căn cứ Điều lệ Đảng Cộng sản Việt Nam;",
            *REGIME_GROUNDS.get(ev.cycle.regime, ()),
            f"Xét {order.reason.strip().rstrip('.').lower() or 'yêu cầu xếp loại lại'},",
        ],
        "articles": rich,
    }


# -- The minutes of the review meeting ---------------------------------------------------------------------------


def minutes_context(cycle: Cycle, unit: Unit, lh: Letterhead) -> dict[str, Any]:
    evaluations = list(
        Evaluation.objects.filter(cycle=cycle, unit=unit).select_related("person", "collective", "unit")
    )
    own = next(
        (e for e in evaluations if e.subject_type in (SubjectType.PARTY_ORGANIZATION, SubjectType.AGENCY)),
        None,
    )
    people = _ordered([e for e in evaluations if e.person_id])
    members = [e for e in people if e.subject_type == SubjectType.PARTY_MEMBER]
    present = max((int((e.votes or {}).get("attendees") or 0) for e in evaluations), default=0)
    total = len(members)
    period = period_of(cycle)
    chair = f"đồng chí {lh.signer_name}, {lh.signer_title.capitalize()}" if lh.signer_name else DOTS[:50]
    # What the secretary recorded with the meeting's proposals (the rating page); dotted lines for the rest.
    meeting = Meeting.objects.filter(cycle=cycle, unit=unit).first()
    held = timezone.localtime(meeting.held_at) if meeting and meeting.held_at else None
    when = (
        f"Vào hồi {held.hour} giờ {held.minute:02d} ngày {held.day} tháng {held.month} năm {held.year}"
        if held
        else "Vào hồi ...... giờ ...... ngày ...... tháng ...... năm ......"
    )
    venue = (meeting.venue if meeting else "") or DOTS[:40]
    secretary = (meeting.secretary if meeting else "") or DOTS[:40]
    opening = [
        f"{when}, tại {venue}, {unit.name} tổ chức hội "
        f"nghị kiểm điểm, đánh giá, xếp loại chất lượng {period}.",
        f"Thành phần: tổng số đảng viên của {unit.name}: {fmt_int(total)} đồng chí; có mặt: "
        + (
            f"{fmt_int(present)} đồng chí; vắng mặt: {fmt_int(max(total - present, 0))} đồng chí"
            if present
            else "...... đồng chí; vắng mặt: ...... đồng chí"
        )
        + " (lý do: ............................).",
        f"Đại biểu cấp trên dự: {DOTS[:70]}",
        f"Chủ trì hội nghị: {chair}. Thư ký hội nghị: đồng chí {secretary}",
    ]
    sections = []
    if own is not None:
        lines = _text_lines(own.meeting_comments)
        votes = own.votes or {}
        if own.proposed_rating:
            text = f"Hội nghị biểu quyết đề xuất xếp loại {unit.name}: {LEVEL_LABELS[own.proposed_rating].lower()}"
            if votes.get("attendees"):
                text += f", {votes.get('in_favour', 0)}/{votes['attendees']} đảng viên dự họp tán thành"
            lines.append(text + ".")
        sections.append({"title": f"1. Kiểm điểm tập thể {unit.name}", "lines": lines})
    rows = []
    proposed: dict[str, int] = {}
    not_rated = 0
    for number, ev in enumerate(people, start=1):
        votes = ev.votes or {}
        if ev.proposed_rating:
            proposed[ev.proposed_rating] = proposed.get(ev.proposed_rating, 0) + 1
        elif ev.not_rated_reason:
            not_rated += 1
        name = ev.subject_name + (
            f" ({ROLE_LABELS.get(ev.role, '').lower()})" if ev.subject_type == SubjectType.LEADER else ""
        )
        rows.append(
            [
                _rt(str(number)),
                _rt(name),
                _rt(ev.meeting_comments or ""),
                _rt(ev.self_rating),
                _rt(f"{votes.get('in_favour', 0)}/{votes['attendees']}" if votes.get("attendees") else ""),
                _rt(ev.proposed_rating or ("Không xếp loại" if ev.not_rated_reason else "")),
            ]
        )
    closing = [
        "Kết quả biểu quyết đề xuất xếp loại: "
        + "; ".join(f"{LEVEL_LABELS[lv].lower()}: {fmt_int(proposed.get(lv, 0))}" for lv in LEVELS)
        + (f"; không xếp loại: {fmt_int(not_rated)}" if not_rated else "")
        + ".",
        "Hội nghị kết thúc vào hồi ...... giờ ...... cùng ngày. Biên bản đã được đọc lại trước hội nghị và được "
        "hội nghị nhất trí thông qua.",
    ]
    return {
        "lh": lh,
        "subtitle": f"hội nghị kiểm điểm, đánh giá, xếp loại chất lượng {period}",
        "opening": opening,
        "sections": sections,
        "members_title": f"{len(sections) + 1}. Kiểm điểm, đánh giá, xếp loại đảng viên, cán bộ",
        "members": rows,
        "closing": closing,
        "chair_name": lh.signer_name,
        "present": present,
        "total": total,
    }


# -- HD 43 Mẫu 04: the dossier sent upward -----------------------------------------------------------------------


def dossier_context(cycle: Cycle, unit: Unit, lh: Letterhead) -> dict[str, Any]:
    if cycle.regime != "QD366_HD43":
        raise DocumentError(
            f"Mẫu 04 (danh mục hồ sơ) là mẫu của Hướng dẫn 43-HD/BTCTW, áp dụng từ năm 2025; đợt {period_of(cycle)} "
            "theo chế độ khác."
        )
    from kiemdiem.followup.models import Suggestion

    evs = Evaluation.objects.filter(cycle=cycle, unit__path__startswith=unit.path)
    reviewed = evs.exclude(state=EvaluationState.DRAFT).count()
    meetings = evs.filter(votes__has_key="attendees").values("unit_id").distinct().count()
    verified = evs.exclude(verification_note="").count()
    decided = evs.filter(state=EvaluationState.DECIDED).count()
    suggestions = Suggestion.objects.filter(evaluation__in=evs).count()
    rerated = evs.filter(orders__kind=OrderKind.RERATING).distinct().count()
    items = [
        ("Bản kiểm điểm cá nhân, báo cáo kiểm điểm tập thể", reviewed, ""),
        ("Bản nhận xét của cấp ủy nơi cư trú đối với cá nhân", None, "Đơn vị bổ sung"),
        ("Biên bản hội nghị kiểm điểm", meetings, "Số hội nghị đã ghi kết quả"),
        ("Tổng hợp kết quả thẩm định của cơ quan tham mưu", verified, ""),
        ("Kết luận đánh giá, kết quả xếp loại của cấp có thẩm quyền", decided, ""),
        ("Văn bản gợi ý kiểm điểm", suggestions, "Nếu có"),
        ("Văn bản góp ý của tổ chức, cá nhân liên quan", None, "Nếu có"),
        ("Hồ sơ giải quyết khiếu nại, kiến nghị; quyết định xếp loại lại (Mẫu 03)", rerated, "Nếu có"),
        ("Văn bản khác (phiếu tín nhiệm, nhận xét của cấp trên, đồng cấp, cấp dưới)", None, "Nếu có"),
    ]
    rows = [
        [_rt(str(i)), _rt(label), _rt("" if n is None else fmt_int(n)), _rt(note)]
        for i, (label, n, note) in enumerate(items, start=1)
    ]
    return {
        "lh": lh,
        "subtitle": f"kiểm điểm, đánh giá, xếp loại chất lượng {period_of(cycle)} của {unit.name}",
        "intro": f"{lh.committee} gửi hồ sơ kiểm điểm, đánh giá, xếp loại chất lượng {period_of(cycle)} gồm:",
        "items": rows,
    }


def report_document(
    figures: dict[str, Any], unit: Unit, *, number: str = "", day: datetime.date | None = None
) -> bytes:
    """The report of a unit's figures (live, or a submitted snapshot with its number and date) as DOCX."""
    lh = letterhead_for(unit, kind="report", number=number, day=day or timezone.localdate())
    return render_docx("report", unit, report_context(figures, lh))


# -- One entry point ---------------------------------------------------------------------------------------------

KIND_TO_LETTERHEAD = {
    "report": "report",
    "decision": "decision",
    "list": "list",
    "self-review": "self_review",
    "minutes": "minutes",
    "dossier": "dossier",
    "rerating": "decision",
}


def document_day(cycle: Cycle, unit: Unit, kind: str) -> datetime.date:
    """The date a decision carries: the day of the last rating it recognises; others are dated today."""
    if kind == "decision":
        last = Evaluation.objects.filter(
            cycle=cycle, deciding_unit=unit, state=EvaluationState.DECIDED
        ).aggregate(day=Max("decided_on"))["day"]
        if last:
            return last
    return timezone.localdate()


def build_document(
    kind: str,
    cycle: Cycle,
    unit: Unit,
    *,
    fmt: str = "docx",
    evaluation: Evaluation | None = None,
    figures: dict[str, Any] | None = None,
    number: str = "",
    day: datetime.date | None = None,
) -> tuple[bytes, str]:
    """(content, MIME type) of one document as DOCX or PDF (the PDF converted from the same DOCX)."""
    if kind not in TEMPLATE_NAMES:
        raise DocumentError(f"Không có loại văn bản “{kind}”.")
    issuing = unit
    if kind == "self-review":
        if evaluation is None:
            raise DocumentError("Bản kiểm điểm cá nhân cần chọn một người (--person).")
        issuing = (
            evaluation.person.home_cell
            if evaluation.person and evaluation.person.home_cell
            else evaluation.unit
        )
    day = day or (document_day(cycle, unit, kind) if kind == "decision" else timezone.localdate())
    lh = letterhead_for(issuing, kind=KIND_TO_LETTERHEAD[kind], number=number, day=day)
    if kind == "report":
        if figures is None:
            from kiemdiem.reports.queries import statistics

            figures = statistics(cycle, unit)
        context = report_context(figures, lh)
    elif kind == "decision":
        context = decision_context(cycle, unit, lh)
    elif kind == "list":
        context = list_context(cycle, unit, lh)
    elif kind == "self-review":
        assert evaluation is not None  # refused above without one
        context = self_review_context(evaluation, lh)
    elif kind == "minutes":
        context = minutes_context(cycle, unit, lh)
    elif kind == "rerating":
        context = rerating_context(evaluation, lh)  # type: ignore[arg-type]  # its URL and --person always give one
    else:
        context = dossier_context(cycle, unit, lh)
    content = render_docx(kind, issuing, context)
    if fmt == "pdf":
        return docx_to_pdf(content), PDF_MIME
    return content, DOCX_MIME
