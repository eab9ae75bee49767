"""The central frameworks of QĐ 366-QĐ/TW Điều 10 (Phụ lục 1–5), as the first version of each appendix.

Only the two groups' totals (chung /30, kết quả /70) are checked against the text (digest 366-HD43.md §4 ✅). The
items' content follows the digest (Phụ lục 4's general group item by item ✅; the results groups and Phụ lục 1, 2,
3, 5 as the digest summarises them); how the 30 and 70 points split between items is not in the digest, so every
item is `verified=False` and a province changes the split for its subtree (HD 43 tiết 7.12).
"""

from __future__ import annotations

from typing import NamedTuple


class Item(NamedTuple):
    group: str  # "general" | "results"
    code: str
    label: str
    max_points: int
    description: str = ""


_D10 = "QĐ 366-QĐ/TW, Điều 10"

PL4_GENERAL = [
    Item(
        "general",
        "1",
        "Về chính trị, phẩm chất đạo đức và ý thức tổ chức kỷ luật",
        15,
        "Bản lĩnh chính trị vững vàng; thực hiện nghiêm nguyên tắc tập trung dân chủ, tự phê bình và phê bình, kỷ "
        "luật phát ngôn; học tập, vận dụng lý luận, nghị quyết; giữ gìn đạo đức, lối sống, không suy thoái, không vi "
        "phạm những điều đảng viên không được làm; không tham nhũng, tiêu cực, không để người thân trục lợi; chấp "
        "hành sự phân công, nội quy; kê khai tài sản, thu nhập; báo cáo trung thực; giữ gìn đoàn kết; giữ mối liên "
        "hệ với cấp ủy và Nhân dân nơi cư trú.",
    ),
    Item(
        "general",
        "2",
        "Năng lực chuyên môn, nghiệp vụ; khả năng đáp ứng nhiệm vụ; thái độ công tác; tinh thần đổi mới sáng tạo",
        10,
        "(i) Năng lực chuyên môn theo vị trí việc làm; (ii) đáp ứng nhiệm vụ thường xuyên và đột xuất; (iii) thái độ, "
        "tác phong, phối hợp; (iv) đổi mới sáng tạo, dám nghĩ, dám làm, dám chịu trách nhiệm vì lợi ích chung.",
    ),
    Item(
        "general",
        "3",
        "Về tự phê bình và phê bình, khắc phục hạn chế, khuyết điểm",
        5,
        "Tinh thần tự soi, tự sửa; mức độ tự giác nhận diện hạn chế và kết quả khắc phục hạn chế đã được chỉ ra.",
    ),
]

PL4_RESULTS = [
    Item(
        "results",
        "4",
        "Khối lượng, số lượng nhiệm vụ, sản phẩm hoàn thành theo kế hoạch",
        25,
        "Theo danh mục nhiệm vụ, sản phẩm đã kê khai và được xác nhận.",
    ),
    Item("results", "5", "Tiến độ thực hiện nhiệm vụ, sản phẩm", 15, "Đúng hạn, chậm tiến độ."),
    Item(
        "results",
        "6",
        "Chất lượng, hiệu quả của nhiệm vụ, sản phẩm",
        20,
        "Chỉ số hiệu quả, mức vượt chỉ tiêu; đặc thù theo khối (cơ quan Đảng, hành chính, MTTQ–đoàn thể, sự nghiệp…).",
    ),
    Item("results", "7", "Thực hiện nhiệm vụ đột xuất, phát sinh", 10),
]

LEADER_GENERAL = [
    Item(
        "general",
        "1",
        "Về chính trị, phẩm chất đạo đức, lối sống, ý thức tổ chức kỷ luật; trách nhiệm nêu gương của bản thân và gia đình",
        12,
    ),
    Item(
        "general",
        "2",
        "Năng lực lãnh đạo, quản lý; khả năng quy tụ, đoàn kết; tinh thần đổi mới, dám nghĩ, dám làm, dám chịu "
        "trách nhiệm; kiểm soát quyền lực, phòng, chống tham nhũng, lãng phí, tiêu cực",
        12,
    ),
    Item("general", "3", "Về tự phê bình và phê bình, khắc phục hạn chế, khuyết điểm", 6),
]

LEADER_RESULTS = [
    Item(
        "results",
        "4",
        "Kết quả lãnh đạo, chỉ đạo, điều hành thực hiện nhiệm vụ được giao (sản phẩm, tiến độ, chất lượng)",
        30,
    ),
    Item(
        "results",
        "5",
        "Mức độ hoàn thành nhiệm vụ của địa phương, cơ quan, đơn vị thuộc quyền phụ trách",
        25,
        "Theo kết quả đánh giá của chính các địa phương, đơn vị đó trong đợt.",
    ),
    Item(
        "results",
        "6",
        "Trách nhiệm với khoa học công nghệ, đổi mới sáng tạo, chuyển đổi số, hội nhập, kinh tế tư nhân",
        10,
    ),
    Item("results", "7", "Sự tín nhiệm", 5, "Kết quả lấy phiếu tín nhiệm trong năm (nếu có)."),
]

PL5 = [
    Item(
        "general",
        "1",
        "Về chính trị, phẩm chất đạo đức, lối sống, ý thức tổ chức kỷ luật",
        20,
        "Giữ vững bản lĩnh chính trị; không vi phạm những điều đảng viên không được làm; giữ mối liên hệ nơi cư trú.",
    ),
    Item("general", "2", "Về tự phê bình và phê bình, khắc phục hạn chế, khuyết điểm", 10),
    Item(
        "results",
        "3",
        "Thực hiện quyền, nghĩa vụ đảng viên",
        30,
        "Sinh hoạt đảng, đóng đảng phí, chấp hành nghị quyết của chi bộ.",
    ),
    Item("results", "4", "Học tập nghị quyết; đóng góp xây dựng chi bộ", 20),
    Item(
        "results",
        "5",
        "Thực hiện nhiệm vụ chi bộ giao, nhiệm vụ đột xuất phù hợp sức khỏe, tuổi",
        20,
    ),
]

PL1 = [
    Item(
        "general",
        "1",
        "Chấp hành nguyên tắc tổ chức và hoạt động, nhất là tập trung dân chủ; quy chế làm việc; đoàn kết nội bộ",
        15,
    ),
    Item("general", "2", "Xây dựng, chỉnh đốn Đảng và hệ thống chính trị, tổ chức bộ máy", 10),
    Item("general", "3", "Tự phê bình và phê bình; khắc phục hạn chế, khuyết điểm đã chỉ ra ở kỳ trước", 5),
    Item(
        "results",
        "4",
        "Kết quả thực hiện mục tiêu, chỉ tiêu, nhiệm vụ (nghị quyết đại hội, kế hoạch, chương trình năm)",
        40,
    ),
    Item(
        "results",
        "5",
        "Trách nhiệm triển khai chủ trương, nghị quyết, chỉ đạo của cấp trên",
        15,
    ),
    Item("results", "6", "Kết quả của tổ chức, cơ quan, đơn vị trực thuộc", 15),
]

DEFAULT_FRAMEWORKS: dict[str, tuple[str, list[Item]]] = {
    "pl1": (f"{_D10}, Phụ lục 1", PL1),
    "pl2": (f"{_D10}, Phụ lục 2", LEADER_GENERAL + LEADER_RESULTS),
    "pl3": (f"{_D10}, Phụ lục 3", LEADER_GENERAL + LEADER_RESULTS),
    "pl4": (f"{_D10}, Phụ lục 4", PL4_GENERAL + PL4_RESULTS),
    "pl5": (f"{_D10}, Phụ lục 5", PL5),
}


def load(framework_version_model, criterion_model) -> int:
    """Create version 1 of every appendix for the whole country, once; return how many were made."""
    made = 0
    for appendix, (citation, items) in DEFAULT_FRAMEWORKS.items():
        if framework_version_model.objects.filter(unit__isnull=True, appendix=appendix).exists():
            continue
        version = framework_version_model.objects.create(
            unit=None,
            appendix=appendix,
            number=1,
            note="Khung tiêu chí theo QĐ 366-QĐ/TW (tổng điểm các nhóm đã đối chiếu; điểm từng tiêu chí chưa đối chiếu).",
        )
        criterion_model.objects.bulk_create(
            criterion_model(
                version=version,
                group=item.group,
                code=item.code,
                label=item.label,
                description=item.description,
                max_points=item.max_points,
                citation=citation,
                verified=False,
                order=number,
            )
            for number, item in enumerate(items)
        )
        made += 1
    return made
