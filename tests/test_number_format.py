"""One number format everywhere (issue 17): with more than a thousand members in the data, no page, document text,
command output or message prints a figure as "1234" or "1,234" — always 1.234 (and 12,5 for a decimal)."""

from __future__ import annotations

import datetime
import html
import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.template import Context, Template

from kiemdiem.campaigns import actions
from kiemdiem.campaigns.models import Evaluation
from kiemdiem.orgs.models import Person
from kiemdiem.vietnamese import format_number

FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô")
MIDDLE = ("Văn", "Thị", "Đức", "Thanh", "Minh", "Quốc", "Hữu", "Ngọc", "Xuân", "Thu", "Kim")
GIVEN = ("An", "Bình", "Cường", "Dũng", "Đào", "Giang", "Hà", "Hùng", "Lan", "Mai", "Vân")
NAMES = [f"{f} {m} {g}" for f in FAMILY for m in MIDDLE for g in GIVEN][:1_234]  # names carry no digits
MEMBERS = len(NAMES)

# A figure of four or more digits printed raw ("1235") or the English way ("1,235"): not part of a longer token
# (a code, a date, a path) and not a year.
RAW = re.compile(r"(?<![\w.,:#-])(\d{4,}|\d{1,3}(?:,\d{3})+)(?![\w.,:-]|,\d)")
YEAR = re.compile(r"(19|20|21)\d\d")


def visible_text(page: str) -> str:
    """What a reader sees: no scripts, styles, tags (so no attributes, URLs or form values)."""
    page = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", page)
    page = re.sub(r"(?s)<!--.*?-->", " ", page)
    return html.unescape(re.sub(r"(?s)<[^>]+>", " ", page))


def raw_figures(text: str) -> list[str]:
    return [m for m in RAW.findall(text) if not (len(m) == 4 and YEAR.fullmatch(m))]


@pytest.fixture
def big_cell(world):
    """Na Hang's cell with 1,234 more members, all with an evaluation in the 2021 cycle."""
    Person.objects.bulk_create(
        [
            Person(
                code=f"NF{i}",
                full_name=name,
                gender="m",
                admitted_on=datetime.date(2000, 1, 1),
                membership="full",
                home_cell=world.cell_na_hang,
            )
            for i, name in enumerate(NAMES)
        ]
    )
    actions.ensure_evaluations(cycle=world.cycle_province)
    return world.cell_na_hang


def test_the_raw_figure_check_catches_what_it_must():
    assert raw_figures("Đã quyết định 1235/1240 — 57,600 người; năm 2021") == ["1235", "1240", "57,600"]
    assert raw_figures("1.235/1.240 (99,6%) · mã NF1234 · 31/12/2021 · 12,5 điểm") == []


def test_main_pages_print_every_figure_in_the_vietnamese_format(client, world, province_admin, big_cell):
    cycle, unit = world.cycle_province, world.na_hang
    members = Evaluation.objects.filter(cycle=cycle, unit=big_cell, subject_type="party_member").count()
    assert members > MEMBERS
    client.force_login(province_admin)
    pages = [
        "/don-vi/",
        f"/don-vi/{unit.pk}/",
        f"/don-vi/{big_cell.pk}/",
        "/dot/",
        f"/dot/{cycle.pk}/",
        f"/dot/{cycle.pk}/tien-do/{unit.pk}/",
        f"/dot/{cycle.pk}/tien-do/{world.province.pk}/",
        f"/bao-cao/dot/{cycle.pk}/don-vi/{unit.pk}/",
        f"/bao-cao/dot/{cycle.pk}/don-vi/{world.province.pk}/",
        f"/theo-doi/dot/{cycle.pk}/don-vi/{unit.pk}/",
        "/bao-cao/",
        "/theo-doi/",
        f"/dot/{cycle.pk}/don-vi/{unit.pk}/",
        f"/dot/{cycle.pk}/don-vi/{big_cell.pk}/",
        f"/ca-nhan/{world.member_na_hang.pk}/",
        "/tim-kiem/?q=nguyen",
    ]
    shown = format_number(members)
    seen_big = []
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        text = visible_text(response.content.decode())
        assert raw_figures(text) == [], url
        if shown in text:
            seen_big.append(url)
    # The big figure itself is on the unit, progress and dashboard pages, written 1.2xx.
    assert f"/don-vi/{big_cell.pk}/" in seen_big
    assert f"/bao-cao/dot/{cycle.pk}/don-vi/{unit.pk}/" in seen_big


def test_the_report_text_and_the_commands_write_figures_the_same_way(world, big_cell, capsys):
    from kiemdiem.reports import documents

    assert documents.fmt_int(57600) == "57.600"
    assert documents.fmt_pct(1234.567) == "1.234,57"
    call_command("cycle", "list")
    out = capsys.readouterr().out
    assert raw_figures(out) == [], out
    assert format_number(Evaluation.objects.filter(cycle=world.cycle_province).count()) in out


def test_points_and_percentages_use_the_decimal_comma():
    from kiemdiem.assessments.actions import num

    assert num(Decimal("7.50")) == "7,5"
    rendered = Template("{% load assessments %}{{ a|points }} · {{ b|so:1 }}").render(
        Context({"a": "1234.5", "b": 99.96})
    )
    assert rendered == "1.234,5 · 100,0"


def test_an_import_cell_over_its_limit_says_so_in_the_same_format():
    from kiemdiem.imports.validation import CellError, parse_text

    with pytest.raises(CellError) as refused:
        parse_text("Đ" * 1_501, limit=1_500)
    assert "dài 1.501 ký tự, vượt giới hạn 1.500 ký tự" in str(refused.value)


COUNT_NAMES = re.compile(
    r"(^|[._])(n|total|count|decided|to_rate|rated|not_rated|pending|pct\w*|\w*_pct|members|units|people|updated|"
    r"unchanged|missing|late|unread|excellent|good|max_excellent|HTXS|HTT|HT|KHT|open|progress|length)$"
)


def test_no_template_prints_a_count_without_the_number_filter():
    """The lint behind the rendered check: a count shown as text goes through |so (attributes and form values
    stay raw, for the browser)."""
    from pathlib import Path

    offenders = []
    for path in Path("templates").rglob("*.html"):
        text = path.read_text()
        for match in re.finditer(r"\{\{\s*([^}]+?)\s*\}\}", text):
            before = text[: match.start()]
            if before.rfind("<") > before.rfind(">"):
                continue  # inside a tag: an attribute or a form value
            expression, *filters = match.group(1).split("|")
            if expression.startswith(("errors.", "tables.")):
                continue  # messages and rendered fragments, not figures
            names = [expression.strip(), *(f.split(":")[0] for f in filters)]
            if any(COUNT_NAMES.search(name) for name in names) and not any(
                f.split(":")[0] in ("so", "points") for f in filters
            ):
                offenders.append(f"{path}: {match.group(0)}")
    assert offenders == [], "\n".join(offenders)
