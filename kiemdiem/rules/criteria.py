"""The most a rating may be given per-criterion grades (132/124) or points (366)."""

from __future__ import annotations

from collections.abc import Iterable

from .errors import BadInput
from .levels import Grade, Rating
from .regimes import Regime

_XS, _T, _TB = Grade.EXCELLENT.rank, Grade.GOOD.rank, Grade.AVERAGE.rank


def max_rating_from_criteria(
    regime: Regime, grades: Iterable[object], *, result_grades: Iterable[object] = ()
) -> Rating:
    """Highest rating the grades allow.

    `grades` are the grades of every criterion other than the result ones; `result_grades` those of the
    criteria on the results of the tasks ("kết quả thực hiện nhiệm vụ"). Without result grades, every grade
    is read as a result grade — the strictest reading.
    """
    if regime.value("criteria_scale") != "grades":
        raise BadInput(f"{regime.code}: chế độ này chấm điểm thang 100, không dùng cấp độ tiêu chí")
    others = [Grade.parse(g).rank for g in grades]
    results = [Grade.parse(g).rank for g in result_grades]
    if not results:
        results, others = others, []
    if not results:
        raise BadInput("grades: cần ít nhất một cấp độ tiêu chí")
    every = results + others
    # HD 21 2.3 / QĐ 124 Đ12 k4: a "Kém" criterion (A-11: one is enough) ⇒ KHT.
    if min(every) < _TB:
        return Rating.FAIL
    # HTXS: result criteria Xuất sắc, the others Tốt or better (HD 21 II.B 2.3 a; QĐ 124 Đ12 k1).
    if min(results) >= _XS and (not others or min(others) >= _T):
        return Rating.EXCELLENT
    # HTT: result criteria Tốt or better; the others Tốt (HD 21, ❓) or Trung bình (QĐ 124 as translated, ⚠️).
    other_min = _T if regime.value("criteria_good_min_other") == "T" else _TB
    if min(results) >= _T and (not others or min(others) >= other_min):
        return Rating.GOOD
    # HT: the basic criteria Trung bình or better (A-10: every criterion is read as basic).
    return Rating.PASS


def max_rating_from_score(
    regime: Regime,
    score: float,
    *,
    task_completion_pct: float = 100,
    tasks_overdue_pct: float = 0,
    tasks_exceeded_pct: float | None = None,
    remediation_pct: float | None = None,
    has_disciplined_children: bool = False,
) -> Rating:
    """Highest rating under QĐ 366 Điều 11: the score's band, lowered to the conditions met (A-13)."""
    return min(
        score_band(regime, score),
        conditions_band(
            regime,
            task_completion_pct=task_completion_pct,
            tasks_overdue_pct=tasks_overdue_pct,
            tasks_exceeded_pct=tasks_exceeded_pct,
            remediation_pct=remediation_pct,
            has_disciplined_children=has_disciplined_children,
        ),
    )


def score_band(regime: Regime, score: float) -> Rating:
    if regime.value("criteria_scale") != "points":
        raise BadInput(f"{regime.code}: chế độ này dùng cấp độ tiêu chí, không chấm điểm thang 100")
    if isinstance(score, bool) or not isinstance(score, int | float) or not 0 <= score <= 100:
        raise BadInput(f"score: phải là số từ 0 đến 100, nhận {score!r}")
    bands = regime.params
    assert bands.score_excellent_min is not None and bands.score_good_min is not None
    assert bands.score_pass_min is not None
    if score >= bands.score_excellent_min:
        return Rating.EXCELLENT
    if score >= bands.score_good_min:
        return Rating.GOOD
    if score >= bands.score_pass_min:
        return Rating.PASS
    return Rating.FAIL


def conditions_band(
    regime: Regime,
    *,
    task_completion_pct: float = 100,
    tasks_overdue_pct: float = 0,
    tasks_exceeded_pct: float | None = None,
    remediation_pct: float | None = None,
    has_disciplined_children: bool = False,
) -> Rating:
    """Highest band whose task conditions are met (QĐ 366 Điều 11); unknown facts do not count against."""
    params = regime.params
    if params.band_gap_max is None or params.max_overdue_pct_pass is None:
        raise BadInput(f"{regime.code}: chế độ này dùng cấp độ tiêu chí, không chấm điểm thang 100")
    if task_completion_pct < 100 or tasks_overdue_pct > params.max_overdue_pct_pass:
        return params.band_gap_max
    if tasks_overdue_pct > 0:
        return Rating.PASS
    min_exceeded = params.excellent_min_tasks_exceeded_pct
    if (
        (tasks_exceeded_pct is not None and min_exceeded and tasks_exceeded_pct < min_exceeded)
        or (remediation_pct is not None and remediation_pct < 100)
        or has_disciplined_children
    ):
        return Rating.GOOD
    return Rating.EXCELLENT
