"""Years in a row: two at KHT (members: the cell educates and helps; cadres: grounds to consider dismissal), five
at HTXS (eligible for commendation) — rules-and-ambiguities.md §4 T-04, T-05, T-06."""

import pytest

from kiemdiem.followup import queries
from kiemdiem.followup.queries import streak_flags
from tests.followup.helpers import decide, member_evaluation, open_year


@pytest.mark.parametrize(
    ("name", "subject_type", "history", "year", "codes", "cites"),
    [
        (
            "member two KHT",
            "party_member",
            [(2021, "KHT"), (2020, "KHT")],
            2021,
            ["KHT_TWO_YEARS"],
            "HD 02-HD/BTCTW",
        ),
        ("cadre two KHT", "leader", [(2021, "KHT"), (2020, "KHT")], 2022, ["KHT_TWO_YEARS"], "QĐ 41-QĐ/TW"),
        ("a gap breaks the run", "party_member", [(2021, "KHT"), (2019, "KHT")], 2021, [], ""),
        (
            "a different year between",
            "party_member",
            [(2021, "KHT"), (2020, "HT"), (2019, "KHT")],
            2021,
            [],
            "",
        ),
        ("stale history", "party_member", [(2020, "KHT"), (2019, "KHT")], 2022, [], ""),
        (
            "five HTXS",
            "party_member",
            [(y, "HTXS") for y in range(2023, 2018, -1)],
            2023,
            ["HTXS_FIVE_YEARS"],
            "HD 06-HD/TW",
        ),
        ("four HTXS", "party_member", [(y, "HTXS") for y in range(2023, 2019, -1)], 2023, [], ""),
        ("one KHT", "party_member", [(2021, "KHT")], 2021, [], ""),
    ],
)
def test_it_flags_runs_of_ratings(name, subject_type, history, year, codes, cites):
    flags = streak_flags(subject_type, history, year=year)
    assert [f.code for f in flags] == codes, name
    if cites:
        assert cites in flags[0].citation


def test_two_years_at_kht_show_on_the_evaluation_and_in_the_tracking(
    world, cell_secretary, grassroots_officer, district_officer
):
    decide(cell_secretary, grassroots_officer, member_evaluation(world, open_year(world, 2020)), "KHT")
    ev = decide(cell_secretary, grassroots_officer, member_evaluation(world, open_year(world, 2021)), "KHT")
    panel = queries.panel_for(district_officer, ev)
    assert panel["history"] == [(2021, "KHT"), (2020, "KHT")]
    assert [f.code for f in panel["flags"]] == ["KHT_TWO_YEARS"]
    repeated = queries.repeated_ratings(ev.cycle, world.na_hang)
    assert [r["person__full_name"] for r in repeated["kht_two"]] == ["Ma Văn Hùng"]
    assert repeated["htxs_five"] == []
    # Next year's evaluation, not yet decided, still carries the flag from the two years before.
    nxt = member_evaluation(world, open_year(world, 2022))
    assert [f.code for f in queries.panel_for(district_officer, nxt)["flags"]] == ["KHT_TWO_YEARS"]
    # ... and the tracking list of that cycle agrees with the panel.
    repeated = queries.repeated_ratings(nxt.cycle, world.na_hang)
    assert [r["person__full_name"] for r in repeated["kht_two"]] == ["Ma Văn Hùng"]


def test_five_years_at_htxs_make_the_member_eligible_for_commendation(
    client, world, cell_secretary, grassroots_officer, district_officer
):
    for year in range(2019, 2024):
        ev = decide(
            cell_secretary, grassroots_officer, member_evaluation(world, open_year(world, year)), "HTXS"
        )
    assert [f.code for f in queries.panel_for(district_officer, ev)["flags"]] == ["HTXS_FIVE_YEARS"]
    repeated = queries.repeated_ratings(ev.cycle, world.na_hang)
    assert [r["person__full_name"] for r in repeated["htxs_five"]] == ["Ma Văn Hùng"]
    assert queries.repeated_ratings(ev.cycle, world.lam_binh)["htxs_five"] == []
    client.force_login(district_officer)
    page = client.get(f"/danh-gia/{ev.pk}/").content.decode()
    assert "5 năm liền hoàn thành xuất sắc nhiệm vụ (2019–2023)" in page
