"""`{% scored_form ev %}`: the HD 43 form on the evaluation page, without campaigns importing this app."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template
from django.template.defaultfilters import date as date_filter
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.timezone import template_localtime  # type: ignore[attr-defined]  # in Django, not in its stubs

from kiemdiem.assessments.queries import scoring_context
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
        format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token)
        if token and token != "NOTPROVIDED"
        else ""
    )
    choices = [(value, label) for value, label in context["results"] if value]
    out: list[str] = []
    for row in context["tasks"]:
        t = row["t"]
        action = reverse("assessments:task_action", args=[ev.pk, t.pk])
        confirm = (
            format_html(
                '<form method="post" action="{}" class="inline">{}<input type="hidden" name="do" value="confirm">\n'
                '    <select name="result" aria-label="Kết quả xác nhận của {}">{}</select>\n'
                '    <button type="submit">Xác nhận</button></form>',
                action,
                csrf,
                t.title,
                mark_safe(
                    "".join(
                        format_html(
                            '<option value="{}"{}>{}</option>',
                            value,
                            mark_safe(" selected") if t.result == value else "",
                            label,
                        )
                        for value, label in choices
                    )
                ),
            )
            if can["confirm"]
            else ""
        )
        out.append(
            format_html(
                '<li class="task">\n  <strong>{}</strong>{}{}<br>\n  Kết quả: <span class="result">{}</span>\n  {}\n'
                "  {}\n  {}\n  {}\n  {}\n</li>",
                t.title,
                format_html(" — chỉ tiêu: {}", t.target) if t.target else "",
                format_html(" — hạn {}", date_filter(t.deadline, "d/m/Y")) if t.deadline else "",
                t.get_result_display(),
                format_html(
                    '<span class="tag">đã xác nhận ({}, {})</span>',
                    t.confirmed_by,
                    date_filter(template_localtime(t.confirmed_at), "d/m/Y"),
                )
                if t.confirmed_at
                else mark_safe('<span class="tag warn">chưa xác nhận</span>'),
                format_html(
                    '<br>Minh chứng: <a href="{}">{}</a>',
                    reverse("assessments:task_evidence", args=[ev.pk, t.pk]),
                    row["evidence_name"],
                )
                if row["has_evidence"]
                else "",
                format_html(
                    '<br>Minh chứng: <a href="{}" rel="noopener noreferrer nofollow">{}</a>',
                    t.evidence_link,
                    Truncator(t.evidence_link).chars(60),
                )
                if t.evidence_link
                else "",
                confirm,
                format_html(
                    '<form method="post" action="{}" class="inline">{}<input type="hidden" name="do" value="delete">'
                    '<button type="submit" class="link-dark">Xóa</button></form>',
                    action,
                    csrf,
                )
                if can["tasks"] and not t.confirmed_at
                else "",
            )
        )
    return mark_safe("".join(out))
