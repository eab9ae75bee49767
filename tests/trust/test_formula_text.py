"""Text a spreadsheet reads as a formula: one rule (kiemdiem/text.py) for the import, the admin and the forms; the
exports write every text as a text cell, whatever is stored."""

from __future__ import annotations

import io

import pytest
from django.contrib import admin
from django.forms.models import model_to_dict
from django.test import RequestFactory
from openpyxl import load_workbook

from kiemdiem.campaigns.actions import ActionError, do_record_meeting, ensure_evaluations
from kiemdiem.campaigns.models import Evaluation
from kiemdiem.imports.actions import do_import_workbook
from kiemdiem.imports.validation import ImportRefused
from kiemdiem.orgs.models import Person, Unit
from kiemdiem.reports import export_jobs
from kiemdiem.reports.models import ExportKind
from kiemdiem.text import formula_sign
from tests.campaigns.helpers import submit_self_review
from tests.imports.helpers import person_row, xlsx

FORMULAS = ['=HYPERLINK("http://x")', "@SUM(A1:A9)", "+84912345678", "-2+3", '-cmd|"/c calc"!A0', "  =1+1"]
TEXTS = [
    "Nguyễn Văn An",
    "- Ưu điểm: đoàn kết",
    "+ Hạn chế: chậm báo cáo",
    "-",
    "Chi bộ 1 - thôn 2",
    "Email a@b.vn",
]


@pytest.mark.parametrize("text", FORMULAS)
def test_the_rule_refuses_what_a_spreadsheet_reads_as_a_formula(text):
    assert formula_sign(text) == text.strip()[0]


@pytest.mark.parametrize("text", TEXTS)
def test_the_rule_keeps_bullets_dashes_and_plain_text(text):
    assert formula_sign(text) is None


@pytest.mark.parametrize("text", ["+84912345678", "-2+3", "@SUM(A1:A9)"])
def test_the_import_refuses_every_formula_sign_not_only_equals(district_officer, world, text):
    row = person_row("NV1", "NH-001-01", **{"Họ và tên": text})
    with pytest.raises(ImportRefused) as refused:
        do_import_workbook(
            user=district_officer,
            kind="people",
            content=xlsx("people", [row], as_text=("B2",)),
            file_name="t.xlsx",
        )
    assert refused.value.errors == [
        f"Dòng 2, cột «Họ và tên»: '{text}' bắt đầu bằng dấu '{text[0]}' như một công thức; không được nhận."
    ]
    assert not Person.objects.filter(code="NV1").exists()


def _admin_form(user, model, instance, **changes):  # type: ignore[no-untyped-def]
    request = RequestFactory().post("/quan-tri/")
    request.user = user
    model_admin = admin.site._registry[model]
    form_class = model_admin.get_form(request, instance, change=True)
    data = {k: v for k, v in model_to_dict(instance).items() if v is not None}
    data.update(changes)
    return form_class(data=data, instance=instance)


@pytest.mark.parametrize("text", FORMULAS)
def test_the_admin_refuses_the_same_text_the_import_refuses(world, province_admin, text):
    form = _admin_form(province_admin, Person, world.member_na_hang, full_name=text)
    assert not form.is_valid()
    assert "như một công thức; không được nhận" in " ".join(form.errors["full_name"])
    unit_form = _admin_form(province_admin, Unit, world.cell_na_hang, name=text)
    assert not unit_form.is_valid() and "name" in unit_form.errors


def test_the_admin_keeps_plain_text(world, province_admin):
    form = _admin_form(province_admin, Person, world.member_na_hang, full_name="Ma Văn Hùng - con")
    assert "full_name" not in form.errors


def test_the_forms_refuse_it_through_the_actions_text_cleaner_and_keep_bullets(world, grassroots_officer):
    ensure_evaluations(cycle=world.cycle_na_hang)
    ev = Evaluation.objects.get(cycle=world.cycle_na_hang, person=world.member_na_hang)
    submit_self_review(grassroots_officer, ev, "HT")
    ev.refresh_from_db()
    with pytest.raises(ActionError, match="Ý kiến của tập thể: '=HYPERLINK"):
        do_record_meeting(
            user=grassroots_officer,
            evaluation=ev,
            comments='=HYPERLINK("http://x")',
            attendees="9",
            votes_for="9",
            proposed_rating="HT",
        )
    ev.refresh_from_db()
    saved = do_record_meeting(
        user=grassroots_officer,
        evaluation=ev,
        comments="- Ưu điểm: gương mẫu\n+ Hạn chế: chậm nộp bản kiểm điểm",
        attendees="9",
        votes_for="9",
        proposed_rating="HT",
    )
    assert saved.meeting_comments.startswith("- Ưu điểm")


def test_the_exports_write_stored_formula_text_as_text_cells(world, province_admin):
    # Text stored before the rule (or written around it) still leaves as text, never as a formula.
    Unit.objects.filter(pk=world.cell_na_hang.pk).update(name='=HYPERLINK("http://x")')
    Person.objects.filter(pk=world.member_na_hang.pk).update(full_name="@SUM(A1:A9)", code="-2+3")
    ensure_evaluations(cycle=world.cycle_province)
    cycle, unit = world.cycle_province, Unit.objects.get(pk=world.province.pk)
    for kind in (ExportKind.RATINGS_XLSX, ExportKind.XLSX):
        content, _, _ = export_jobs.build_export(kind, cycle, unit)
        wb = load_workbook(io.BytesIO(content))
        cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
        assert not [c.coordinate for c in cells if c.data_type == "f"], kind
        if kind == ExportKind.RATINGS_XLSX:
            texts = {c.value for c in cells if c.data_type == "s"}
            assert {'=HYPERLINK("http://x")', "@SUM(A1:A9)", "-2+3"} <= texts
