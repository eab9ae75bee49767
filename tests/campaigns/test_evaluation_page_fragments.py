"""The evaluation page's hot loops, now written in Python, give the HTML the template's loops gave (issue 21).

Each loop of the template as it was is kept here and rendered beside its replacement, over the cases the bench
profile lacks: confirmed tasks, evidence files and links, signs related with notes, text that must be escaped.
"""

from __future__ import annotations

import datetime
from types import SimpleNamespace

from django.template import Context, Template

from kiemdiem.accounts.models import User
from kiemdiem.assessments.models import Task, TaskResult
from kiemdiem.assessments.templatetags.assessments import task_items
from kiemdiem.campaigns.models import FACT_FIELDS, AuditRecord, RatingLevel
from kiemdiem.campaigns.views import _audit_rows, _fact_fields
from kiemdiem.followup.models import SignRelation
from kiemdiem.followup.signs import GROUPS, SIGNS
from kiemdiem.followup.templatetags.followup_panel import sign_rows

OLD_TASKS = '<ol class="tasks">{% for row in tasks %}{% with t=row.t %}<li class="task">\n  <strong>{{ t.title }}</strong>{% if t.target %} — chỉ tiêu: {{ t.target }}{% endif %}{% if t.deadline %} — hạn {{ t.deadline|date:"d/m/Y" }}{% endif %}<br>\n  Kết quả: <span class="result">{{ t.get_result_display }}</span>\n  {% if t.confirmed_at %}<span class="tag">đã xác nhận ({{ t.confirmed_by }}, {{ t.confirmed_at|date:"d/m/Y" }})</span>{% else %}<span class="tag warn">chưa xác nhận</span>{% endif %}\n  {% if row.has_evidence %}<br>Minh chứng: <a href="{% url \'assessments:task_evidence\' ev.pk t.pk %}">{{ row.evidence_name }}</a>{% endif %}\n  {% if t.evidence_link %}<br>Minh chứng: <a href="{{ t.evidence_link }}" rel="noopener noreferrer nofollow">{{ t.evidence_link|truncatechars:60 }}</a>{% endif %}\n  {% if can.confirm %}<form method="post" action="{% url \'assessments:task_action\' ev.pk t.pk %}" class="inline">{% csrf_token %}<input type="hidden" name="do" value="confirm">\n    <select name="result" aria-label="Kết quả xác nhận của {{ t.title }}">{% for value, label in results %}{% if value %}<option value="{{ value }}"{% if t.result == value %} selected{% endif %}>{{ label }}</option>{% endif %}{% endfor %}</select>\n    <button type="submit">Xác nhận</button></form>{% endif %}\n  {% if can.tasks and not t.confirmed_at %}<form method="post" action="{% url \'assessments:task_action\' ev.pk t.pk %}" class="inline">{% csrf_token %}<input type="hidden" name="do" value="delete"><button type="submit" class="link-dark">Xóa</button></form>{% endif %}\n</li>{% endwith %}{% endfor %}</ol>'
OLD_SIGNS = '  {% for row in p.signs %}{% ifchanged row.group %}<tr><th colspan="4">{{ row.group }}</th></tr>{% endifchanged %}\n  <tr><td>{{ row.sign.code }}</td><td>{{ row.sign.summary }}{% if not row.sign.verified %} *{% endif %}</td>\n    <td><input type="checkbox" name="sign-{{ row.sign.code }}" aria-label="Có biểu hiện {{ row.sign.code }}"{% if row.relation.has_sign %} checked{% endif %}{% if not p.can_relate %} disabled{% endif %}></td>\n    <td>{% if p.can_relate %}<input type="text" name="signnote-{{ row.sign.code }}" value="{{ row.relation.note|default:\'\' }}" aria-label="Giải thích {{ row.sign.code }}">{% else %}{{ row.relation.note|default:"" }}{% endif %}</td></tr>{% endfor %}'
OLD_AUDIT = '  <tbody>{% for a in audit %}<tr><td>{{ a.at|date:"d/m/Y H:i" }}</td><td>{{ a.user }}</td><td>{{ a.action_label }}</td><td>{{ a.old_label|default:"—" }} → {{ a.new_label|default:"—" }}</td><td>{{ a.reason }}</td></tr>\n  {% empty %}<tr><td colspan="5" class="muted">Chưa có thay đổi nào.</td></tr>{% endfor %}</tbody>'

OLD_FACTS = '  {% for key, label, kind, value in facts %}\n    {% if key in computed_facts %}<p>{{ label }}: <strong>{{ value|default:"—" }}</strong> <span class="muted">(tính từ danh mục nhiệm vụ, sản phẩm)</span></p>\n    {% elif kind == "bool" %}<label><input type="checkbox" name="{{ key }}"{% if value %} checked{% endif %}> {{ label }}</label>\n    {% elif kind == "rating" %}<label>{{ label }} <select name="{{ key }}"><option value="">—</option>{% for code, l in ratings %}<option value="{{ code }}"{% if value == code %} selected{% endif %}>{{ code }}</option>{% endfor %}</select></label>\n    {% else %}<label>{{ label }} <input type="number" step="any" min="0" name="{{ key }}" value="{{ value }}"></label>{% endif %}\n  {% endfor %}\n'  # noqa: E501

OLD_SCORES = '{% for g in groups %}<tr><th colspan="{% if formula %}6{% else %}5{% endif %}">{{ g.group.label }}</th></tr>{% for it in g.items %}<tr><td>{{ it.c.code }}. {{ it.c.label }}</td><td class="num">{{ it.c.max_points|points }}</td>{% if formula %}<td class="num" id="derived-{{ it.c.code }}">{{ it.derived|points }}</td>{% endif %}<td class="num">{{ it.self|points }}{% if it.differs.self %} <span class="tag warn" title="Khác điểm theo công thức">≠</span>{% endif %}</td><td class="num">{{ it.verified|points }}{% if it.differs.verified %} <span class="tag warn" title="Khác điểm theo công thức">≠</span>{% endif %}</td><td class="num">{{ it.decided|points }}{% if it.differs.decided %} <span class="tag warn" title="Khác điểm theo công thức">≠</span>{% endif %}</td></tr>{% endfor %}{% endfor %}'  # noqa: E501

HOSTILE = 'Báo cáo <b>"quý"</b> & kế hoạch'
LINK = "https://example.org/minh-chung?a=1&b=" + "x" * 80
WHEN = datetime.datetime(2026, 12, 30, 20, 30, tzinfo=datetime.UTC)  # 31/12 03:30 in Hà Nội


def _tasks() -> list[dict[str, object]]:
    confirmer = User(username="bantochuc", first_name="Lê", last_name="Thị <Hoa>")
    plain = Task(pk=7, title="Nhiệm vụ 1", target="", deadline=None, result="")
    done = Task(
        pk=8,
        title=HOSTILE,
        target="100% & hơn",
        deadline=datetime.date(2026, 6, 30),
        result=TaskResult.EXCEEDED,
        evidence_link=LINK,
        confirmed_at=WHEN,
        confirmed_by=confirmer,
    )
    late = Task(
        pk=9, title="Nhiệm vụ 3", target="Báo cáo", result=TaskResult.LATE, evidence_link="https://a.vn/x"
    )
    return [
        {"t": plain, "has_evidence": False, "evidence_name": None},
        {"t": done, "has_evidence": True, "evidence_name": "bao <cao>.pdf"},
        {"t": late, "has_evidence": True, "evidence_name": "ok.pdf"},
    ]


def test_the_task_items_are_the_templates():
    for confirm in (True, False):
        for tasks_right in (True, False):
            for token in ("abc<def", None):
                context = {
                    "ev": SimpleNamespace(pk=41),
                    "can": {"confirm": confirm, "tasks": tasks_right},
                    "results": TaskResult.choices,
                    "tasks": _tasks(),
                    "csrf_token": token,
                }
                old = Template("{% load assessments %}" + OLD_TASKS).render(Context(context))
                assert old == '<ol class="tasks">' + task_items(Context(context)) + "</ol>"


def test_the_sign_rows_are_the_templates():
    relations = {
        SIGNS[0].code: SignRelation(code=SIGNS[0].code, has_sign=True, note=HOSTILE),
        SIGNS[5].code: SignRelation(code=SIGNS[5].code, has_sign=False, note=""),
        SIGNS[20].code: SignRelation(code=SIGNS[20].code, has_sign=False, note="Không có"),
    }
    for related in (relations, {}):
        for can_relate in (True, False):
            p = {
                "signs": [
                    {"sign": s, "group": GROUPS[s.group], "relation": related.get(s.code)} for s in SIGNS
                ],
                "can_relate": can_relate,
            }
            old = Template(OLD_SIGNS).render(Context({"p": p}))
            assert old == "  " + sign_rows(p)


def test_the_audit_rows_are_the_templates():
    user = User(username="chibo", first_name="Ma", last_name="Văn <Hùng>")
    rows = [
        AuditRecord(
            at=WHEN, user=user, action="propose", field="proposed_rating", old_value="", new_value="HTT"
        ),
        AuditRecord(
            at=WHEN,
            user=user,
            action="state",
            field="state",
            old_value="draft",
            new_value="proposed",
            reason=HOSTILE,
        ),
    ]
    for audit in (rows, []):
        old = Template(OLD_AUDIT).render(Context({"audit": audit}))
        assert old == "  <tbody>" + _audit_rows(audit) + "</tbody>"


def test_the_fact_fields_are_the_templates():
    """Each kind of fact (a box ticked or not, a rating chosen or not, a number: whole, with decimals written the
    Vietnamese way, typed text, blank) and a computed one shown, against the template's loop."""
    values = [
        {
            "disciplined_in_year": True,
            "sick_leave_days": 12,
            "civil_service_rating": "HTT",
            "task_completion_pct": 87.5,
        },
        {"sick_leave_days": HOSTILE, "civil_service_rating": "<HT>", "remediation_pct": 0},
        {},
    ]
    for recorded in values:
        for computed in (frozenset(), frozenset({"task_completion_pct", "remediation_pct"})):
            facts = [(key, label, kind, recorded.get(key, "")) for key, (label, kind) in FACT_FIELDS.items()]
            context = {"facts": facts, "computed_facts": computed, "ratings": RatingLevel.choices}
            old = Template(OLD_FACTS).render(Context(context))
            assert old == "  " + _fact_fields(facts, computed) + "\n"


def test_the_fragments_dates_and_urls_are_djangos():
    from django.template.defaultfilters import date as date_filter
    from django.urls import reverse

    from kiemdiem.fragments import dmy, shown, url_maker

    for day in (
        datetime.date(2026, 1, 5),
        datetime.date(999, 12, 31),
        datetime.datetime(2026, 11, 29, 23, 59),
    ):
        assert dmy(day) == date_filter(day, "d/m/Y")
    task_url = url_maker("assessments:task_action", 41)
    for task in (1, 41, 4100, 2**40):
        assert task_url(task) == reverse("assessments:task_action", args=[41, task])
    for value in (12, 87.5, "12,5", HOSTILE, True, None, 0.1 + 0.2):
        assert shown(value) == Template("{{ v }}").render(Context({"v": value}))


def test_the_score_rows_are_the_templates():
    """Both groups, items with and without the formula's points, a stage that differs from them, a refused save's
    typed text, a label to escape; with and without a formula column."""
    from decimal import Decimal

    from kiemdiem.assessments.models import Criterion, CriterionGroup
    from kiemdiem.assessments.templatetags.assessments import score_rows

    def item(code, label, top, derived, own, verified, decided, differs):  # type: ignore[no-untyped-def]
        c = Criterion(pk=len(code), code=code, label=label, max_points=Decimal(top))
        stages = dict(zip(("self", "verified", "decided"), differs, strict=True))
        return {
            "c": c,
            "derived": derived,
            "self": own,
            "verified": verified,
            "decided": decided,
            "differs": stages,
        }

    groups = [
        {
            "group": CriterionGroup.GENERAL,
            "items": [
                item("1", HOSTILE, "7.5", "", "7.5", "", "", (False, False, False)),
                item("2", "Đạo đức", "10", "", "9,5 <b>", "10", "9", (False, False, False)),
            ],
        },
        {
            "group": CriterionGroup.RESULTS,
            "items": [item("3.1", "Kết quả", "40", "32.25", "35", "32.25", "", (True, False, False))],
        },
    ]
    for formula in ({"items": 1}, None):
        context = {"groups": groups, "formula": formula}
        old = Template("{% load assessments %}" + OLD_SCORES).render(Context(context))
        assert old == score_rows(Context(context))
