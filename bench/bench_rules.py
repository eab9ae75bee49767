"""Benchmark: check a province-sized scenario (≈170,000 subjects) with the rules engine.

Run: python bench/bench_rules.py [--seed N]. Prints a Markdown table and writes bench/rules_results.json.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from kiemdiem.rules import check, check_json, parse_scenario  # noqa: E402

MEMBERS = 140_000
GRASSROOTS = 1_200  # quota groups for members (one per grassroots organisation)
CELLS = 7_800  # cells under the grassroots organisations (≈ 9,000 party organisations in all)
UPPER = 40
AGENCIES = 1_000
COLLECTIVES = 3_000
LEADERS = 18_000


def _rating(rng: random.Random) -> str | None:
    x = rng.random()
    if x < 0.12:
        return "HTXS"
    if x < 0.80:
        return "HTT"
    if x < 0.96:
        return "HT"
    if x < 0.98:
        return "KHT"
    return None


def build(seed: int = 2021, year: int = 2021) -> dict:  # type: ignore[type-arg]
    """A realistic province: members in cells under grassroots organisations, agencies, boards, leaders."""
    rng = random.Random(seed)
    subjects: list[dict] = []  # type: ignore[type-arg]
    cell_members: list[list[str]] = [[] for _ in range(CELLS)]
    for i in range(MEMBERS):
        cell = i % CELLS
        sid = f"dv{i}"
        cell_members[cell].append(sid)
        facts: dict[str, object] = {
            "admitted_on": f"{rng.randint(1970, year)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            "sick_leave_days": 0 if rng.random() < 0.97 else rng.randint(1, 180),
            "task_completion_pct": 100 if rng.random() < 0.95 else rng.randint(30, 99),
            "disciplined_in_year": rng.random() < 0.005,
            "degradation_concluded": False,
            "reviewed": rng.random() < 0.995,
            "exempt": rng.random() < 0.01,
            "suspended": False,
        }
        if rng.random() < 0.4:
            facts["civil_service_rating"] = rng.choice(("HTXS", "HTT", "HTT", "HT"))
        subjects.append(
            {
                "id": sid,
                "type": "party_member",
                "quota_group": f"tccs-{cell % GRASSROOTS}",
                "rating": _rating(rng),
                "facts": facts,
            }
        )
    for c in range(CELLS):
        subjects.append(
            {
                "id": f"cb{c}",
                "type": "party_organization",
                "children": cell_members[c],
                "rating": _rating(rng),
                "quota_group": f"chi-bo-{c % 40}",
                "facts": {"same_level_bodies_min_rating": rng.choice(("HTT", "HTXS", "HT"))},
            }
        )
    for g in range(GRASSROOTS):
        subjects.append(
            {
                "id": f"tccs{g}",
                "type": "party_organization",
                "children": [f"cb{c}" for c in range(g, CELLS, GRASSROOTS)],
                "rating": _rating(rng),
                "quota_group": f"tccs-huyen-{g % UPPER}",
            }
        )
    for u in range(UPPER):
        subjects.append(
            {
                "id": f"huyen{u}",
                "type": "party_organization",
                "children": [f"tccs{g}" for g in range(u, GRASSROOTS, UPPER)],
                "rating": _rating(rng),
            }
        )
    for a in range(AGENCIES):
        subjects.append({"id": f"cq{a}", "type": "agency", "rating": _rating(rng)})
    for b in range(COLLECTIVES):
        subjects.append(
            {
                "id": f"tt{b}",
                "type": "leadership_collective",
                "unit": f"cq{b % AGENCIES}",
                "quota_group": f"tt-loai-{b % 30}",
                "rating": _rating(rng),
                "facts": {"member_disciplined_warning_or_above": rng.random() < 0.01},
            }
        )
    roles = ("head", "deputy", "deputy", "member", "member", "member")
    for p in range(LEADERS):
        coll = p % COLLECTIVES
        subjects.append(
            {
                "id": f"cb-ldql{p}",
                "type": "leader",
                "role": roles[p // COLLECTIVES % len(roles)],
                "collective": f"tt{coll}",
                "unit": f"cq{coll % AGENCIES}",
                "quota_group": f"chuc-danh-{p % 300}",
                "rating": _rating(rng),
                "facts": {"task_completion_pct": 100 if rng.random() < 0.97 else rng.randint(30, 99)},
            }
        )
    return {"year": year, "options": {"quota_basis": "good_only"}, "subjects": subjects}


def best_of(fn, repeat: int = 3) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=2021)
    args = parser.parse_args()
    data = build(args.seed)
    scenario = parse_scenario(data)
    n = len(scenario.subjects)
    result = check(scenario)
    check_s = best_of(lambda: check(scenario))
    parse_s = best_of(lambda: parse_scenario(data))
    check_json_s = best_of(lambda: check_json(data))
    print("| Measure (best of 3) | Subjects | Seconds | Target |")
    print("|---|---:|---:|---:|")
    print(f"| `check()` on a parsed scenario | {n:,} | {check_s:.3f} | ≤ 2.000 |")
    print(f"| `parse_scenario()` (validation) | {n:,} | {parse_s:.3f} | — |")
    print(f"| `check_json()` (parse + check + output dict) | {n:,} | {check_json_s:.3f} | — |")
    print(f"\nFindings: {len(result.findings):,}; quota groups: {len(result.quota_groups):,}")
    out = {"subjects": n, "check_s": round(check_s, 4), "check_json_s": round(check_json_s, 4)}
    (Path(__file__).resolve().parent / "rules_results.json").write_text(json.dumps(out) + "\n")


if __name__ == "__main__":
    main()
