"""Charts drawn as inline SVG on the server: no JavaScript, no build step, no CDN; they print and export as-is."""

from __future__ import annotations

from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from kiemdiem.vietnamese import format_number

SEGMENTS = (
    ("HTXS", "HTXS", "#1f6f43"),
    ("HTT", "HTT", "#4caf50"),
    ("HT", "HT", "#f2c94c"),
    ("KHT", "KHT", "#c0392b"),
    ("not_rated", "Không xếp loại", "#9aa5b1"),
    ("pending", "Chưa quyết định", "#e3e7ec"),
)
FONT = 'font-family="Liberation Sans, Arial, sans-serif" font-size="12"'


def _text(x: float, y: float, content: str, *, anchor: str = "start", extra: str = "") -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" {FONT} {extra}>{escape(content)}</text>'


def distribution_chart(forms: list[dict[str, Any]], *, title: str = "Phân bố mức xếp loại") -> SafeString:
    """One stacked bar per subject type: the share of each rating level, not rated and not yet decided."""
    label_w, bar_w, row_h, top = 190, 520, 30, 48
    rows = [f for f in forms if f["total"]["total"]]
    height = top + row_h * max(len(rows), 1) + 10
    width = label_w + bar_w + 70
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}"><title>{escape(title)}</title>'
    ]
    x = float(label_w)
    for _key, label, colour in SEGMENTS:  # legend
        parts.append(
            f'<rect x="{x}" y="8" width="12" height="12" fill="{colour}" stroke="#999" stroke-width=".5"/>'
        )
        parts.append(_text(x + 16, 18, label))
        x += 22 + 7.2 * len(label)
    if not rows:
        parts.append(_text(label_w, top + 16, "Chưa có đối tượng nào trong đợt này.", extra='fill="#6b7280"'))
    for i, form in enumerate(rows):
        y = top + i * row_h
        total = form["total"]["total"]
        parts.append(_text(label_w - 8, y + 16, form["subject_label"], anchor="end"))
        x = float(label_w)
        for key, label, colour in SEGMENTS:
            n = form["total"][key]
            if not n:
                continue
            w = bar_w * n / total
            parts.append(
                f'<rect x="{x:.1f}" y="{y + 2}" width="{w:.1f}" height="{row_h - 8}" fill="{colour}">'
                f"<title>{escape(form['subject_label'])} — {escape(label)}: {format_number(n)}/{format_number(total)}</title></rect>"
            )
            if w > 28:
                fill = "#fff" if key in ("HTXS", "KHT") else "#1d2327"
                parts.append(
                    _text(x + w / 2, y + 16, format_number(n), anchor="middle", extra=f'fill="{fill}"')
                )
            x += w
        parts.append(_text(label_w + bar_w + 6, y + 16, format_number(total)))
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 — every text is escaped above


def progress_chart(children: list[dict[str, Any]], *, limit: int = 40) -> SafeString:
    """One bar per child unit: decided of those to be rated (campaigns.queries.progress_pct)."""
    rows = [c for c in children if c["to_rate"]][:limit]
    label_w, bar_w, row_h = 260, 380, 22
    height = 10 + row_h * max(len(rows), 1)
    width = label_w + bar_w + 60
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}"><title>Tiến độ quyết định xếp loại theo đơn vị</title>'
    ]
    if not rows:
        parts.append(_text(0, 20, "Chưa có đơn vị nào có đối tượng đánh giá.", extra='fill="#6b7280"'))
    for i, c in enumerate(rows):
        y = 5 + i * row_h
        name = c["name"] if len(c["name"]) <= 40 else c["name"][:39] + "…"
        pct = float(c["pct_decided"])
        colour = "#2f855a" if pct >= 100 else "#d69e2e" if pct >= 50 else "#c53030"
        parts.append(_text(label_w - 8, y + 14, name, anchor="end"))
        parts.append(f'<rect x="{label_w}" y="{y + 3}" width="{bar_w}" height="{row_h - 6}" fill="#eef0f3"/>')
        parts.append(
            f'<rect x="{label_w}" y="{y + 3}" width="{bar_w * pct / 100:.1f}" height="{row_h - 6}" '
            f'fill="{colour}"><title>{escape(c["name"])}: {format_number(c["decided"])}/{format_number(c["to_rate"])}</title></rect>'
        )
        parts.append(_text(label_w + bar_w + 6, y + 14, f"{format_number(pct, 0)}%"))
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 — every text is escaped above
