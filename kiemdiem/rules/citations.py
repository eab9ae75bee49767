"""Legal references carried by every finding and parameter."""

from __future__ import annotations

from dataclasses import dataclass

QD132 = "QĐ 132-QĐ/TW"
HD21 = "HD 21-HD/BTCTW"
QD124 = "QĐ 124-QĐ/TW"
HD25 = "HD 25-HD/BTCTW"
QD366 = "QĐ 366-QĐ/TW"
HD43 = "HD 43-HD/BTCTW"
KL198 = "KL 198-KL/TW"
CV854 = "CV 854-CV/TU"
ND90 = "NĐ 90/2020/NĐ-CP"


@dataclass(frozen=True, slots=True)
class Citation:
    document: str
    article: str
    clause: str = ""

    @property
    def text(self) -> str:
        parts = [self.document, self.article]
        if self.clause:
            parts.append(self.clause)
        return ", ".join(p for p in parts if p)

    def __str__(self) -> str:
        return self.text

    def to_dict(self) -> dict[str, str]:
        return {"document": self.document, "article": self.article, "clause": self.clause, "text": self.text}
