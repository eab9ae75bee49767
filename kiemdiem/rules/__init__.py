"""The rules engine: levels, regimes, checks and the HTXS quota — pure Python, never Django."""

from .checks import CEILING_CODES, FINDING_CODES, check, check_json, check_quota, merge
from .citations import Citation
from .codes import MEANING, Code
from .criteria import max_rating_from_criteria, max_rating_from_score, score_band
from .errors import BadInput
from .levels import Grade, Rating, Role, SubjectType
from .model import (
    Criteria,
    Facts,
    Finding,
    QuotaGroupSettings,
    QuotaPlan,
    QuotaTally,
    Result,
    Scenario,
    Subject,
)
from .params import ParameterKey, Params
from .parse import make_scenario, parse_facts, parse_scenario
from .quota import max_excellent, plan_quota
from .readings import Reading, score_band_gap_reading
from .regimes import (
    OVERLAYS,
    REGIMES,
    Overlay,
    Parameter,
    Regime,
    deadlines_for,
    overlay_for,
    regime_for_year,
)

__all__ = [
    "BadInput",
    "CEILING_CODES",
    "Citation",
    "Code",
    "Criteria",
    "FINDING_CODES",
    "Facts",
    "Finding",
    "Grade",
    "MEANING",
    "OVERLAYS",
    "Overlay",
    "Parameter",
    "ParameterKey",
    "Params",
    "QuotaGroupSettings",
    "QuotaPlan",
    "QuotaTally",
    "REGIMES",
    "Rating",
    "Reading",
    "Regime",
    "Result",
    "Role",
    "Scenario",
    "Subject",
    "SubjectType",
    "check",
    "check_json",
    "check_quota",
    "deadlines_for",
    "max_excellent",
    "max_rating_from_criteria",
    "max_rating_from_score",
    "merge",
    "overlay_for",
    "make_scenario",
    "parse_facts",
    "parse_scenario",
    "plan_quota",
    "regime_for_year",
    "score_band",
    "score_band_gap_reading",
]
