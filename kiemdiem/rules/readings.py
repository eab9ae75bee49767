"""Readings of the regulation that a page shows beside the rating it bears on (docs/decisions.md)."""

from __future__ import annotations

from dataclasses import dataclass

from .citations import Citation
from .levels import Rating
from .regimes import regime_for_year


@dataclass(frozen=True, slots=True)
class Reading:
    """How the engine reads a point the text leaves open, with the clause and whether the digest verified it."""

    question: str
    answer: str
    max_rating: Rating
    citation: Citation
    verified: bool


def score_band_gap_reading(year: int) -> Reading | None:
    """QĐ 366 Điều 11: a member who scores 50–70 points (or more) without completing every task.

    The bands' conditions (HT and above need 100% of tasks, at most 20% late) and the KHT list (more than half of
    the tasks not completed, or under 50 points) leave a gap; the regime's `band_gap_max` says how it is read.
    None for a year whose regime grades criteria instead of scoring.
    """
    regime = regime_for_year(year)
    if regime.value("criteria_scale") != "points":
        return None
    parameter = regime.parameter("band_gap_max")
    top = Rating.parse(parameter.value)
    question = (
        "Đạt từ 50 điểm trở lên nhưng không hoàn thành 100% nhiệm vụ (hoặc có quá 20% nhiệm vụ chậm tiến độ), "
        "trong khi số nhiệm vụ không hoàn thành chưa quá 50%: xếp loại thế nào?"
    )
    if top is Rating.FAIL:
        answer = (
            "Điều kiện của mức HT (100% nhiệm vụ, chậm tiến độ không quá 20%) là bắt buộc: không đạt thì xếp KHT, "
            "dù điểm từ 50 trở lên và chưa rơi vào trường hợp KHT được liệt kê."
        )
    else:
        answer = (
            f"Tối đa {top.code} ({top.label}). Danh sách các trường hợp KHT của Điều 11 được đọc là đầy đủ: "
            "đảng viên chỉ bị KHT khi dưới 50 điểm hoặc quá 50% nhiệm vụ không hoàn thành. Điều kiện "
            "“100% nhiệm vụ” của các mức là điều kiện để được xếp lên mức đó, không phải căn cứ xếp KHT, "
            "nên người đạt 50–70 điểm mà chưa hoàn thành hết nhiệm vụ vẫn được HT, còn người đạt từ 70 điểm "
            "trở lên thì không được quá HT."
        )
    if not parameter.verified:
        answer += (
            " Đây là cách đọc chưa được đối chiếu với nguyên văn: cấp có thẩm quyền có thể quyết định khác, "
            "ghi rõ lý do."
        )
    return Reading(question, answer, top, parameter.citation, parameter.verified)
