"""Branches of the tree for the trust tests: what a role reaches (inside) and what it must not (outside)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field, replace

import pytest


@dataclass(frozen=True)
class Branch:
    """One object of every kind the URL kwargs name, all in one subtree; None = the role reaches none."""

    label: str
    unit: object | None
    person: object | None
    cycle: object | None
    evaluation: object | None
    collective: object | None
    position: object | None
    quota_group: object | None
    user: object | None
    import_job: object | None
    export_job: object | None
    report_submission: object | None
    api_key: object | None = None
    names: tuple[str, ...] = field(default=())  # names that must never show for someone outside
    task: object | None = None  # a task of the evaluation's register, with an evidence file
    reorganisation: object | None = None  # a record of a change that touched the branch's cell
    cycle_job: object | None = None  # like an export job: its starter's own (and its cycle's managers')

    def get(self, kind: str) -> object | None:
        return getattr(self, kind)


def _branch(label: str, *, cell, district, grassroots, person, cycle, user) -> Branch:  # type: ignore[no-untyped-def]
    from kiemdiem.campaigns.actions import ensure_evaluations
    from kiemdiem.campaigns.models import Evaluation, SubjectType
    from kiemdiem.orgs.models import CollectiveKind, LeadershipCollective, Position, Role

    collective = LeadershipCollective.objects.create(
        unit=cell, kind=CollectiveKind.CELL_COMMITTEE, name=f"Chi ủy {cell.name}"
    )
    position = Position.objects.create(
        person=person, unit=cell, collective=collective, title="Bí thư chi bộ", role=Role.HEAD
    )
    ensure_evaluations(cycle=cycle)
    evaluation = Evaluation.objects.get(cycle=cycle, person=person, subject_type=SubjectType.PARTY_MEMBER)
    return Branch(
        label=label,
        unit=cell,
        person=person,
        cycle=cycle,
        evaluation=evaluation,
        collective=collective,
        position=position,
        quota_group=evaluation.quota_group,
        user=user,
        import_job=_import_job(user, cell),
        export_job=_export_job(user, cycle, cell),
        report_submission=_report_submission(user, cycle, cell),
        api_key=_api_key(cell),
        names=(district.name, grassroots.name, cell.name, person.full_name, collective.name),
        reorganisation=_reorganisation(cell),
        task=_task(user, evaluation),
        cycle_job=_cycle_job(user, cycle),
    )


def _task(user, evaluation):  # type: ignore[no-untyped-def]
    from kiemdiem.assessments.actions import do_add_task

    return do_add_task(
        user=user,
        evaluation=evaluation,
        title="Báo cáo chuyên đề",
        result="on_time",
        evidence=("bao-cao.pdf", b"%PDF-1.7 minh chung"),
    )


def _reorganisation(cell):  # type: ignore[no-untyped-def]
    """A rename of the branch's cell in 2020, recorded (the cell keeps its name: the record holds the old one)."""
    from kiemdiem.orgs.models import Reorganisation, UnitName

    record = Reorganisation.objects.create(
        kind="rename",
        effective_on=datetime.date(2021, 1, 1),
        summary={
            "lines": [f"Đổi tên {cell.name} (tên cũ) thành {cell.name} từ ngày 01/01/2021."],
            "counts": {},
        },
    )
    UnitName.objects.create(
        unit=cell, name=f"{cell.name} (tên cũ)", valid_to=datetime.date(2020, 12, 31), reorganisation=record
    )
    return record


def _cycle_job(user, cycle):  # type: ignore[no-untyped-def]
    from kiemdiem.campaigns.models import CycleJob

    return CycleJob.objects.create(
        user=user, cycle=cycle, status="done", progress=100, added={"evaluations": 1}
    )


def _import_job(user, cell):  # type: ignore[no-untyped-def]
    from kiemdiem.imports.models import ImportJob

    return ImportJob.objects.create(user=user, kind="people", file_name=f"Danh sách {cell.name}.xlsx")


def _export_job(user, cycle, cell):  # type: ignore[no-untyped-def]
    from kiemdiem.reports.models import ExportJob

    return ExportJob.objects.create(
        user=user,
        kind="xlsx",
        cycle=cycle,
        unit=cell,
        status="done",
        progress=100,
        file_name=f"bieu-thong-ke-{cell.code}.xlsx",
        content=b"PK",
    )


def _api_key(cell):  # type: ignore[no-untyped-def]
    from kiemdiem.accounts.models import User
    from kiemdiem.orgs.actions import do_issue_api_key

    root = User.objects.filter(username="goc").first() or User.objects.create_superuser("goc", password=None)
    key, _ = do_issue_api_key(
        issued_by=root, name=f"Phần mềm quản lý đảng viên {cell.code}", unit=cell, access="read"
    )
    return key


def _report_submission(user, cycle, cell):  # type: ignore[no-untyped-def]
    from kiemdiem.reports.actions import do_submit_report

    return do_submit_report(user=user, cycle=cycle, unit=cell, number=f"BC-{cell.code}")


@pytest.fixture(scope="module")
def _branches(request, _world_pks, django_db_blocker):  # type: ignore[no-untyped-def]
    """Built once per module on top of the shared world (about 0.4 s of CPU through the actions, which each of the
    access matrix's tests paid), and rolled back after the module's last test; each test runs in a savepoint of it
    and reads its objects' keys and names (it never changes them in memory)."""
    from tests.conftest import (
        built_once,
        current_world,
        make_cell_secretary,
        make_outsider,
        no_transactional_test_in,
    )

    no_transactional_test_in(request)

    def build():  # type: ignore[no-untyped-def]
        world = current_world(_world_pks)
        return _build_branches(world, make_cell_secretary(world), make_outsider(world))

    with built_once(django_db_blocker, build, empty=False) as built:
        yield built


@pytest.fixture
def branches(_branches, world, cell_secretary, outsider):  # type: ignore[no-untyped-def]
    """Na Hang (inside for the Na Hang roles), Lâm Bình (a sibling district), Hà Giang (another province)."""
    return _branches


def _build_branches(world, cell_secretary, outsider):  # type: ignore[no-untyped-def]
    from kiemdiem.campaigns.actions import do_open_cycle
    from kiemdiem.orgs.actions import do_create_unit
    from kiemdiem.orgs.models import Person, UnitKind
    from tests.conftest import _user

    hg = do_create_unit(
        code="HG", name="Đảng bộ tỉnh Hà Giang", kind=UnitKind.PROVINCE_COMMITTEE, parent=None
    )
    hg_district = do_create_unit(
        code="HG-DV", name="Đảng bộ huyện Đồng Văn", kind=UnitKind.DISTRICT_COMMITTEE, parent=hg
    )
    hg_go = do_create_unit(
        code="HG-DV-1", name="Đảng bộ xã Lũng Cú", kind=UnitKind.GRASSROOTS_COMMITTEE, parent=hg_district
    )
    hg_cell = do_create_unit(
        code="HG-DV-1-1", name="Chi bộ thôn Lô Lô Chải", kind=UnitKind.CELL, parent=hg_go
    )
    hg_person = Person.objects.create(
        code="HG1",
        full_name="Vàng Thị Mỷ",
        gender="f",
        admitted_on=datetime.date(2008, 2, 3),
        membership="full",
        home_cell=hg_cell,
    )
    hg_user = _user("hagiang", role="province_admin", unit=hg, is_staff=True)
    w = world
    return {
        "na_hang": _branch(
            "Na Hang",
            cell=w.cell_na_hang,
            district=w.na_hang,
            grassroots=w.go_na_hang,
            person=w.member_na_hang,
            cycle=w.cycle_na_hang,
            user=cell_secretary,
        ),
        "lam_binh": _branch(
            "Lâm Bình",
            cell=w.cell_lam_binh,
            district=w.lam_binh,
            grassroots=w.lam_binh.children.get(),
            person=w.member_lam_binh,
            cycle=w.cycle_lam_binh,
            user=outsider,
        ),
        "ha_giang": _branch(
            "Hà Giang",
            cell=hg_cell,
            district=hg_district,
            grassroots=hg_go,
            person=hg_person,
            cycle=do_open_cycle(unit=hg, year=2021),
            user=hg_user,
        ),
    }


# role fixture → (what it reaches of Na Hang, which branches are outside its scope)
ROLES = {
    "province_admin": ("all", ["ha_giang"]),
    "inspector": ("all", ["ha_giang"]),
    "district_officer": ("all", ["lam_binh", "ha_giang"]),
    "standing_member": ("all", ["lam_binh", "ha_giang"]),
    "grassroots_officer": ("all", ["lam_binh", "ha_giang"]),
    "cell_secretary": ("all", ["lam_binh", "ha_giang"]),
    # A member reaches their own record, evaluation and the cycles covering their cell; no unit at all.
    "member": ("self", ["lam_binh", "ha_giang"]),
}


def inside_for(role: str, branch: Branch, user: object | None = None) -> Branch:
    """What of the branch the role reaches; import and export jobs are their starter's own, so the role's own."""
    reach, _ = ROLES[role]
    own_job = _import_job(user, branch.unit) if user is not None else None
    own_export = _export_job(user, branch.cycle, branch.unit) if user is not None else None
    own_cycle_job = _cycle_job(user, branch.cycle) if user is not None else None
    if reach == "self":
        return replace(
            branch,
            unit=None,
            collective=None,
            position=None,
            quota_group=None,
            user=None,
            api_key=None,
            import_job=own_job,
            export_job=own_export,
            report_submission=None,
            reorganisation=None,
            cycle_job=own_cycle_job,
        )
    return replace(branch, import_job=own_job, export_job=own_export, cycle_job=own_cycle_job)
