"""Vietnamese text conventions in one place: folding for search, collation keys for sorting, names, numbers.

Pure Python (plus ICU), no Django: models fill their stored columns from here on save and import, pages and
exports format with it, and the API searches with the same folding.
"""

from __future__ import annotations

import unicodedata
from decimal import Decimal
from functools import cache

import icu

# A stored sort key is the ICU key in hex: plain ASCII, so ORDER BY on it is the same on SQLite and PostgreSQL.
SORT_KEY_LENGTH = 1000


def fold(text: str) -> str:
    """Lower-case, marks removed, đ → d, spaces squeezed: "VŨ THANH  VÂN" and "vu thanh van" fold alike."""
    decomposed = unicodedata.normalize("NFD", text.lower().replace("đ", "d").replace("Đ", "d"))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.split())


@cache
def _collator() -> icu.Collator:
    return icu.Collator.createInstance(icu.Locale("vi"))


def text_sort_key(text: str) -> str:
    """Vietnamese collation key of a text (units, titles): D before Đ, "Hà" before "Hoàng", ă and â after a."""
    return _collator().getSortKey(" ".join(text.split())).hex()[:SORT_KEY_LENGTH]


def split_name(full_name: str) -> tuple[str, str]:
    """("Họ đệm", "Tên"): "Chu Xuân Tùng" → ("Chu Xuân", "Tùng"); a one-word name is all given name."""
    parts = full_name.split()
    if not parts:
        return "", ""
    return " ".join(parts[:-1]), parts[-1]


def name_sort_key(full_name: str) -> str:
    """The roster order: by given name (the last word), then family and middle names as written."""
    family_middle, given = split_name(full_name)
    collator = _collator()
    return (collator.getSortKey(given) + collator.getSortKey(family_middle)).hex()[:SORT_KEY_LENGTH]


def display_name(family_middle: str, given: str) -> str:
    """ "Họ đệm Tên" from its two parts (Django's User keeps them as last_name and first_name)."""
    return " ".join(p for p in (family_middle.strip(), given.strip()) if p)


def format_number(value: int | float | Decimal | None, decimals: int | None = None) -> str:
    """Vietnamese figures: 1.234.567 and 1.234,5 (dot for thousands, comma for decimals); None → "".

    `decimals` fixes the places (rounded); without it an integer shows none and a float shows what it needs,
    trailing zeros dropped.
    """
    if value is None:
        return ""
    if decimals is None:
        if isinstance(value, int) or (isinstance(value, (float, Decimal)) and value == int(value)):
            text = f"{int(value):,}"
        else:
            text = f"{value:,.6f}".rstrip("0").rstrip(".")
    else:
        text = f"{value:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


__all__ = [
    "SORT_KEY_LENGTH",
    "display_name",
    "fold",
    "format_number",
    "name_sort_key",
    "split_name",
    "text_sort_key",
]
