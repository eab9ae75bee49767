"""The HTXS cap per comparable group, computed in integers, and the quota planner."""

from __future__ import annotations

from typing import Any

from .errors import BadInput
from .model import QuotaPlan
from .regimes import QUOTA_BASES, ROUNDINGS, Regime


def _scaled(n: int, pct: int, rounding: str) -> int:
    """pct% of n, rounded as asked, in integers."""
    if rounding == "floor":
        return n * pct // 100
    if rounding == "ceil":
        return -(-n * pct // 100)
    return (2 * n * pct + 100) // 200  # half_up


def cap_for(*, excellent: int, good: int, basis: str, ratio_pct: int, rounding: str) -> int:
    """The cap as the regulation states it, for the counts as they are now."""
    base = good if basis == "good_only" else good + excellent
    return _scaled(base, ratio_pct, rounding)


def max_excellent(
    pool: int, *, basis: str = "good_only", ratio_pct: int = 20, rounding: str = "floor"
) -> int:
    """Most HTXS a group of `pool` subjects good-or-better may have (the rest being HTT)."""
    if basis not in QUOTA_BASES:
        raise BadInput(f"quota_basis: giá trị {basis!r} không hợp lệ (chỉ nhận {', '.join(QUOTA_BASES)})")
    if rounding not in ROUNDINGS:
        raise BadInput(f"rounding: giá trị {rounding!r} không hợp lệ (chỉ nhận {', '.join(ROUNDINGS)})")
    if pool <= 0:
        return 0
    if basis == "good_or_better":
        return min(pool, _scaled(pool, ratio_pct, rounding))
    if rounding == "floor":
        # n ≤ r·(P − n)  ⇔  n·(100 + pct) ≤ pct·P   (§2.4: P=10 → 1, P=12 → 2, 25% exception P=25 → 5)
        return ratio_pct * pool // (100 + ratio_pct)
    # Valid counts are downward closed (the cap falls as n rises), so walk up from the floor answer.
    n = ratio_pct * pool // (100 + ratio_pct)
    while n + 1 <= pool and n + 1 <= _scaled(pool - n - 1, ratio_pct, rounding):
        n += 1
    return n


def quota_message(remaining: int) -> str:
    if remaining > 0:
        return f"còn {remaining} suất HTXS"
    if remaining == 0:
        return "đã hết suất HTXS"
    return f"vượt {-remaining} suất HTXS"


def plan_quota(
    *,
    excellent: int,
    good: int,
    basis: str | None = None,
    ratio_pct: int | None = None,
    rounding: str | None = None,
    exception: bool = False,
    exception_ratio_pct: int | None = None,
    regime: Regime | None = None,
) -> QuotaPlan:
    """How many HTXS a group may still have, given how many are rated HTXS and HTT now.

    The HTXS are chosen from the good-or-better pool (rules-and-ambiguities §2.5), so the cap is that of the
    pool `excellent + good` and does not move when a HTT is raised to HTXS.
    """
    for name, value in (("excellent", excellent), ("good", good)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise BadInput(f"{name}: phải là số nguyên không âm, nhận {value!r}")

    # Unset values come from the regime's parameters when one is given, else the defaults (good_only, floor, 20/25%).
    def pick(value: object, key: str, default: object) -> Any:
        if value is not None:
            return value
        return regime.value(key) if regime is not None else default

    basis = pick(basis, "quota_basis", "good_only")
    rounding = pick(rounding, "rounding", "floor")
    ratio_pct = pick(ratio_pct, "quota_ratio_pct", 20)
    exception_ratio_pct = pick(exception_ratio_pct, "quota_exception_ratio_pct", 25)
    if exception and not exception_ratio_pct:
        raise BadInput("exception: chế độ này không có ngoại lệ 25% (chỉ có từ QĐ 366)")
    pct = exception_ratio_pct if exception else ratio_pct
    cap = max_excellent(excellent + good, basis=basis, ratio_pct=pct, rounding=rounding)
    remaining = cap - excellent
    return QuotaPlan(excellent, good, cap, remaining, quota_message(remaining))
