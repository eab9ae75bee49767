"""The 27 signs of degradation (Nghị quyết 04-NQ/TW, 30/10/2016): 3 groups × 9, for the self-review to relate to.

The texts are short paraphrases from regulations/degradation-signs.md, not the resolution's wording; `verified`
is False where the digest could not match the summary to a quoted source (❓), so the UI says so.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Sign:
    code: str
    group: str
    summary: str
    verified: bool


GROUPS = {
    "TTCT": "Suy thoái về tư tưởng chính trị",
    "DDLS": "Suy thoái về đạo đức, lối sống",
    "TDB": "Biểu hiện “tự diễn biến”, “tự chuyển hóa” trong nội bộ",
}

_RAW = [
    (
        "TTCT-1",
        "Lý tưởng cách mạng phai nhạt; niềm tin vào mục tiêu độc lập dân tộc gắn với CNXH bị lung lay; hoài nghi chủ nghĩa Mác – Lênin, tư tưởng Hồ Chí Minh",
        True,
    ),
    (
        "TTCT-2",
        "Rời xa tôn chỉ, mục đích của Đảng; không kiên định con đường đi lên CNXH; hùa theo nhận thức lệch lạc, quan điểm sai trái",
        True,
    ),
    (
        "TTCT-3",
        "Coi nhẹ vai trò của lý luận; lười học tập lý luận chính trị, nghị quyết của Đảng, chính sách, pháp luật",
        True,
    ),
    (
        "TTCT-4",
        "Không nghiêm túc với nguyên tắc tổ chức của Đảng; giảm ý chí phấn đấu, thiếu gương mẫu; né tránh, đùn đẩy trách nhiệm; làm việc qua loa, kém hiệu quả",
        True,
    ),
    (
        "TTCT-5",
        "Phê bình thì nể nang, ngại va chạm; tự phê bình thì che giấu khuyết điểm, thiếu thành khẩn",
        False,
    ),
    ("TTCT-6", "Nói và làm không thống nhất; phát biểu trong và ngoài hội nghị khác nhau", False),
    (
        "TTCT-7",
        "Tham vọng chức quyền; không chấp hành sự phân công; kén chọn chức danh, vị trí công tác",
        False,
    ),
    ("TTCT-8", "Bệnh thành tích, háo danh, chạy theo hình thức", False),
    ("TTCT-9", "Cục bộ, bè phái, gây mất đoàn kết; vi phạm nguyên tắc tập trung dân chủ", False),
    (
        "DDLS-1",
        "Chủ nghĩa cá nhân: ích kỷ, thực dụng, cơ hội, vụ lợi; chỉ lo cho bản thân; đố kỵ, so bì",
        False,
    ),
    (
        "DDLS-2",
        "Thờ ơ, vô cảm, thiếu trách nhiệm trước khó khăn, bức xúc và đòi hỏi chính đáng của nhân dân",
        True,
    ),
    ("DDLS-3", "Quan liêu, xa rời quần chúng, không sâu sát cơ sở; hách dịch, gây phiền hà", False),
    ("DDLS-4", "Kèn cựa địa vị, kéo bè kéo cánh, cục bộ, gây mất đoàn kết", False),
    ("DDLS-5", "Tham nhũng, lãng phí; lợi dụng chức vụ, quyền hạn để trục lợi", False),
    (
        "DDLS-6",
        "Chạy chức, chạy quyền, chạy chỗ, chạy tội, chạy tuổi, chạy bằng cấp, chạy khen thưởng",
        False,
    ),
    ("DDLS-7", "Lợi dụng chức vụ để tạo lợi ích nhóm, thao túng công tác cán bộ, nâng đỡ người thân", False),
    ("DDLS-8", "Lối sống xa hoa, hưởng lạc, phô trương", False),
    ("DDLS-9", "Sa vào tệ nạn xã hội, mê tín dị đoan; vi phạm chuẩn mực đạo đức gia đình, xã hội", False),
    (
        "TDB-1",
        "Bác bỏ chủ nghĩa Mác – Lênin, tư tưởng Hồ Chí Minh, nguyên tắc tổ chức của Đảng; đòi đa nguyên, đa đảng",
        True,
    ),
    (
        "TDB-2",
        "Phủ nhận dân chủ XHCN, nhà nước pháp quyền XHCN; đòi “tam quyền phân lập”, “xã hội dân sự”",
        True,
    ),
    (
        "TDB-3",
        "Nói, viết, làm trái đường lối của Đảng, pháp luật; xuyên tạc lịch sử, vu cáo lãnh tụ, lãnh đạo",
        True,
    ),
    (
        "TDB-4",
        "Kích động bất mãn, bất đồng chính kiến, chống đối nội bộ; dùng báo chí, mạng xã hội bôi nhọ, chia rẽ",
        True,
    ),
    (
        "TDB-5",
        "Phủ nhận sự lãnh đạo tuyệt đối của Đảng với lực lượng vũ trang; đòi “phi chính trị hóa” quân đội, công an",
        True,
    ),
    (
        "TDB-6",
        "Móc nối, cấu kết với thế lực thù địch, phần tử cơ hội, bất mãn để truyền bá quan điểm đối lập",
        False,
    ),
    ("TDB-7", "Xuyên tạc đường lối đối ngoại; sùng bái, lệ thuộc nước ngoài", False),
    ("TDB-8", "Lập hội, nhóm trái phép; lợi dụng dân tộc, tôn giáo để gây chia rẽ", False),
    ("TDB-9", "Làm lộ bí mật, cung cấp thông tin cho thế lực xấu; quan hệ nước ngoài trái quy định", False),
]

SIGNS: tuple[Sign, ...] = tuple(Sign(code, code.split("-")[0], summary, ok) for code, summary, ok in _RAW)
SIGN_CODES = frozenset(s.code for s in SIGNS)
CITATION = "Nghị quyết 04-NQ/TW (Hội nghị TW 4 khóa XII); CV 854-CV/TU mục 2(1)"
