"""The sections of the official self-review forms, per regime and subject (report-forms.md §1–3)."""

from __future__ import annotations

from dataclasses import dataclass

from kiemdiem.campaigns.models import SubjectType

GRADES = [("XS", "Xuất sắc"), ("T", "Tốt"), ("TB", "Trung bình"), ("K", "Kém")]


@dataclass(frozen=True)
class Criterion:
    key: str
    label: str
    is_result: bool = False  # the result criteria must be "Xuất sắc" for HTXS (HD 21 II.B)


@dataclass(frozen=True)
class ReviewForm:
    code: str
    title: str
    sections: tuple[tuple[str, str], ...]  # (key, heading)
    criteria: tuple[Criterion, ...] = ()  # graded criteria (132/124)
    scored: bool = False  # 100-point scale (366): general /30 + results /70


_COMMON_TAIL = (
    ("shortcomings", "II. Hạn chế, khuyết điểm và nguyên nhân"),
    (
        "remedies",
        "III. Kết quả khắc phục hạn chế, khuyết điểm đã được cấp có thẩm quyền kết luận hoặc chỉ ra ở kỳ trước",
    ),
    ("suggestions", "IV. Giải trình những vấn đề được gợi ý kiểm điểm (nếu có)"),
    ("responsibility", "V. Làm rõ trách nhiệm đối với hạn chế, khuyết điểm của tập thể (nếu có)"),
    ("direction", "VI. Phương hướng, biện pháp khắc phục hạn chế, khuyết điểm"),
)

_INDIVIDUAL_STRENGTHS = (
    ("politics", "I.1. Tư tưởng chính trị"),
    (
        "ethics",
        "I.2. Phẩm chất đạo đức, lối sống; liên hệ các biểu hiện suy thoái, \u201ctự diễn biến\u201d, \u201ctự chuyển hóa\u201d",
    ),
    ("discipline", "I.3. Ý thức tổ chức kỷ luật; thực hiện những điều đảng viên không được làm"),
    ("style", "I.4. Tác phong, lề lối làm việc"),
    ("duties", "I.5. Kết quả thực hiện chức trách, nhiệm vụ được giao (chỉ tiêu, sản phẩm cụ thể)"),
    ("commitment", "I.6. Thực hiện cam kết tu dưỡng, rèn luyện, phấn đấu hằng năm"),
)
_LEADER_STRENGTHS = (
    (
        "leadership",
        "I.7. Kết quả lãnh đạo, chỉ đạo, điều hành; mức độ hoàn thành của đơn vị phụ trách; việc đột phá, đổi mới",
    ),
    ("example", "I.8. Trách nhiệm nêu gương; quy tụ, đoàn kết; kiểm soát quyền lực, phòng chống tiêu cực"),
)
_COLLECTIVE_STRENGTHS = (
    (
        "party_building",
        "I.1. Kết quả thực hiện chương trình, kế hoạch công tác xây dựng Đảng, hệ thống chính trị",
    ),
    (
        "socio_economic",
        "I.2. Kết quả lãnh đạo thực hiện nhiệm vụ phát triển kinh tế - xã hội, quốc phòng - an ninh",
    ),
    ("principles", "I.3. Chấp hành nguyên tắc tập trung dân chủ, quy chế làm việc; đoàn kết nội bộ"),
    ("responsibility_upper", "I.4. Trách nhiệm triển khai chủ trương, nghị quyết, chỉ đạo của cấp trên"),
)

_INDIVIDUAL_CRITERIA = (
    Criterion("politics", "Tư tưởng chính trị"),
    Criterion("ethics", "Phẩm chất đạo đức, lối sống"),
    Criterion("discipline", "Ý thức tổ chức kỷ luật"),
    Criterion("style", "Tác phong, lề lối làm việc"),
    Criterion("duties", "Kết quả thực hiện nhiệm vụ chính trị được giao", is_result=True),
    Criterion("remedy", "Kết quả khắc phục hạn chế, khuyết điểm"),
)
_COLLECTIVE_CRITERIA = (
    Criterion(
        "party_building", "Kết quả thực hiện công tác xây dựng Đảng, hệ thống chính trị", is_result=True
    ),
    Criterion(
        "socio_economic", "Kết quả lãnh đạo phát triển kinh tế - xã hội, quốc phòng - an ninh", is_result=True
    ),
    Criterion("unity", "Đoàn kết nội bộ, thực hiện nguyên tắc tập trung dân chủ"),
    Criterion("innovation", "Đổi mới sáng tạo, cải cách hành chính, ứng dụng khoa học công nghệ"),
)

# HD 43's Phần A (report-forms.md §2.2 and §3.1, checked against Mẫu 01 and 2C): the same tail, but section I
# in three parts for an individual (four for a leader) and four for a collective.
_HD43_INDIVIDUAL = (
    (
        "quality",
        "I.1. Phẩm chất chính trị, đạo đức, lối sống; đoàn kết; ý thức tổ chức kỷ luật; nêu gương; những điều đảng "
        "viên không được làm; tác phong, lề lối làm việc; liên hệ biểu hiện suy thoái, \u201ctự diễn biến\u201d, "
        "\u201ctự chuyển hóa\u201d",
    ),
    (
        "duties",
        "I.2. Thực hiện chức trách, nhiệm vụ được giao và kết quả các chỉ tiêu, nhiệm vụ trong năm (số lượng, tiến "
        "độ, chất lượng, sản phẩm)",
    ),
    ("commitment", "I.3. Thực hiện cam kết tu dưỡng, rèn luyện, phấn đấu hằng năm"),
)
_HD43_LEADER = (
    (
        "leadership",
        "I.4. Kết quả lãnh đạo, chỉ đạo, điều hành; mức độ hoàn thành của địa phương, đơn vị thuộc quyền; quy tụ, "
        "đoàn kết; đổi mới, dám nghĩ, dám làm, dám chịu trách nhiệm; kiểm soát quyền lực, phòng, chống tiêu cực; "
        "nêu gương của bản thân và gia đình; sự tín nhiệm",
    ),
)
_HD43_COLLECTIVE = (
    (
        "principles",
        "I.1. Chấp hành nguyên tắc tổ chức và hoạt động, nhất là nguyên tắc tập trung dân chủ; quy chế làm việc",
    ),
    (
        "targets",
        "I.2. Kết quả thực hiện mục tiêu, chỉ tiêu, nhiệm vụ (nghị quyết đại hội nhiệm kỳ, kế hoạch, chương trình năm)",
    ),
    ("party_building", "I.3. Xây dựng, chỉnh đốn Đảng và hệ thống chính trị, tổ chức bộ máy"),
    (
        "responsibility_upper",
        "I.4. Trách nhiệm của tập thể lãnh đạo, quản lý trong triển khai chủ trương, nghị quyết, chỉ đạo của cấp trên",
    ),
)

_COLLECTIVE_TYPES = {SubjectType.PARTY_ORGANIZATION, SubjectType.AGENCY, SubjectType.LEADERSHIP_COLLECTIVE}


# Mẫu 05 of HD 43: the individual's quarterly self-assessment (KL 198-KL/TW). The list of HD 43's forms names it;
# its headings here follow QĐ 366 Điều 6 and the 30/70 split of Điều 10 (docs/decisions.md "Quarterly reviews").
QUARTERLY_FORM = ReviewForm(
    "05-HD KĐ.ĐG 2025",
    "Bản tự đánh giá cá nhân hằng quý",
    (
        (
            "quarter_tasks",
            "1. Kết quả thực hiện nhiệm vụ, sản phẩm cụ thể trong quý (tiến độ, chất lượng, hiệu quả)",
        ),
        (
            "quarter_conduct",
            "2. Chính trị tư tưởng, đạo đức, lối sống, ý thức tổ chức kỷ luật, tác phong, lề lối làm việc",
        ),
        ("quarter_shortcomings", "3. Hạn chế, khuyết điểm và nguyên nhân"),
        ("quarter_next", "4. Nhiệm vụ trọng tâm, biện pháp khắc phục trong quý tới"),
    ),
    scored=True,
)


def form_of(evaluation) -> ReviewForm:
    """The form of one evaluation: its cycle's regime, its subject, and Mẫu 05 in a quarter."""
    return form_for(
        regime=evaluation.cycle.regime,
        subject_type=evaluation.subject_type,
        is_leader=evaluation.subject_type == SubjectType.LEADER,
        quarterly=evaluation.cycle.quarter is not None,
    )


def form_for(*, regime: str, subject_type: str, is_leader: bool, quarterly: bool = False) -> ReviewForm:
    """Return the form a subject fills in under a regime (codes per report-forms.md §1)."""
    if quarterly:
        return QUARTERLY_FORM
    collective = subject_type in _COLLECTIVE_TYPES
    strengths: tuple[tuple[str, str], ...]
    if collective:
        strengths = _COLLECTIVE_STRENGTHS
    else:
        strengths = _INDIVIDUAL_STRENGTHS + (_LEADER_STRENGTHS if is_leader else ())
    sections = strengths + _COMMON_TAIL
    if regime == "QD366_HD43":
        if collective:
            sections = _HD43_COLLECTIVE + _COMMON_TAIL
        else:
            sections = _HD43_INDIVIDUAL + (_HD43_LEADER if is_leader else ()) + _COMMON_TAIL
        if collective:
            code, title = "01-HD KĐ.ĐG 2025", "Báo cáo kiểm điểm, tự đánh giá, xếp loại chất lượng tập thể"
        elif is_leader:
            code, title = "2A-HD KĐ.ĐG 2025", "Bản kiểm điểm cá nhân (giữ chức vụ lãnh đạo, quản lý)"
        else:
            code, title = "2B-HD KĐ.ĐG 2025", "Bản kiểm điểm cá nhân (không giữ chức vụ lãnh đạo, quản lý)"
        return ReviewForm(code, title, sections, scored=True)
    if regime == "QD124_HD25":
        if collective:
            code, title = "01-HD KĐ.ĐG 2023", "Báo cáo kiểm điểm tập thể"
        elif is_leader:
            code, title = "02B-HD KĐ.ĐG 2023", "Bản kiểm điểm cá nhân (giữ chức vụ lãnh đạo, quản lý)"
        else:
            code, title = "02A-HD KĐ.ĐG 2023", "Bản kiểm điểm cá nhân (không giữ chức vụ lãnh đạo, quản lý)"
    elif collective:
        code, title = "01-HD KĐ.ĐG", "Báo cáo kiểm điểm tập thể"
    else:
        code, title = "02-HD KĐ.ĐG 2019", "Bản kiểm điểm cá nhân"
    criteria = _COLLECTIVE_CRITERIA if collective else _INDIVIDUAL_CRITERIA
    return ReviewForm(code, title, sections, criteria=criteria)


def required_sections(form: ReviewForm) -> list[str]:
    """Sections a self-review must fill before it can be submitted (the rest say "nếu có")."""
    optional = {"suggestions", "responsibility", "remedies"}
    return [key for key, _ in form.sections if key not in optional]
