"""The facts form carries every fact the rules read for a head's exemption (issue 18's note): a newly transferred
head is exempt from the ceiling only when the transfer is unrelated to the unit's shortcomings (A-6)."""

from __future__ import annotations

from kiemdiem.campaigns import compliance
from kiemdiem.campaigns.actions import ensure_evaluations
from kiemdiem.campaigns.models import Evaluation


def test_the_facts_form_records_that_a_transfer_is_unrelated_to_the_shortcomings(
    client, world, grassroots_officer
):
    ensure_evaluations(cycle=world.cycle_na_hang)
    ev = Evaluation.objects.get(cycle=world.cycle_na_hang, person=world.member_na_hang)
    client.force_login(grassroots_officer)
    page = client.get(f"/danh-gia/{ev.pk}/").content.decode()
    assert 'name="transfer_unrelated_to_shortcomings"' in page
    assert "Việc chuyển đến không liên quan đến khuyết điểm của đơn vị" in page
    response = client.post(
        f"/danh-gia/{ev.pk}/du-kien/",
        {"newly_transferred": "on", "transfer_unrelated_to_shortcomings": "on", "version": str(ev.version)},
    )
    assert response.status_code in (200, 302)
    ev.refresh_from_db()
    assert ev.facts == {"newly_transferred": True, "transfer_unrelated_to_shortcomings": True}
    assert ev.audit_records.filter(action="facts").exists()
    # The rules read it as the engine's fact.
    facts = compliance._facts(compliance.row_of(ev), {})
    assert facts.newly_transferred and facts.transfer_unrelated_to_shortcomings
