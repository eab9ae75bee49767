"""`{% scored_form ev %}`: the HD 43 form on the evaluation page, without campaigns importing this app."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.timezone import template_localtime  # type: ignore[attr-defined]  # in Django, not in its stubs

from kiemdiem.assessments.queries import scoring_context
from kiemdiem.fragments import dmy, esc, shown, url_maker
from kiemdiem.vietnamese import format_number

register = template.Library()


@register.inclusion_tag("assessments/_scored.html", takes_context=True)
def scored_form(context, evaluation):
    out = scoring_context(context["request"].user, evaluation)
    out["csrf_token"] = context.get("csrf_token")
    return out


@register.filter
def points(value):
    """Points as Vietnamese write them: 99,5 and 30 (a comma, no trailing zeros); "—" when there are none."""
    if value in (None, ""):
        return "—"
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return value
    return format_number(number)


@register.simple_tag(takes_context=True)
def task_items(context) -> SafeString:
    """The register's tasks on the evaluation page, one `<li>` each, as the template's loop wrote them: the loop (a
    form, a select and two links per task) was the largest share of the scored form's rendering (issue 21)."""
    ev, can = context["ev"], context["can"]
    token = context.get("csrf_token")
    csrf = (
        f'<input type="hidden" name="csrfmiddlewaretoken" value="{esc(token)}">'
        if token and token != "NOTPROVIDED"
        else ""
    )
    choices = [(value, esc(label)) for value, label in context["results"] if value]
    action_url = url_maker("assessments:task_action", ev.pk)
    evidence_url = url_maker("assessments:task_evidence", ev.pk)
    out: list[str] = []
    for row in context["tasks"]:
        t = row["t"]
        title = esc(t.title)
        action = esc(action_url(t.pk)) if can["confirm"] or can["tasks"] else ""
        out.append(f'<li class="task">\n  <strong>{title}</strong>')
        if t.target:
            out.append(f" — chỉ tiêu: {esc(t.target)}")
        if t.deadline:
            out.append(f" — hạn {dmy(t.deadline)}")
        out.append(f'<br>\n  Kết quả: <span class="result">{esc(t.get_result_display())}</span>\n  ')
        if t.confirmed_at:
            when = dmy(template_localtime(t.confirmed_at))
            out.append(f'<span class="tag">đã xác nhận ({esc(t.confirmed_by)}, {when})</span>')
        else:
            out.append('<span class="tag warn">chưa xác nhận</span>')
        out.append("\n  ")
        if row["has_evidence"]:
            url = esc(evidence_url(t.pk))
            out.append(f'<br>Minh chứng: <a href="{url}">{esc(row["evidence_name"])}</a>')
        out.append("\n  ")
        if t.evidence_link:
            short = esc(Truncator(t.evidence_link).chars(60))
            out.append(
                f'<br>Minh chứng: <a href="{esc(t.evidence_link)}" rel="noopener noreferrer nofollow">{short}</a>'
            )
        out.append("\n  ")
        if can["confirm"]:
            options = "".join(
                f'<option value="{esc(value)}"{" selected" if t.result == value else ""}>{label}</option>'
                for value, label in choices
            )
            out.append(
                f'<form method="post" action="{action}" class="inline">{csrf}<input type="hidden" name="do" '
                f'value="confirm">\n    <select name="result" aria-label="Kết quả xác nhận của {title}">{options}'
                '</select>\n    <button type="submit">Xác nhận</button></form>'
            )
        out.append("\n  ")
        if can["tasks"] and not t.confirmed_at:
            out.append(
                f'<form method="post" action="{action}" class="inline">{csrf}<input type="hidden" name="do" '
                'value="delete"><button type="submit" class="link-dark">Xóa</button></form>'
            )
        out.append("\n</li>")
    return mark_safe("".join(out))


_DIFFERS = ' <span class="tag warn" title="Khác điểm theo công thức">≠</span>'


@register.simple_tag(takes_context=True)
def score_rows(context) -> SafeString:
    """The table of points item by item, one `<tr>` per group and per item, as the template's loops wrote them
    (issue 21): code and label, maximum, the formula's points (when any item has one), self, verified, decided;
    a points' value that differs from the formula's marked ≠."""
    formula = bool(context["formula"])
    out: list[str] = []
    for g in context["groups"]:
        out.append(f'<tr><th colspan="{6 if formula else 5}">{esc(g["group"].label)}</th></tr>')
        for it in g["items"]:
            c, differs = it["c"], it["differs"]
            code = esc(c.code)
            out.append(
                f'<tr><td>{code}. {esc(c.label)}</td><td class="num">{shown(points(c.max_points))}</td>'
            )
            if formula:
                out.append(f'<td class="num" id="derived-{code}">{shown(points(it["derived"]))}</td>')
            for stage in ("self", "verified", "decided"):
                out.append(
                    f'<td class="num">{shown(points(it[stage]))}{_DIFFERS if differs[stage] else ""}</td>'
                )
            out.append("</tr>")
    return mark_safe("".join(out))
