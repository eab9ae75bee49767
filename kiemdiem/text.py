"""Text a spreadsheet would read as a formula: one rule for every way text comes in (import, admin, forms).

A cell whose text starts with `=`, `@`, or `+`/`-` followed by something (`-1+2`, `+cmd|…`, `-HYPERLINK(…)`) is taken
as a formula by Excel and LibreOffice when typed, pasted or opened from CSV. Such text is refused wherever it comes
in, so nothing stored can turn into a formula in someone's spreadsheet later; the exports also write every text as a
text cell. A list bullet (`- ý kiến`, `+ ưu điểm`: a sign then a space) and a lone `-` (nothing to report) stay
allowed: they are how Vietnamese minutes are written. The import, the admin and the actions share it; `clean_text`
is the actions' one gate for free text (every app's).
"""

from __future__ import annotations

from kiemdiem.errors import ActionError
from kiemdiem.vietnamese import format_number

FORMULA_SIGNS = ("=", "@", "+", "-")


def formula_sign(text: str) -> str | None:
    """The sign that makes a spreadsheet read the text as a formula, or None when it reads as text."""
    stripped = text.lstrip()
    if not stripped or stripped[0] not in FORMULA_SIGNS:
        return None
    sign = stripped[0]
    if sign in "+-" and (len(stripped) == 1 or stripped[1].isspace()):
        return None
    return sign


def formula_refusal(text: str) -> str | None:
    """Why the text is refused (to follow the field's name), or None."""
    sign = formula_sign(text)
    if sign is None:
        return None
    shown = text.strip()
    shown = shown if len(shown) <= 40 else shown[:40] + "…"
    return f"'{shown}' bắt đầu bằng dấu '{sign}' như một công thức; không được nhận"


def clean_text(value: object, label: str, limit: int = 20000, *, required: bool = False) -> str:
    """Free text from a form or a file: no NUL, not over the limit, trimmed; a clear error naming the field."""
    text = str(value or "")
    if "\x00" in text:
        raise ActionError(f"{label}: có ký tự không hợp lệ (NUL).")
    if len(text) > limit:
        raise ActionError(
            f"{label}: dài {format_number(len(text))} ký tự, vượt giới hạn {format_number(limit)} ký tự."
        )
    text = text.strip()
    if required and not text:
        raise ActionError(f"{label}: chưa nhập.")
    if refusal := formula_refusal(text):  # the import's rule too (kiemdiem/text.py)
        raise ActionError(f"{label}: {refusal}.")
    return text
