"""State changes of cycles; views, the API and commands all call these."""

from __future__ import annotations

from django.db import transaction

from kiemdiem.campaigns.models import Cycle, QuotaGroup, SubjectType
from kiemdiem.orgs.models import GRASSROOTS_KINDS, ManagementTier, Unit, UnitKind
from kiemdiem.rules.regimes import deadlines_for, overlay_for, regime_for_year


@transaction.atomic
def do_open_cycle(
    *, unit: Unit, year: int, quarter: int | None = None, province: str = "tuyen-quang"
) -> Cycle:
    """Open a review cycle for a committee's subtree; regime and default deadlines come from the rules."""
    regime = regime_for_year(year)
    deadlines = deadlines_for(year, province=province)
    overlay = overlay_for(year, province=province)
    basis = "; ".join([*regime.documents, *(overlay.documents if overlay else [])])
    cycle = Cycle(
        unit=unit,
        year=year,
        quarter=quarter,
        regime=regime.code,
        review_deadline=deadlines["review_done"],
        dossier_deadline=deadlines.get("cadre_dossier"),
        # Without a province's own date, the report is due when the regime's central report is.
        report_deadline=deadlines.get("report_to_province")
        or deadlines.get("report_to_central")
        or deadlines["review_done"],
        basis=basis[:255],
    )
    cycle.full_clean()
    cycle.save()
    return cycle


LEVEL_GROUPS = {
    # depth of the unit that owns the collective → (code suffix, Vietnamese scope)
    0: ("tinh", "cấp tỉnh"),
    1: ("huyen", "cấp huyện và tương đương"),
}


@transaction.atomic
def ensure_default_quota_groups(*, cycle: Cycle) -> int:
    """Create the comparable groups HD 21 names by default; return how many were added.

    Members: one group per grassroots organisation (HD 21 mục 2.4). Leadership collectives: one per
    level. Leaders: one per management tier. Party organisations: one per upper-level committee.
    """
    existing = set(cycle.quota_groups.values_list("code", flat=True))
    wanted: list[QuotaGroup] = []
    for go in Unit.objects.subtree_of(cycle.unit).filter(kind__in=GRASSROOTS_KINDS).valid_in_year(cycle.year):
        wanted.append(
            QuotaGroup(
                cycle=cycle,
                code=f"dv-{go.code}",
                name=f"Đảng viên {go.name}",
                subject_type=SubjectType.PARTY_MEMBER,
                scope_unit=go,
            )
        )
    uppers = Unit.objects.subtree_of(cycle.unit).filter(
        kind__in=[UnitKind.PROVINCE_COMMITTEE, UnitKind.DISTRICT_COMMITTEE, UnitKind.AFFILIATED_COMMITTEE]
    )
    for upper in uppers.valid_in_year(cycle.year):
        wanted.append(
            QuotaGroup(
                cycle=cycle,
                code=f"tcd-{upper.code}",
                name=f"Tổ chức đảng trực thuộc {upper.name}",
                subject_type=SubjectType.PARTY_ORGANIZATION,
                scope_unit=upper,
            )
        )
    for suffix, scope in [*LEVEL_GROUPS.values(), ("co-so", "cấp cơ sở")]:
        wanted.append(
            QuotaGroup(
                cycle=cycle,
                code=f"tt-{suffix}",
                name=f"Tập thể lãnh đạo, quản lý {scope}",
                subject_type=SubjectType.LEADERSHIP_COLLECTIVE,
                scope_unit=cycle.unit,
            )
        )
    for tier in (
        ManagementTier.PROVINCE_STANDING,
        ManagementTier.DISTRICT_STANDING,
        ManagementTier.GRASSROOTS,
    ):
        wanted.append(
            QuotaGroup(
                cycle=cycle,
                code=f"ld-{tier.value}",
                name=f"Cán bộ {tier.label.lower()}",
                subject_type=SubjectType.LEADER,
                scope_unit=cycle.unit,
            )
        )
    new = [g for g in wanted if g.code not in existing]
    QuotaGroup.objects.bulk_create(new, batch_size=1000)
    return len(new)
