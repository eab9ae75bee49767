"""The organisation tree, people, leadership collectives and positions."""

from __future__ import annotations

import datetime

from django.db import models
from django.db.models import Q
from django.db.models.lookups import StartsWith

from kiemdiem.vietnamese import SORT_KEY_LENGTH, fold, name_sort_key, text_sort_key

# Materialised path: every unit stores the ids of its ancestors and itself as fixed-width segments,
# so a subtree is one indexed prefix match and all children of a unit share one path length.
SEGMENT_WIDTH = 7  # "0000123." — six digits and a dot; up to 999,999 units


def path_segment(pk: int) -> str:
    return f"{pk:06d}."


def path_bounds(prefix: str) -> tuple[str, str]:
    """The paths that start with `prefix` are those from it (included) to this bound (excluded), compared byte by
    byte: the prefix with its last character moved one up ("…000012." → "…000012/")."""
    return prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)


def path_range_sql(column: str, vendor: str) -> str:
    """`column` within `path_bounds` (two parameters), compared byte by byte whatever the database's collation:
    PostgreSQL's pattern operators, which the path's pattern index (`varchar_pattern_ops`) serves; SQLite compares
    bytes by default."""
    if vendor == "postgresql":
        return f"({column} ~>=~ %s AND {column} ~<~ %s)"
    return f"({column} >= %s AND {column} < %s)"


class PathStartsWith(StartsWith):
    """`path__startswith`, as a range of paths (`path_bounds`) instead of `LIKE 'prefix%'`.

    PostgreSQL prepares the statements it is sent again (settings: server-side binding), and a prepared statement's
    generic plan is made before its parameters are known: a `LIKE $1` cannot use an index there, so every subtree
    read ran as a scan of all the units (22,000 in the province profile: ~3 ms for the rating page's key, ~6 ms for
    its breadcrumbs under load). A range of parameters is an index scan in any plan. Registered on `Unit.path`
    alone; an expression on the right (not a plain prefix) keeps Django's LIKE."""

    def as_sql(self, compiler, connection):
        prefix = self.rhs
        if not isinstance(prefix, str) or not prefix or connection.vendor not in ("postgresql", "sqlite"):
            return super().as_sql(compiler, connection)
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return path_range_sql(lhs, connection.vendor), [*lhs_params, *path_bounds(prefix)]


class UnitKind(models.TextChoices):
    # Party organisations (tổ chức đảng)
    PROVINCE_COMMITTEE = "dang_bo_tinh", "Đảng bộ tỉnh"
    DISTRICT_COMMITTEE = "dang_bo_huyen", "Đảng bộ huyện, thành phố"
    AFFILIATED_COMMITTEE = "dang_bo_truc_thuoc", "Đảng bộ trực thuộc tỉnh ủy"
    GRASSROOTS_COMMITTEE = "dang_bo_co_so", "Đảng bộ cơ sở"
    GRASSROOTS_CELL = "chi_bo_co_so", "Chi bộ cơ sở"
    SUB_COMMITTEE = "dang_bo_bo_phan", "Đảng bộ bộ phận"
    CELL = "chi_bo_truc_thuoc", "Chi bộ trực thuộc"
    # Agencies and bodies (cơ quan, đơn vị)
    PARTY_AGENCY = "co_quan_dang", "Cơ quan đảng"
    GOVERNMENT = "chinh_quyen", "Chính quyền"
    STATE_AGENCY = "co_quan_nha_nuoc", "Sở, ban, ngành"
    FRONT_MASS_ORG = "mttq_doan_the", "Mặt trận Tổ quốc, đoàn thể"
    PUBLIC_SERVICE_UNIT = "don_vi_su_nghiep", "Đơn vị sự nghiệp"
    STATE_ENTERPRISE = "doanh_nghiep_nha_nuoc", "Doanh nghiệp nhà nước"


PARTY_KINDS = frozenset(
    {
        UnitKind.PROVINCE_COMMITTEE,
        UnitKind.DISTRICT_COMMITTEE,
        UnitKind.AFFILIATED_COMMITTEE,
        UnitKind.GRASSROOTS_COMMITTEE,
        UnitKind.GRASSROOTS_CELL,
        UnitKind.SUB_COMMITTEE,
        UnitKind.CELL,
    }
)
GRASSROOTS_KINDS = frozenset({UnitKind.GRASSROOTS_COMMITTEE, UnitKind.GRASSROOTS_CELL})
# Units where members hold their party membership (sinh hoạt đảng).
CELL_KINDS = frozenset({UnitKind.GRASSROOTS_CELL, UnitKind.CELL})


class UnitQuerySet(models.QuerySet["Unit"]):
    def valid_on(self, day: datetime.date) -> UnitQuerySet:
        return self.filter(Q(valid_from__lte=day), Q(valid_to__isnull=True) | Q(valid_to__gte=day))

    def valid_in_year(self, year: int) -> UnitQuerySet:
        start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
        return self.filter(Q(valid_from__lte=end), Q(valid_to__isnull=True) | Q(valid_to__gte=start))

    def subtree_of(self, unit: Unit) -> UnitQuerySet:
        return self.filter(path__startswith=unit.path)

    def matching(self, query: str) -> UnitQuerySet:
        """Units whose name has every word of the query at a word start, accents and case aside, or whose code is it."""
        return self.filter(search_q(query))

    def bulk_create(self, objs, *args, **kwargs):
        for obj in objs:
            obj.fill_derived()
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs, fields, *args, **kwargs):
        if "name" in fields:
            for obj in objs:
                obj.fill_derived()
            fields = [*fields, "search_text", "sort_key"]
        return super().bulk_update(objs, fields, *args, **kwargs)


def search_text_of(name: str) -> str:
    """The stored folded form: a leading space, so " van" matches a word start with one LIKE on both databases."""
    return " " + fold(name)


def search_q(query: str, *, name_field: str = "search_text", code_field: str = "code") -> Q:
    """Every word of the folded query at a word start of the name (any order), or exactly the code."""
    words = fold(query).split()
    if not words:
        return Q(pk__in=[])
    by_name = Q()
    for word in words:
        by_name &= Q(**{f"{name_field}__contains": " " + word})
    return by_name | Q(
        **{code_field: query.strip()}
    )  # exact: the code's own index, OR-ed with the trigram one


class UnitSector(models.TextChoices):
    """Loại hình of a party organisation, by where it works: the optional split of Biểu A (report-forms.md §5.1)."""

    TERRITORIAL = "xa_phuong", "Xã, phường, thị trấn"
    AGENCY = "co_quan", "Cơ quan"
    PUBLIC_SERVICE = "su_nghiep", "Đơn vị sự nghiệp"
    ENTERPRISE = "doanh_nghiep", "Doanh nghiệp"
    ARMED_FORCES = "llvt", "Lực lượng vũ trang"
    NONE = "", "Chưa phân loại"


class Unit(models.Model):
    code = models.CharField("mã", max_length=40)
    name = models.CharField("tên", max_length=255)
    kind = models.CharField("loại", max_length=32, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name="cấp trên",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField("đường dẫn", max_length=255, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField("cấp", default=0, editable=False)
    valid_from = models.DateField("hiệu lực từ", default=datetime.date(2000, 1, 1))
    valid_to = models.DateField("hiệu lực đến", null=True, blank=True)
    established_on = models.DateField("ngày thành lập", null=True, blank=True)
    # Filled from the name on every save and bulk write (kiemdiem/vietnamese.py): search and Vietnamese order in SQL.
    search_text = models.CharField("tên không dấu", max_length=300, default="", editable=False)
    sort_key = models.CharField(
        "khóa sắp xếp", max_length=SORT_KEY_LENGTH, default="", editable=False, db_index=True
    )
    sector = models.CharField("loại hình", max_length=16, choices=UnitSector.choices, blank=True, default="")

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = "đơn vị"
        verbose_name_plural = "đơn vị"
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(
                fields=["code", "valid_from"],
                name="unit_code_valid_from_unique",
                violation_error_message="Đã có đơn vị mang mã này bắt đầu hiệu lực cùng ngày: mã đơn vị và ngày “hiệu lực từ” không được trùng.",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="unit_validity_ordered",
                violation_error_message="Ngày “hiệu lực đến” của đơn vị phải từ ngày “hiệu lực từ” trở đi.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def fill_derived(self) -> None:
        self.search_text = search_text_of(self.name)
        self.sort_key = text_sort_key(self.name)

    def save(self, *args, **kwargs):
        self.fill_derived()
        if kwargs.get("update_fields") is not None and "name" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_text", "sort_key"}
        super().save(*args, **kwargs)

    @property
    def is_party_org(self) -> bool:
        return self.kind in PARTY_KINDS

    @property
    def is_cell(self) -> bool:
        return self.kind in CELL_KINDS

    @property
    def ancestor_ids(self) -> list[int]:
        return [int(s) for s in self.path.split(".")[:-2]]

    def compute_path(self) -> None:
        prefix = self.parent.path if self.parent is not None else ""
        self.path = prefix + path_segment(self.pk)
        self.depth = len(self.path) // SEGMENT_WIDTH - 1


Unit._meta.get_field("path").register_lookup(PathStartsWith)


class CollectiveKind(models.TextChoices):
    EXECUTIVE_COMMITTEE = "bch", "Ban Chấp hành"
    STANDING_COMMITTEE = "btv", "Ban Thường vụ"
    CELL_COMMITTEE = "chi_uy", "Chi ủy"
    PARTY_DELEGATION = "dang_doan", "Đảng đoàn"
    PARTY_AFFAIRS_COMMITTEE = "ban_can_su", "Ban cán sự đảng"
    AGENCY_LEADERSHIP = "lanh_dao_co_quan", "Tập thể lãnh đạo cơ quan, đơn vị"


class Role(models.TextChoices):
    HEAD = "head", "Người đứng đầu"
    DEPUTY = "deputy", "Cấp phó"
    MEMBER = "member", "Thành viên"


class LeadershipCollective(models.Model):
    unit = models.ForeignKey(
        Unit, verbose_name="đơn vị", on_delete=models.PROTECT, related_name="collectives"
    )
    kind = models.CharField("loại", max_length=32, choices=CollectiveKind.choices)
    name = models.CharField("tên", max_length=255)
    # A collective ends with its unit (or its term) and a reorganisation begins its successor on the new unit.
    valid_from = models.DateField("hiệu lực từ", default=datetime.date(2000, 1, 1))
    valid_to = models.DateField("hiệu lực đến", null=True, blank=True)

    class Meta:
        verbose_name = "tập thể lãnh đạo, quản lý"
        verbose_name_plural = "tập thể lãnh đạo, quản lý"
        ordering = ["unit_id", "kind"]

    def __str__(self) -> str:
        return self.name


class ManagementTier(models.TextChoices):
    CENTRAL = "tw", "Diện Trung ương quản lý"
    PROVINCE_STANDING = "btv_tinh", "Diện Ban Thường vụ Tỉnh ủy quản lý"
    DISTRICT_STANDING = "btv_huyen", "Diện Ban Thường vụ huyện ủy và tương đương quản lý"
    GRASSROOTS = "co_so", "Diện đảng ủy cơ sở quản lý"
    NONE = "", "Không thuộc diện quản lý cán bộ"


class Membership(models.TextChoices):
    FULL = "full", "Chính thức"
    PROBATIONARY = "probationary", "Dự bị"


class CivilServiceStatus(models.TextChoices):
    CADRE = "can_bo", "Cán bộ"
    CIVIL_SERVANT = "cong_chuc", "Công chức"
    PUBLIC_EMPLOYEE = "vien_chuc", "Viên chức"
    NONE = "", "Không"


class Gender(models.TextChoices):
    MALE = "m", "Nam"
    FEMALE = "f", "Nữ"


class MemberGroup(models.TextChoices):
    """Where a member works, for the rows of Biểu B (report-forms.md §5.1) and HD 43's form 2C."""

    ARMED_FORCES = "llvt", "Lực lượng vũ trang"
    RETIRED = "nghi_huu", "Nghỉ hưu"
    OUTSIDE_SYSTEM = "ngoai_htct", "Không làm việc trong hệ thống chính trị"
    NONE = "", "Khác"


class PersonQuerySet(models.QuerySet["Person"]):
    def matching(self, query: str) -> PersonQuerySet:
        """People with every word of the query at a word start of their name, accents and case aside, or that code."""
        return self.filter(search_q(query))

    def bulk_create(self, objs, *args, **kwargs):
        for obj in objs:
            obj.fill_derived()
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs, fields, *args, **kwargs):
        if "full_name" in fields:
            for obj in objs:
                obj.fill_derived()
            fields = [*fields, "search_text", "sort_key"]
        return super().bulk_update(objs, fields, *args, **kwargs)


class Person(models.Model):
    code = models.CharField("mã", max_length=40, unique=True)
    full_name = models.CharField("họ và tên", max_length=120)
    # Filled from full_name on every save and bulk write (kiemdiem/vietnamese.py): accent-insensitive search, and
    # the roster's order (given name, then family and middle names) with Vietnamese collation, in SQL.
    search_text = models.CharField("tên không dấu", max_length=130, default="", editable=False)
    sort_key = models.CharField(
        "khóa sắp xếp", max_length=SORT_KEY_LENGTH, default="", editable=False, db_index=True
    )
    gender = models.CharField("giới tính", max_length=1, choices=Gender.choices)
    birth_date = models.DateField("ngày sinh", null=True, blank=True)
    # Party-member data
    is_party_member = models.BooleanField("là đảng viên", default=True)
    admitted_on = models.DateField("ngày vào Đảng", null=True, blank=True)
    membership = models.CharField("loại đảng viên", max_length=16, choices=Membership.choices, blank=True)
    is_exempt = models.BooleanField("miễn công tác và sinh hoạt đảng", default=False)
    is_suspended = models.BooleanField("đình chỉ sinh hoạt đảng", default=False)
    member_group = models.CharField(
        "nơi làm việc của đảng viên", max_length=16, choices=MemberGroup.choices, blank=True, default=""
    )
    home_cell = models.ForeignKey(
        Unit,
        verbose_name="chi bộ sinh hoạt",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    # The current home cell holds from this day (None: from before any recorded change); earlier cells are the
    # person's `CellMembership` rows, so a cycle reads who was where in its period.
    home_cell_since = models.DateField("sinh hoạt tại chi bộ từ ngày", null=True, blank=True)
    temporary_cell = models.ForeignKey(
        Unit,
        verbose_name="chi bộ sinh hoạt tạm thời",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="temporary_members",
    )
    # Identifiers of the party's member database (cơ sở dữ liệu đảng viên); unique when given.
    party_card_number = models.CharField("số thẻ đảng viên", max_length=20, blank=True, default="")
    personal_record_number = models.CharField("số lý lịch", max_length=20, blank=True, default="")
    # Cadre data
    civil_service_status = models.CharField(
        "cán bộ, công chức, viên chức", max_length=16, choices=CivilServiceStatus.choices, blank=True
    )
    management_tier = models.CharField(
        "diện quản lý", max_length=16, choices=ManagementTier.choices, blank=True, db_index=True
    )
    managing_unit = models.ForeignKey(
        Unit,
        verbose_name="cấp ủy quản lý cán bộ",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="managed_cadres",
    )

    class Meta:
        verbose_name = "cá nhân"
        verbose_name_plural = "cá nhân"
        ordering = ["sort_key", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(is_party_member=False) | Q(admitted_on__isnull=False),
                name="party_member_has_admission_date",
                violation_error_message="Đảng viên phải có ngày vào Đảng: điền “ngày vào Đảng” hoặc bỏ chọn “là đảng viên”.",
            ),
            models.UniqueConstraint(
                fields=["party_card_number"],
                condition=~Q(party_card_number=""),
                name="party_card_number_unique",
                violation_error_message="Số thẻ đảng viên này đã thuộc về một người khác: mỗi đảng viên có một số thẻ riêng.",
            ),
            models.UniqueConstraint(
                fields=["personal_record_number"],
                condition=~Q(personal_record_number=""),
                name="personal_record_number_unique",
                violation_error_message="Số lý lịch này đã thuộc về một người khác: mỗi người có một số lý lịch riêng.",
            ),
        ]

    objects = PersonQuerySet.as_manager()

    def __str__(self) -> str:
        return self.full_name

    def fill_derived(self) -> None:
        self.search_text = search_text_of(self.full_name)
        self.sort_key = name_sort_key(self.full_name)

    def save(self, *args, **kwargs):
        self.fill_derived()
        if kwargs.get("update_fields") is not None and "full_name" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_text", "sort_key"}
        super().save(*args, **kwargs)


class Position(models.Model):
    """A seat a person holds: in a leadership collective (with a role) or a job title in a unit."""

    person = models.ForeignKey(
        Person, verbose_name="cá nhân", on_delete=models.CASCADE, related_name="positions"
    )
    unit = models.ForeignKey(Unit, verbose_name="đơn vị", on_delete=models.PROTECT, related_name="positions")
    collective = models.ForeignKey(
        LeadershipCollective,
        verbose_name="tập thể lãnh đạo",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="positions",
    )
    title = models.CharField("chức vụ", max_length=160)
    role = models.CharField("vai trò", max_length=16, choices=Role.choices, default=Role.MEMBER)
    valid_from = models.DateField("từ ngày", default=datetime.date(2000, 1, 1))
    valid_to = models.DateField("đến ngày", null=True, blank=True)

    class Meta:
        verbose_name = "chức vụ"
        verbose_name_plural = "chức vụ"
        ordering = ["unit_id", "role", "id"]
        constraints = [
            # One head per collective at a time is what the regulation assumes (người đứng đầu).
            models.UniqueConstraint(
                fields=["collective"],
                condition=Q(role="head", valid_to__isnull=True, collective__isnull=False),
                name="one_current_head_per_collective",
                violation_error_message="Tập thể lãnh đạo này đã có người đứng đầu đương nhiệm: điền “đến ngày” cho người đứng đầu cũ trước khi thêm người mới.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} — {self.person}"


class ReorganisationKind(models.TextChoices):
    MERGE = "merge", "Hợp nhất, sáp nhập"
    SPLIT = "split", "Chia tách"
    DISSOLVE = "dissolve", "Giải thể"
    MOVE = "move", "Chuyển trực thuộc"
    RENAME = "rename", "Đổi tên"


class Reorganisation(models.Model):
    """One change of the tree from a date on, as applied: who, when, what (the preview that was shown)."""

    kind = models.CharField("loại", max_length=16, choices=ReorganisationKind.choices)
    effective_on = models.DateField("ngày hiệu lực")
    decision = models.CharField("quyết định", max_length=255, blank=True)
    created_by = models.ForeignKey(
        "accounts.User", verbose_name="người thực hiện", null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField("thời điểm", auto_now_add=True)
    summary = models.JSONField("nội dung", default=dict)

    class Meta:
        verbose_name = "sắp xếp tổ chức"
        verbose_name_plural = "sắp xếp tổ chức"
        ordering = ["-effective_on", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} từ {self.effective_on:%d/%m/%Y}"


class Succession(models.Model):
    """A unit that ended and the unit that took over its members and subtree (a merge has several, a split several)."""

    reorganisation = models.ForeignKey(Reorganisation, on_delete=models.PROTECT, related_name="successions")
    predecessor = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="successions")
    successor = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="predecessions")

    class Meta:
        verbose_name = "đơn vị kế thừa"
        verbose_name_plural = "đơn vị kế thừa"


class UnitName(models.Model):
    """A name a unit carried until a day (a rename keeps the unit, its subtree and its evaluations)."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="former_names")
    name = models.CharField("tên", max_length=255)
    valid_to = models.DateField("dùng đến ngày")
    reorganisation = models.ForeignKey(Reorganisation, null=True, on_delete=models.PROTECT)

    class Meta:
        ordering = ["unit_id", "valid_to"]


class CellMembership(models.Model):
    """A cell a person belonged to for a closed period; the current one is `Person.home_cell`."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="past_cells")
    cell = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="past_members")
    valid_from = models.DateField("từ ngày", null=True, blank=True)
    valid_to = models.DateField("đến ngày")
    reorganisation = models.ForeignKey(Reorganisation, null=True, blank=True, on_delete=models.PROTECT)

    class Meta:
        verbose_name = "quá trình sinh hoạt đảng"
        verbose_name_plural = "quá trình sinh hoạt đảng"
        indexes = [models.Index(fields=["cell", "valid_to"])]
