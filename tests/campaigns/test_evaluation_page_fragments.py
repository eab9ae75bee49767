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
from kiemdiem.campaigns.models import AuditRecord
from kiemdiem.campaigns.views import _audit_rows
from kiemdiem.followup.models import SignRelation
from kiemdiem.followup.signs import GROUPS, SIGNS
from kiemdiem.followup.templatetags.followup_panel import sign_rows

OLD_TASKS = '<ol class="tasks">{% for row in tasks %}{% with t=row.t %}<li class="task">\n  <strong>{{ t.title }}</strong>{% if t.target %} — chỉ tiêu: {{ t.target }}{% endif %}{% if t.deadline %} — hạn {{ t.deadline|date:"d/m/Y" }}{% endif %}<br>\n  Kết quả: <span class="result">{{ t.get_result_display }}</span>\n  {% if t.confirmed_at %}<span class="tag">đã xác nhận ({{ t.confirmed_by }}, {{ t.confirmed_at|date:"d/m/Y" }})</span>{% else %}<span class="tag warn">chưa xác nhận</span>{% endif %}\n  {% if row.has_evidence %}<br>Minh chứng: <a href="{% url \'assessments:task_evidence\' ev.pk t.pk %}">{{ row.evidence_name }}</a>{% endif %}\n  {% if t.evidence_link %}<br>Minh chứng: <a href="{{ t.evidence_link }}" rel="noopener noreferrer nofollow">{{ t.evidence_link|truncatechars:60 }}</a>{% endif %}\n  {% if can.confirm %}<form method="post" action="{% url \'assessments:task_action\' ev.pk t.pk %}" class="inline">{% csrf_token %}<input type="hidden" name="do" value="confirm">\n    <select name="result" aria-label="Kết quả xác nhận của {{ t.title }}">{% for value, label in results %}{% if value %}<option value="{{ value }}"{% if t.result == value %} selected{% endif %}>{{ label }}</option>{% endif %}{% endfor %}</select>\n    <button type="submit">Xác nhận</button></form>{% endif %}\n  {% if can.tasks and not t.confirmed_at %}<form method="post" action="{% url \'assessments:task_action\' ev.pk t.pk %}" class="inline">{% csrf_token %}<input type="hidden" name="do" value="delete"><button type="submit" class="link-dark">Xóa</button></form>{% endif %}\n</li>{% endwith %}{% endfor %}</ol>'
OLD_SIGNS = '  {% for row in p.signs %}{% ifchanged row.group %}<tr><th colspan="4">{{ row.group }}</th></tr>{% endifchanged %}\n  <tr><td>{{ row.sign.code }}</td><td>{{ row.sign.summary }}{% if not row.sign.verified %} *{% endif %}</td>\n    <td><input type="checkbox" name="sign-{{ row.sign.code }}" aria-label="Có biểu hiện {{ row.sign.code }}"{% if row.relation.has_sign %} checked{% endif %}{% if not p.can_relate %} disabled{% endif %}></td>\n    <td>{% if p.can_relate %}<input type="text" name="signnote-{{ row.sign.code }}" value="{{ row.relation.note|default:\'\' }}" aria-label="Giải thích {{ row.sign.code }}">{% else %}{{ row.relation.note|default:"" }}{% endif %}</td></tr>{% endfor %}'
OLD_AUDIT = '  <tbody>{% for a in audit %}<tr><td>{{ a.at|date:"d/m/Y H:i" }}</td><td>{{ a.user }}</td><td>{{ a.action_label }}</td><td>{{ a.old_label|default:"—" }} → {{ a.new_label|default:"—" }}</td><td>{{ a.reason }}</td></tr>\n  {% empty %}<tr><td colspan="5" class="muted">Chưa có thay đổi nào.</td></tr>{% endfor %}</tbody>'

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
