"""Checks against perfunctory self-reviews (CV 854 mục 1: "tránh kiểm điểm qua loa, hình thức").

Pure functions over plain strings: a self-review that is a near-copy of another in the same unit or of the same
subject's review last year, or whose required sections hold only a word or two, gets a warning. Warnings inform the
meeting and the upper level; they never refuse a submission.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# Word 3-grams (SHINGLE) compared by Jaccard similarity; 0.8 marks a near-copy (a few words changed in a paragraph).
SHINGLE = 3
NEAR_COPY = 0.8
MIN_WORDS_TO_COMPARE = 12
MIN_WORDS_PER_SECTION = 5
SKETCH = 16
LENGTH_RATIO = 0.6

_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class TextWarning:
    code: str  # SECTION_EMPTY, SECTION_TOO_SHORT, NEAR_COPY_PEER, NEAR_COPY_LAST_YEAR
    message: str


def words(text: str) -> list[str]:
    return _WORD.findall(unicodedata.normalize("NFC", text).casefold())


def shingles(text: str) -> frozenset[int]:
    """The text's word 3-grams, hashed (within one process only: never stored)."""
    tokens = words(text)
    if len(tokens) < SHINGLE:
        return frozenset({hash(" ".join(tokens))}) if tokens else frozenset()
    return frozenset(map(hash, zip(tokens, tokens[1:], tokens[2:], strict=False)))


def similarity(a: frozenset[int], b: frozenset[int]) -> float:
    """Jaccard similarity of two shingle sets."""
    if not a or not b:
        return 0.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


def joined(sections: Mapping[str, object]) -> str:
    """The whole self-review as one text, in a stable order."""
    return "\n".join(str(sections[k] or "") for k in sorted(sections))


def check_self_review(
    *,
    sections: Mapping[str, object],
    required: Iterable[tuple[str, str]],
    peers: Iterable[tuple[str, Mapping[str, object]]] = (),
    last_year: Mapping[str, object] | None = None,
) -> list[TextWarning]:
    """Warnings for one self-review: `required` is (key, heading); `peers` is (name, sections) of the same unit."""
    found: list[TextWarning] = []
    for key, heading in required:
        count = len(words(str(sections.get(key) or "")))
        if count == 0:
            found.append(TextWarning("SECTION_EMPTY", f"Mục “{heading}” còn để trống."))
        elif count < MIN_WORDS_PER_SECTION:
            found.append(
                TextWarning(
                    "SECTION_TOO_SHORT",
                    f"Mục “{heading}” chỉ có {count} từ — dễ thành kiểm điểm qua loa, hình thức.",
                )
            )
    text = joined(sections)
    if len(words(text)) < MIN_WORDS_TO_COMPARE:
        return found
    own = shingles(text)
    copies = []
    for name, other in peers:
        other_text = joined(other)
        # A near-copy has about the same length: skip the rest without tokenising them.
        if not LENGTH_RATIO * len(text) <= len(other_text) <= len(text) / LENGTH_RATIO:
            continue
        score = similarity(own, shingles(other_text))
        if score >= NEAR_COPY:
            copies.append((score, name))
    if copies:
        copies.sort(reverse=True)
        names = ", ".join(f"{name} ({score:.0%})" for score, name in copies[:5])
        more = f" và {len(copies) - 5} bản khác" if len(copies) > 5 else ""
        found.append(
            TextWarning(
                "NEAR_COPY_PEER", f"Bản kiểm điểm gần trùng với bản của: {names}{more} trong cùng đơn vị."
            )
        )
    if last_year:
        score = similarity(own, shingles(joined(last_year)))
        if score >= NEAR_COPY:
            found.append(
                TextWarning(
                    "NEAR_COPY_LAST_YEAR", f"Bản kiểm điểm gần trùng ({score:.0%}) với bản của năm trước."
                )
            )
    return found


def near_copy_pairs(texts: Mapping[int, str]) -> list[tuple[int, int, float]]:
    """Every pair of near-copies among many self-reviews (a unit's members), most similar first.

    Candidates come from a bottom-k sketch (the SKETCH smallest shingle hashes of each text): two texts at 0.8
    Jaccard or more all but surely share one of them, so only those pairs are compared in full.
    """
    sets = {k: shingles(t) for k, t in texts.items() if len(words(t)) >= MIN_WORDS_TO_COMPARE}
    buckets: dict[int, list[int]] = {}
    for key, sh in sets.items():
        for h in sorted(sh)[:SKETCH]:
            buckets.setdefault(h, []).append(key)
    candidates = {(a, b) for keys in buckets.values() for i, a in enumerate(keys) for b in keys[i + 1 :]}
    pairs = []
    for a, b in candidates:
        score = similarity(sets[a], sets[b])
        if score >= NEAR_COPY:
            pairs.append((min(a, b), max(a, b), score))
    pairs.sort(key=lambda p: (-p[2], p[0], p[1]))
    return pairs
