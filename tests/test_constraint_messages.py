"""Every database constraint of the project refuses in Vietnamese, naming its fields or rule, through `full_clean`
and through the admin's forms: Django's own "Constraint “…” is violated" never reaches a clerk (issue 17).

The constraints are read from the models, so a new one without a message (or without a way to break it here)
fails these tests."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.forms.models import model_to_dict
from django.urls import reverse

PROJECT_APPS = {"accounts", "orgs", "campaigns", "assessments", "followup", "reports", "imports"}


def _constraints() -> list[tuple[type[models.Model], models.BaseConstraint]]:
    return [
        (model, constraint)
        for model in apps.get_models()
        if model._meta.app_label in PROJECT_APPS
        for constraint in model._meta.constraints
    ]


CONSTRAINTS = _constraints()
IDS = [constraint.name for _, constraint in CONSTRAINTS]

# How to break each check constraint on a row that satisfies it.
BREAK_CHECK = {
    "unit_validity_ordered": {
        "valid_from": datetime.date(2021, 1, 1),
        "valid_to": datetime.date(2020, 12, 31),
    },
    "party_member_has_admission_date": {"is_party_member": True, "admitted_on": None},
    "quarter_in_range": {"quarter": 5},
    "criterion_max_positive": {"max_points": Decimal(0)},
}

ADMITTED = datetime.date(2010, 5, 19)

# What a row must hold to fall under a conditional unique constraint (or to make its fields non-null).
MATCH_UNIQUE = {
    "one_current_head_per_collective": lambda: {
        "role": "head",
        "collective": _row("orgs.LeadershipCollective"),
    },
    "one_cycle_per_unit_period": lambda: {"quarter": 1},
    "one_evaluation_per_person_type": lambda: {"person": _row("orgs.Person"), "collective": None},
    "one_evaluation_per_collective": lambda: {
        "collective": _row("orgs.LeadershipCollective"),
        "person": None,
    },
    "one_evaluation_per_unit_type": lambda: {"person": None, "collective": None},
    "framework_version_number_unique": lambda: {"unit": _row("orgs.Unit")},
    "framework_central_version_unique": lambda: {"unit": None},
    "party_card_number_unique": lambda: {"party_card_number": "093012345", "admitted_on": ADMITTED},
    "personal_record_number_unique": lambda: {"personal_record_number": "LL-0001", "admitted_on": ADMITTED},
}


def _row(label: str, **values: object) -> models.Model:
    """A saved row of the model: an existing one, or one built with plain values for its required fields."""
    model = apps.get_model(label)
    if not values and (existing := model._default_manager.first()) is not None:
        return existing
    fields: dict[str, object] = {}
    for field in model._meta.concrete_fields:
        if field.primary_key or field.null or field.has_default() or field.name in values:
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            continue
        if field.is_relation:
            fields[field.name] = _row(field.related_model._meta.label)
        elif field.choices:
            fields[field.name] = field.choices[0][0]
        elif isinstance(field, models.DateField):
            fields[field.name] = datetime.date(2021, 12, 1)
        elif isinstance(field, models.JSONField):
            fields[field.name] = {}
        elif isinstance(field, (models.IntegerField, models.DecimalField)):
            fields[field.name] = 2031  # a year no other row of the tests uses
        else:
            fields[field.name] = f"constraint-{model.__name__}"[: field.max_length or 40]
    return model._default_manager.create(**{**fields, **values})


def _violating(model: type[models.Model], constraint: models.BaseConstraint) -> models.Model:
    """An unsaved instance that breaks the constraint (and, for a unique one, only duplicates a saved row)."""
    if isinstance(constraint, models.CheckConstraint):
        assert constraint.name in BREAK_CHECK, f"add how to break {constraint.name} to BREAK_CHECK"
        instance = _row(model._meta.label)
        for name, value in BREAK_CHECK[constraint.name].items():
            setattr(instance, name, value)
        return instance
    assert isinstance(constraint, models.UniqueConstraint)
    match = MATCH_UNIQUE.get(constraint.name, dict)()
    saved = _row(model._meta.label, **match) if match else _row(model._meta.label)
    if constraint.condition is not None:
        assert model._default_manager.filter(pk=saved.pk).filter(constraint.condition).exists(), (
            f"add what a row needs to fall under {constraint.name} to MATCH_UNIQUE"
        )
    copy = model._default_manager.get(pk=saved.pk)
    copy.pk = None
    copy.id = None
    copy._state.adding = True
    return copy


def _messages(error: ValidationError) -> list[str]:
    return [message for messages in error.message_dict.values() for message in messages]


def test_every_constraint_has_a_vietnamese_message():
    assert len(CONSTRAINTS) >= 31
    for model, constraint in CONSTRAINTS:
        message = constraint.violation_error_message
        assert message != constraint.default_violation_error_message, f"{model.__name__}.{constraint.name}"
        assert "%(name)s" not in message and "violated" not in message
        assert any(ch in message for ch in "ăâđêôơưạảãáàệếềểễịọốồổỗộớờởỡợụủứừửữựỳýỷỹ"), message


@pytest.mark.parametrize(("model", "constraint"), CONSTRAINTS, ids=IDS)
def test_full_clean_refuses_in_vietnamese(world, model, constraint):
    instance = _violating(model, constraint)
    with pytest.raises(ValidationError) as refused:
        instance.full_clean()
    messages = _messages(refused.value)
    assert constraint.violation_error_message in messages
    assert not any("violated" in message for message in messages)


def _post_data(form_class, instance: models.Model) -> dict[str, object]:
    """What a clerk's browser sends when the admin's add form holds the instance's values."""
    values = model_to_dict(instance)
    data: dict[str, object] = {}
    for name in form_class.base_fields:
        value = values.get(name)
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        elif value is None:
            data[name] = ""
        elif isinstance(value, (list, tuple)):
            data[name] = [getattr(v, "pk", v) for v in value]
        elif isinstance(value, datetime.date):
            data[name] = value.isoformat()
        else:
            data[name] = value
    return data


@pytest.mark.parametrize(
    ("model", "constraint"),
    [(m, c) for m, c in CONSTRAINTS if m in admin.site._registry],
    ids=[c.name for m, c in CONSTRAINTS if m in admin.site._registry],
)
def test_the_admin_refuses_in_vietnamese_and_keeps_the_form(
    client, world, province_admin, rf, model, constraint
):
    model_admin = admin.site._registry[model]
    request = rf.get("/")
    request.user = province_admin
    if not model_admin.has_add_permission(request):
        pytest.skip(f"{model.__name__} has no add form in the admin (written through its pages)")
    instance = _violating(model, constraint)
    count = model._default_manager.count()
    client.force_login(province_admin)
    data = _post_data(model_admin.get_form(request), instance)
    response = client.post(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add"), data)
    assert response.status_code == 200, response.status_code
    assert model._default_manager.count() == count
    text = response.content.decode()
    assert constraint.violation_error_message in text
    assert "violated" not in text
