"""Every page that lists rule findings marks those resting on an unverified reading (issue 18)."""

from pathlib import Path

from django.template.loader import render_to_string

from kiemdiem import rules

TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "campaigns"


def _finding(verified: bool) -> rules.Finding:
    citation = rules.Citation("HD 21-HD/BTCTW", "Mục II, điểm B, tiết 1")
    return rules.Finding(
        "COLLECTIVE_DISUNITY", ("e1",), "Chi bộ bị kết luận mất đoàn kết.", citation, verified
    )


def test_an_unverified_finding_carries_a_visible_mark() -> None:
    marked = render_to_string("campaigns/_finding.html", {"f": _finding(False), "message": "Chi bộ A"})
    assert 'class="unverified"' in marked and "chưa xác minh" in marked
    plain = render_to_string("campaigns/_finding.html", {"f": _finding(True), "message": "Chi bộ A"})
    assert "unverified" not in plain and "chưa xác minh" not in plain


def test_the_pages_that_list_findings_render_them_through_the_marked_partial() -> None:
    for page in ("evaluation_page.html", "rating_page.html"):
        text = (TEMPLATES / page).read_text(encoding="utf-8")
        assert "{% for f, message in" in text and '{% include "campaigns/_finding.html" %}' in text
