"""The admin writes the tree only through the action: an out-of-reach parent is kept, loops are refused, moves
rewrite every descendant's path (issue 16)."""

from __future__ import annotations

from django.urls import reverse

from kiemdiem.orgs.models import Unit
from kiemdiem.orgs.queries import persons_visible_to, units_visible_to


def _form_data(client, unit: Unit) -> dict[str, object]:
    """What the browser sends when the change form is saved as shown."""
    response = client.get(reverse("admin:orgs_unit_change", args=[unit.pk]))
    assert response.status_code == 200
    form = response.context["adminform"].form
    data: dict[str, object] = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None:
            value = ""
        data[name] = field.widget.format_value(value) if hasattr(value, "isoformat") else value
    return data


def _save(client, unit: Unit, **changes: object):  # type: ignore[no-untyped-def]
    data = {**_form_data(client, unit), **changes}
    return client.post(reverse("admin:orgs_unit_change", args=[unit.pk]), data)


def test_a_scoped_admin_saving_their_own_top_unit_unchanged_keeps_its_parent(
    client, world, district_officer, province_admin
):
    client.force_login(district_officer)
    data = _form_data(client, world.na_hang)
    assert "parent" not in data  # shown read-only: the province is outside nahang's reach
    response = client.post(reverse("admin:orgs_unit_change", args=[world.na_hang.pk]), {**data, "parent": ""})
    assert response.status_code == 302
    na_hang = Unit.objects.get(pk=world.na_hang.pk)
    assert na_hang.parent_id == world.province.pk
    assert na_hang.path == world.na_hang.path
    assert units_visible_to(province_admin).filter(pk=world.cell_na_hang.pk).exists()
    assert persons_visible_to(province_admin).filter(pk=world.member_na_hang.pk).exists()


def test_the_action_keeps_an_out_of_reach_parent_whatever_it_is_given(world, district_officer):
    from kiemdiem.orgs.actions import do_save_unit

    na_hang = Unit.objects.get(pk=world.na_hang.pk)
    na_hang.parent = None
    na_hang.name = "Đảng bộ huyện Na Hang (sửa tên)"
    do_save_unit(unit=na_hang, user=district_officer)
    stored = Unit.objects.get(pk=world.na_hang.pk)
    assert (stored.parent_id, stored.path, stored.name) == (
        world.province.pk,
        world.na_hang.path,
        "Đảng bộ huyện Na Hang (sửa tên)",
    )


def test_the_admin_refuses_a_unit_under_itself_or_its_own_child(client, world, province_admin):
    client.force_login(province_admin)
    for target, words in (
        (world.na_hang, "chính nó"),
        (world.go_na_hang, "vòng lặp"),
        (world.cell_na_hang, "vòng lặp"),
    ):
        response = _save(client, world.na_hang, parent=str(target.pk))
        assert response.status_code == 200, target
        assert words in response.content.decode()
        assert Unit.objects.get(pk=world.na_hang.pk).parent_id == world.province.pk
    assert Unit.objects.get(pk=world.cell_na_hang.pk).path == world.cell_na_hang.path


def test_a_scoped_admin_cannot_make_a_top_unit_or_loop_inside_their_subtree(client, world, district_officer):
    client.force_login(district_officer)
    response = _save(client, world.go_na_hang, parent="")
    assert response.status_code == 200
    assert "cấp cao nhất" in response.content.decode()
    response = _save(client, world.go_na_hang, parent=str(world.cell_na_hang.pk))
    assert response.status_code == 200
    assert "vòng lặp" in response.content.decode()
    assert Unit.objects.get(pk=world.go_na_hang.pk).parent_id == world.na_hang.pk


def test_moving_a_unit_in_the_admin_rewrites_every_descendants_path_and_scope(
    client, world, province_admin, district_officer, outsider
):
    from kiemdiem.orgs.actions import do_create_unit
    from kiemdiem.orgs.models import UnitKind

    sub = do_create_unit(
        code="NH-001-02", name="Chi bộ tổ 2", kind=UnitKind.SUB_COMMITTEE, parent=world.go_na_hang
    )
    leaf = do_create_unit(code="NH-001-02-1", name="Chi bộ tổ 2a", kind=UnitKind.CELL, parent=sub)
    client.force_login(province_admin)
    response = _save(client, world.go_na_hang, parent=str(world.lam_binh.pk))
    assert response.status_code == 302
    for unit in Unit.objects.all():
        expected = (unit.parent.path if unit.parent_id else "") + f"{unit.pk:06d}."
        assert unit.path == expected, unit
        assert unit.depth == len(expected) // 7 - 1
    moved = {world.go_na_hang.pk, world.cell_na_hang.pk, sub.pk, leaf.pk}
    assert not moved & set(units_visible_to(district_officer).values_list("pk", flat=True))
    assert moved <= set(units_visible_to(outsider).values_list("pk", flat=True))
    assert persons_visible_to(outsider).filter(pk=world.member_na_hang.pk).exists()
    assert not persons_visible_to(district_officer).filter(pk=world.member_na_hang.pk).exists()
    # The district officer's admin answers for what they no longer reach as for anything outside their subtree.
    client.force_login(district_officer)
    assert client.get(reverse("admin:orgs_unit_change", args=[leaf.pk])).status_code in (302, 404)


def test_a_scoped_admin_cannot_move_a_unit_out_of_their_reach(client, world, district_officer):
    client.force_login(district_officer)
    response = _save(client, world.go_na_hang, parent=str(world.lam_binh.pk))
    assert response.status_code == 200
    assert Unit.objects.get(pk=world.go_na_hang.pk).parent_id == world.na_hang.pk
