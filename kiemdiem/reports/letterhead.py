"""The letterhead, number line, place and date, signature block and "Nơi nhận" of a Party document.

Derived from the issuing unit and its superior per Hướng dẫn 36-HD/VPTW (2018) on the format of Party documents:
- top left, two lines over a "*": the superior organisation ("ĐẢNG BỘ HUYỆN NA HANG"), then the issuing committee
  ("ĐẢNG ỦY THỊ TRẤN NA HANG") — a committee issues for its organisation; a cell issues as the cell;
- under them the number line: "Số …-QĐ/ĐU" (kind of document / abbreviation of the issuer);
- top right: "ĐẢNG CỘNG SẢN VIỆT NAM", then the place (the issuer's own administrative unit) and the date;
- bottom right: who signs for whom (T/M BAN THƯỜNG VỤ, T/M ĐẢNG ỦY, T/M CHI ỦY, T/M CHI BỘ), the signer's post
  (BÍ THƯ, PHÓ BÍ THƯ) and name, read from the positions held on the date;
- bottom left: "Nơi nhận", the superior committee and the issuer's own file.
An office whose usage differs sets its own values on the unit (DocumentSettings): each one replaces what is derived.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from kiemdiem.orgs.models import CollectiveKind, Position, Role, Unit, UnitKind

NBSP = "\u00a0"
PARTY = "ĐẢNG CỘNG SẢN VIỆT NAM"

# Kinds of document and their abbreviation in the number line (HD 36-HD/VPTW, phụ lục tên loại văn bản).
DOC_TYPES = {
    "report": "BC",
    "decision": "QĐ",
    "minutes": "BB",
    "list": "",  # a list is filed with its report or decision: no number of its own
    "dossier": "BC",
    "self_review": "",
}

# "Đảng bộ …" → the committee that leads it and signs its documents, with the issuer's abbreviation.
_COMMITTEES = (
    ("Đảng bộ tỉnh ", "Tỉnh ủy ", "TU"),
    ("Đảng bộ thành phố ", "Thành ủy ", "TU"),
    ("Đảng bộ thị xã ", "Thị ủy ", "TU"),
    ("Đảng bộ quận ", "Quận ủy ", "QU"),
    ("Đảng bộ huyện ", "Huyện ủy ", "HU"),
    ("Đảng bộ ", "Đảng ủy ", "ĐU"),
)
# Names that carry the place of an administrative unit (HD 36: the place is where the issuer sits).
_PLACES = (
    "Đảng bộ tỉnh ",
    "Đảng bộ thành phố ",
    "Đảng bộ thị xã ",
    "Đảng bộ quận ",
    "Đảng bộ huyện ",
    "Đảng bộ thị trấn ",
    "Đảng bộ phường ",
    "Đảng bộ xã ",
    "Đảng bộ đặc khu ",
    "Chi bộ thị trấn ",
    "Chi bộ phường ",
    "Chi bộ xã ",
)
_UPPER = {UnitKind.PROVINCE_COMMITTEE, UnitKind.DISTRICT_COMMITTEE, UnitKind.AFFILIATED_COMMITTEE}
_CELLS = {UnitKind.GRASSROOTS_CELL, UnitKind.CELL}


@dataclass(frozen=True)
class Letterhead:
    superior: str  # first line top left, upper case
    issuer: str  # second line top left, upper case, bold
    number: str  # "Số …-QĐ/ĐU", or "" for a document without a number
    party: str
    place: str
    day: datetime.date
    signing_body: str  # "T/M BAN THƯỜNG VỤ"
    signer_title: str  # "BÍ THƯ"
    signer_name: str
    recipients: tuple[str, ...] = field(default=())
    committee: str = ""  # the issuing committee in running text: "Đảng ủy thị trấn Na Hang"
    organisation: str = ""  # the organisation it leads: "Đảng bộ thị trấn Na Hang"
    symbol: str = ""

    @property
    def date_text(self) -> str:
        return vn_date(self.day)

    @property
    def place_date(self) -> str:
        return f"{self.place}, {self.date_text}"

    @property
    def body(self) -> str:
        """The collective that decides, in a decision's preamble: "BAN THƯỜNG VỤ HUYỆN ỦY NA HANG"."""
        who = self.signing_body.removeprefix("T/M ").strip()
        committee = self.committee.upper()
        if who == "BAN THƯỜNG VỤ":
            return f"BAN THƯỜNG VỤ {committee}"
        return committee


def vn_date(day: datetime.date) -> str:
    # HD 36: days below 10 and the months January and February keep a leading zero.
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


def _strip_prefix(name: str, prefixes: tuple[str, ...]) -> str | None:
    for prefix in prefixes:
        if name.lower().startswith(prefix.lower()):
            return name[len(prefix) :]
    return None


def committee_name(unit: Unit) -> tuple[str, str]:
    """(the committee that issues for the unit, its abbreviation): "Huyện ủy Na Hang", "HU"."""
    if unit.kind in _CELLS:
        return unit.name, "CB"
    for prefix, committee, symbol in _COMMITTEES:
        if unit.name.lower().startswith(prefix.lower()):
            return f"{committee}{unit.name[len(prefix) :]}", symbol
    return unit.name, "ĐU" if unit.is_party_org else ""


def _party_chain(unit: Unit) -> list[Unit]:
    """The unit's ancestors from the root down, then the unit."""
    above = {u.pk: u for u in Unit.objects.filter(pk__in=unit.ancestor_ids)}
    return [*(above[i] for i in unit.ancestor_ids if i in above), unit]


def place_of(unit: Unit, chain: list[Unit] | None = None) -> str:
    for u in reversed(chain or _party_chain(unit)):
        place = _strip_prefix(u.name, _PLACES)
        if place:
            return place
    return (chain or [unit])[0].name


def _signing_body(unit: Unit, collective_kinds: set[str]) -> str:
    if unit.kind in _UPPER:
        return "T/M BAN THƯỜNG VỤ"
    if unit.kind in _CELLS:
        return "T/M CHI ỦY" if CollectiveKind.CELL_COMMITTEE in collective_kinds else "T/M CHI BỘ"
    if CollectiveKind.STANDING_COMMITTEE in collective_kinds:
        return "T/M BAN THƯỜNG VỤ"
    return "T/M ĐẢNG ỦY" if unit.is_party_org else "T/M TẬP THỂ LÃNH ĐẠO"


_SIGNING_COLLECTIVES = (
    CollectiveKind.STANDING_COMMITTEE,
    CollectiveKind.EXECUTIVE_COMMITTEE,
    CollectiveKind.CELL_COMMITTEE,
)


def signer_of(unit: Unit, day: datetime.date) -> tuple[str, str]:
    """(post, name) of who signs for the unit's committee on the day: the secretary, else a deputy secretary."""
    positions = (
        Position.objects.filter(unit=unit, role__in=[Role.HEAD, Role.DEPUTY], valid_from__lte=day)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
        .filter(
            Q(collective__kind__in=_SIGNING_COLLECTIVES)
            | Q(collective__isnull=True, title__icontains="bí thư")
        )
        .select_related("person", "collective")
    )
    rank: dict[str, int] = {kind: i for i, kind in enumerate(_SIGNING_COLLECTIVES)}

    def order(p: Position) -> tuple[int, int, int]:
        return (0 if p.role == Role.HEAD else 1, rank.get(p.collective.kind if p.collective else "", 9), p.pk)

    chosen = min(positions, key=order, default=None)
    if chosen is None:
        return "BÍ THƯ", ""
    title = chosen.title.strip()
    lowered = title.lower()
    if "bí thư" in lowered:
        post = "PHÓ BÍ THƯ" if lowered.startswith("phó") else "BÍ THƯ"
        if "thường trực" in lowered:
            post += " THƯỜNG TRỰC"
    else:
        post = "BÍ THƯ" if chosen.role == Role.HEAD else "PHÓ BÍ THƯ"
    return post, chosen.person.full_name


def _recipients(kind: str, unit: Unit, committee: str, superior: Unit | None) -> tuple[str, ...]:
    if kind in ("minutes", "self_review"):
        return ()
    own = "- Lưu chi bộ." if unit.kind in _CELLS else f"- Lưu Văn phòng {committee}."
    lines: list[str] = []
    if kind == "decision":
        lines.append("- Như Điều 3,")
    if superior is None:
        lines += ["- Ban Tổ chức Trung ương (b/c),", f"- Các đồng chí Ủy viên Ban Thường vụ {committee},"]
    else:
        upper, _ = committee_name(superior)
        if superior.kind in _CELLS or unit.kind in _CELLS and superior.kind not in _UPPER:
            lines.append(f"- {upper} (b/c),")
        else:
            lines += [f"- Ban Thường vụ {upper} (b/c),", f"- Ban Tổ chức {upper},"]
    return (*lines, own)


def letterhead_for(
    unit: Unit,
    *,
    kind: str = "report",
    number: str = "",
    day: datetime.date | None = None,
    with_settings: bool = True,
) -> Letterhead:
    """The letterhead of a document of `kind` (DOC_TYPES) that the unit issues on `day`, number left blank."""
    from kiemdiem.reports.models import DocumentSettings

    day = day or timezone.localdate()
    chain = _party_chain(unit)
    superior = next((u for u in reversed(chain[:-1]) if u.is_party_org), None)
    committee, symbol = committee_name(unit)
    if superior is None:
        # The top of the tree (the province): its organisation over its committee ("ĐẢNG BỘ TỈNH …" / "TỈNH ỦY").
        top = unit.name.upper()
        prefix = next((c for p, c, _ in _COMMITTEES if unit.name.lower().startswith(p.lower())), "")
        issuer_line = (prefix.strip() or committee).upper()
    else:
        top = superior.name.upper()
        issuer_line = committee.upper()
    collective_kinds = set(unit.collectives.values_list("kind", flat=True))
    post, name = signer_of(unit, day)
    settings = DocumentSettings.objects.filter(unit=unit).first() if with_settings else None
    place = place_of(unit, chain)
    signing_body = _signing_body(unit, collective_kinds)
    recipients = _recipients(kind, unit, committee, superior)
    if settings is not None:
        top = settings.superior_name.strip().upper() or top
        issuer_line = settings.issuer_name.strip().upper() or issuer_line
        symbol = settings.symbol.strip() or symbol
        place = settings.place.strip() or place
        signing_body = settings.signing_body.strip().upper() or signing_body
        post = settings.signer_title.strip().upper() or post
        name = settings.signer_name.strip() or name
        lines = tuple(line.strip() for line in settings.recipients.splitlines() if line.strip())
        if lines and recipients:
            recipients = lines
    abbreviation = DOC_TYPES.get(kind, "BC")
    number = number.strip()
    if not abbreviation:
        number_line = ""
    elif "/" in number:  # a full number typed by the office ("125-BC/HU")
        number_line = f"Số {number}"
    else:
        number_line = f"Số {number or NBSP * 6}-{abbreviation}/{symbol}"  # blank for the office to fill in
    return Letterhead(
        superior=top,
        issuer=issuer_line,
        number=number_line,
        party=PARTY,
        place=place,
        day=day,
        signing_body=signing_body,
        signer_title=post,
        signer_name=name,
        recipients=recipients,
        committee=committee,
        organisation=unit.name,
        symbol=symbol,
    )
