"""Out-of-scope admin URLs answer 404, as every page does, never a redirect to the admin index that tells a hidden
object apart from a missing one."""

from __future__ import annotations

import pytest
from django.test import Client

SCREENS = ("change", "history", "delete")


@pytest.mark.parametrize("screen", SCREENS)
def test_an_admin_screen_of_a_unit_outside_the_subtree_is_a_404(world, district_officer, screen):
    client = Client()
    client.force_login(district_officer)
    outside = client.get(f"/quan-tri/orgs/unit/{world.lam_binh.pk}/{screen}/")
    missing = client.get(f"/quan-tri/orgs/unit/999999/{screen}/")
    # Deleting is the superuser's alone: a 403 for any unit, inside or out, so it tells nothing either.
    assert outside.status_code == missing.status_code == (403 if screen == "delete" else 404)
    assert world.lam_binh.name not in outside.content.decode()
    if screen != "delete":  # deleting is the superuser's
        assert client.get(f"/quan-tri/orgs/unit/{world.cell_na_hang.pk}/{screen}/").status_code == 200


def test_an_admin_screen_of_a_person_or_a_cycle_outside_the_subtree_is_a_404(world, district_officer):
    client = Client()
    client.force_login(district_officer)
    assert client.get(f"/quan-tri/orgs/person/{world.member_lam_binh.pk}/change/").status_code == 404
    assert client.get(f"/quan-tri/campaigns/cycle/{world.cycle_lam_binh.pk}/change/").status_code == 404
    assert client.get(f"/quan-tri/orgs/person/{world.member_na_hang.pk}/change/").status_code == 200


def test_a_superuser_gets_a_404_for_a_user_that_is_not_there(world, django_user_model):
    admin = django_user_model.objects.create_superuser("quantri", password="mat-khau-quan-tri-1")
    client = Client()
    client.force_login(admin)
    assert client.get("/quan-tri/accounts/user/999999/change/").status_code == 404
