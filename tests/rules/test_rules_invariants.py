"""Hypothesis: lowering a rating never creates a ceiling finding for that subject."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from kiemdiem.rules import CEILING_CODES, check_json

RATINGS = ["KHT", "HT", "HTT", "HTXS"]
ratings = st.sampled_from(RATINGS)

member_facts = st.fixed_dictionaries(
    {},
    optional={
        "disciplined_in_year": st.booleans(),
        "discipline_self_remedied": st.booleans(),
        "discipline_related_to_duties": st.booleans(),
        "sick_leave_days": st.integers(0, 200),
        "civil_service_rating": ratings,
        "task_completion_pct": st.integers(0, 100),
        "key_targets_missed": st.booleans(),
        "tasks_exceeded_pct": st.integers(0, 100),
        "tasks_overdue_pct": st.integers(0, 100),
        "remediation_pct": st.integers(0, 100),
        "degradation_concluded": st.booleans(),
        "conduct_violation": st.booleans(),
        "led_unit_rating": ratings,
        "led_units_failed_pct": st.integers(0, 100),
        "low_confidence_pct": st.integers(0, 100),
        "admitted_on": st.sampled_from(["2000-01-01", "2021-09-01", "2025-10-01"]),
    },
)
collective_facts = st.fixed_dictionaries(
    {},
    optional={
        "disciplined_in_year": st.booleans(),
        "member_disciplined_in_year": st.booleans(),
        "member_disciplined_warning_or_above": st.booleans(),
        "member_discipline_self_remedied": st.booleans(),
        "children_disciplined_pct": st.integers(0, 100),
        "task_completion_pct": st.integers(0, 100),
        "key_targets_missed": st.booleans(),
        "internal_disunity_concluded": st.booleans(),
        "same_level_bodies_min_rating": ratings,
    },
)


@st.composite
def scenarios(draw: st.DrawFn) -> dict:
    year = draw(st.sampled_from([2021, 2022, 2023, 2025]))
    n_members = draw(st.integers(1, 6))
    subjects: list[dict] = []
    for i in range(n_members):
        s = {"id": f"m{i}", "type": "party_member", "quota_group": "g", "rating": draw(ratings)}
        s["facts"] = draw(member_facts)
        if year == 2025 and draw(st.booleans()):
            s["score"] = draw(st.integers(0, 100))
        subjects.append(s)
    subjects.append({"id": "so", "type": "agency", "rating": draw(ratings), "facts": draw(collective_facts)})
    subjects.append(
        {
            "id": "bgd",
            "type": "leadership_collective",
            "unit": "so",
            "rating": draw(ratings),
            "facts": draw(collective_facts),
        }
    )
    for role in ("head", "deputy", "member"):
        subjects.append(
            {
                "id": f"ld-{role}",
                "type": "leader",
                "role": role,
                "collective": "bgd",
                "rating": draw(ratings),
                "facts": draw(member_facts),
            }
        )
    subjects.append(
        {
            "id": "cb",
            "type": "party_organization",
            "children": [f"m{i}" for i in range(n_members)],
            "rating": draw(ratings),
            "facts": draw(collective_facts),
        }
    )
    return {
        "year": year,
        "subjects": subjects,
        "options": {"head_cap": True, "cap_deputies": draw(st.booleans())},
    }


def _ceilings(result: dict, sid: str) -> set[str]:
    return {f["code"] for f in result["findings"] if f["code"] in CEILING_CODES and f["subjects"][0] == sid}


@settings(max_examples=400, deadline=None)
@given(data=scenarios(), pick=st.integers(0, 100), steps=st.integers(1, 3))
def test_lowering_a_rating_never_creates_a_ceiling_finding(data: dict, pick: int, steps: int) -> None:
    subjects = data["subjects"]
    target = subjects[pick % len(subjects)]
    before = _ceilings(check_json(data), target["id"])
    lowered = RATINGS[max(0, RATINGS.index(target["rating"]) - steps)]
    changed = {**data, "subjects": [{**s, "rating": lowered} if s is target else s for s in subjects]}
    after = _ceilings(check_json(changed), target["id"])
    assert after <= before, (target["id"], target["rating"], lowered, after - before)


@settings(max_examples=200, deadline=None)
@given(data=scenarios())
def test_every_finding_names_known_subjects_and_cites_a_document(data: dict) -> None:
    ids = {s["id"] for s in data["subjects"]}
    result = check_json(data)
    assert result["valid"] == (not result["findings"])
    for f in result["findings"]:
        assert set(f["subjects"]) <= ids
        assert f["citation"]["document"] and f["citation"]["article"]
