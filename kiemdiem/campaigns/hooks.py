"""Extension points that apps above campaigns fill in, so that campaigns never imports them.

Follow-up (suggestions, remediation) registers in its AppConfig.ready(): a check that a self-review must pass
before it is submitted, and a panel of its own on the evaluation page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kiemdiem.accounts.models import User
    from kiemdiem.campaigns.models import Evaluation, Order

SelfReviewCheck = Callable[["Evaluation"], list[str]]
EvaluationPanel = Callable[["User", "Evaluation"], Any]
OrderListener = Callable[["Order"], None]

_self_review_checks: list[SelfReviewCheck] = []
_evaluation_panels: dict[str, EvaluationPanel] = {}
_order_listeners: list[OrderListener] = []


def register_self_review_check(check: SelfReviewCheck) -> None:
    """Add a check returning what a self-review still lacks, one Vietnamese line per point."""
    if check not in _self_review_checks:
        _self_review_checks.append(check)


def register_evaluation_panel(name: str, panel: EvaluationPanel) -> None:
    """Add a context entry `name` to the evaluation page, built by `panel(user, evaluation)`."""
    _evaluation_panels[name] = panel


def register_order_listener(listener: OrderListener) -> None:
    """Call `listener(order)` inside the transaction of every re-review or re-rating order (to notify people)."""
    if listener not in _order_listeners:
        _order_listeners.append(listener)


def order_placed(order: Order) -> None:
    for listener in _order_listeners:
        listener(order)


def missing_for_self_review(ev: Evaluation) -> list[str]:
    return [line for check in _self_review_checks for line in check(ev)]


def evaluation_panels(user: User, ev: Evaluation) -> dict[str, Any]:
    return {name: panel(user, ev) for name, panel in _evaluation_panels.items()}


# Which of an evaluation's lists have rows. Most evaluations have none of a page's many lists (suggestions, plans,
# orders, scores …), and a query each, with its ORM compilation, was most of the page's cost (issue 21). Each app
# registers a probe: `probe(evaluation) -> {name: (SQL of one EXISTS, its parameters)}`; the page asks them all in
# one query (`probe_evaluation`) and keeps the answers on the evaluation object it renders, where the app's panel
# finds them (`probed`). A panel called on an object the page has not probed reads as it always did.
Probe = tuple[str, list[Any]]
EvaluationProbe = Callable[["Evaluation"], dict[str, Probe]]
_evaluation_probes: list[EvaluationProbe] = []
_PROBED = "_probed_lists"


def register_evaluation_probe(probe: EvaluationProbe) -> None:
    if probe not in _evaluation_probes:
        _evaluation_probes.append(probe)


def probe_evaluation(ev: Evaluation, own: dict[str, Probe] | None = None) -> dict[str, bool]:
    """Ask every registered probe (and `own`, the caller's) in one query; kept on `ev` for `probed`."""
    asked: dict[str, Probe] = dict(own or {})
    for probe in _evaluation_probes:
        asked.update(probe(ev))
    found = ask(asked)
    ev.__dict__[_PROBED] = found
    return found


def ask(probes: dict[str, Probe]) -> dict[str, bool]:
    """These EXISTS probes, in one query."""
    if not probes:
        return {}
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT " + ", ".join(f"EXISTS ({sql})" for sql, _ in probes.values()),
            [param for _, params in probes.values() for param in params],
        )
        row = cursor.fetchone()
    return {name: bool(value) for name, value in zip(probes, row, strict=True)}


def probed(ev: Evaluation, name: str) -> bool | None:
    """What `probe_evaluation` found for `name` on this object; None when it was not asked."""
    return ev.__dict__.get(_PROBED, {}).get(name)


# Scoring (the assessments app) registers the three below.
# - `cycle_opened`: called with a new cycle inside the action that opens it (freezes the criteria frameworks the
#   cycle keeps).
# - `computed_facts`: the facts of an evaluation computed elsewhere (the task register's percentages), so never
#   typed: `do_update_facts` refuses them and keeps their computed values.
# - `derived_facts`: facts the rules read that depend on other evaluations (a leader's units), added to the rows of
#   a check: `(cycle, rows) -> {evaluation id: {fact: value}}`.
cycle_opened: list[Callable[[Any], None]] = []
computed_facts: list[Callable[[Any], frozenset[str]]] = []
derived_facts: list[Callable[[Any, list[Any]], dict[int, dict[str, object]]]] = []
# - `derived_reads`: what `derived_facts` reads, for the rating page's key (`compliance.page_stamps`): SQL selecting
#   `(id, updated_at)` of the evaluations whose change moves a derived fact of the unit's rows, where `own` is a
#   table of the unit's rows (id, …) and `{cycle}` the cycle's id.
derived_reads: list[str] = []


def run_cycle_opened(cycle: Any) -> None:
    for hook in cycle_opened:
        hook(cycle)


def computed_fact_keys(evaluation: Any) -> frozenset[str]:
    keys: frozenset[str] = frozenset()
    for hook in computed_facts:
        keys |= hook(evaluation)
    return keys


def derived_facts_for(cycle: Any, rows: list[Any]) -> dict[int, dict[str, object]]:
    extra: dict[int, dict[str, object]] = {}
    for hook in derived_facts:
        for pk, facts in hook(cycle, rows).items():
            extra.setdefault(pk, {}).update(facts)
    return extra
