"""`make bench-national`: the national profile (×40 the province: ~5.6 million members) on PostgreSQL.

Generated with bulk SQL, not the Python demo generator: the province database is copied (CREATE DATABASE …
TEMPLATE), its history years dropped, and its 2021 tree, people, collectives, quota groups and evaluations
replicated 39 times with INSERT … SELECT over generate_series, ids offset and codes suffixed. All 40 provinces'
subjects belong to one 2021 cycle; each province is a tree of its own (a root unit), so the national check runs as
`kiemdiem compliance` does: province by province in one process per core, the results merged. Prints both
profiles' figures side by side, per subject, and writes bench/results_national.json.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import pg  # noqa: E402
import run  # noqa: E402

NATIONAL_DB = "kiemdiem_national"
COPIES = 40
MARK = run.CACHE / f"{NATIONAL_DB}.profile"


def cols(table: str, db: str) -> list[str]:
    out = pg.psql(
        f"SELECT column_name FROM information_schema.columns WHERE table_name = '{table}' ORDER BY ordinal_position",
        db,
    )
    return out.split("\n")


TABLES = (
    "orgs_unit",
    "orgs_person",
    "orgs_leadershipcollective",
    "campaigns_quotagroup",
    "campaigns_evaluation",
)


def drop_secondary_indexes(db: str) -> list[str]:
    """Drop the replicated tables' indexes that back no constraint (kept: primary keys, unique constraints);
    return their definitions, to build them once after the copies instead of row by row during them."""
    tables = ", ".join(f"'{t}'" for t in TABLES)
    out = pg.psql(
        "SELECT indexname || '|' || indexdef FROM pg_indexes i WHERE schemaname = 'public' "
        f"AND tablename IN ({tables}) AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
        db,
    )
    definitions = []
    for line in filter(None, out.splitlines()):
        name, definition = line.split("|", 1)
        pg.psql(f'DROP INDEX "{name}"', db)
        definitions.append(definition)
    return definitions


def replicate(table: str, exprs: dict[str, str], where: str, db: str) -> None:
    """INSERT INTO table SELECT <columns, some rewritten for copy k> FROM table, generate_series(1, COPIES-1) k.

    Foreign-key triggers are off for the copy (session_replication_role = replica): every reference of copy k
    is offset into copy k, so the checks would only cost one trigger call per row.
    """
    names = cols(table, db)
    select = ", ".join(exprs.get(c, c) for c in names)
    sql = (
        "SET session_replication_role = replica; "
        f"INSERT INTO {table} ({', '.join(names)}) "
        f"SELECT {select} FROM {table} t, generate_series(1, {COPIES - 1}) k WHERE {where}"
    )
    t = time.perf_counter()
    pg.psql(sql, db)
    run.log(f"  {table}: ×{COPIES} in {time.perf_counter() - t:.0f} s")


def offset(db: str, table: str) -> int:
    top = int(pg.psql(f"SELECT coalesce(max(id), 0) FROM {table}", db))
    return (top // 1000 + 1) * 1000


def build() -> None:
    src = run.PROVINCE_DB
    if pg.database_exists(NATIONAL_DB):
        pg.psql(f"DROP DATABASE {NATIONAL_DB}")
    t0 = time.perf_counter()
    pg.psql(f"CREATE DATABASE {NATIONAL_DB} TEMPLATE {src}")
    db = NATIONAL_DB
    cycle = int(
        pg.psql(
            "SELECT c.id FROM campaigns_cycle c JOIN orgs_unit u ON u.id = c.unit_id "
            "WHERE c.year = 2021 AND c.quarter IS NULL AND u.parent_id IS NULL ORDER BY c.id LIMIT 1",
            db,
        )
    )
    # One year only: the national check reads the current cycle, and history would only fill the disk.
    for stmt in (
        f"DELETE FROM campaigns_auditrecord a USING campaigns_evaluation e WHERE a.evaluation_id = e.id AND e.cycle_id <> {cycle}",
        f"DELETE FROM campaigns_order o USING campaigns_evaluation e WHERE o.evaluation_id = e.id AND e.cycle_id <> {cycle}",
        f"DELETE FROM campaigns_evaluation WHERE cycle_id <> {cycle}",
        f"DELETE FROM campaigns_quotagroup WHERE cycle_id <> {cycle}",
        f"DELETE FROM campaigns_unitdeadline WHERE cycle_id <> {cycle}",
        f"DELETE FROM campaigns_cycle WHERE id <> {cycle}",
    ):
        pg.psql(stmt, db)
    uoff, poff = offset(db, "orgs_unit"), offset(db, "orgs_person")
    coff, qoff = offset(db, "orgs_leadershipcollective"), offset(db, "campaigns_quotagroup")
    if uoff * COPIES > 999_999:
        raise SystemExit("too many units for six-digit path segments")
    u = f"k * {uoff}"
    path = (
        f"(SELECT string_agg(lpad((seg::bigint + k * {uoff})::text, 6, '0') || '.', '' ORDER BY ord) "
        "FROM unnest(string_to_array(rtrim(t.path, '.'), '.')) WITH ORDINALITY AS s(seg, ord))"
    )
    indexes = drop_secondary_indexes(db)
    run.log(
        f"replicating the province ×{COPIES} (offsets: units {uoff}, people {poff}; {len(indexes)} indexes dropped)"
    )
    replicate(
        "orgs_unit",
        {"id": f"t.id + {u}", "parent_id": f"t.parent_id + {u}", "code": "t.code || '-' || k", "path": path},
        "true",
        db,
    )
    replicate(
        "orgs_person",
        {
            "id": f"t.id + k * {poff}",
            "code": "t.code || '-' || k",
            "home_cell_id": f"t.home_cell_id + {u}",
            "managing_unit_id": f"t.managing_unit_id + {u}",
        },
        "true",
        db,
    )
    replicate(
        "orgs_leadershipcollective", {"id": f"t.id + k * {coff}", "unit_id": f"t.unit_id + {u}"}, "true", db
    )
    replicate(
        "campaigns_quotagroup",
        {"id": f"t.id + k * {qoff}", "code": "t.code || '@' || k", "scope_unit_id": f"t.scope_unit_id + {u}"},
        f"t.cycle_id = {cycle}",
        db,
    )
    eoff = offset(db, "campaigns_evaluation")
    replicate(
        "campaigns_evaluation",
        {
            "id": f"t.id + k * {eoff}",
            "unit_id": f"t.unit_id + {u}",
            "person_id": f"t.person_id + k * {poff}",
            "collective_id": f"t.collective_id + k * {coff}",
            "leader_collective_id": f"t.leader_collective_id + k * {coff}",
            "quota_group_id": f"t.quota_group_id + k * {qoff}",
            "deciding_unit_id": f"t.deciding_unit_id + {u}",
        },
        f"t.cycle_id = {cycle}",
        db,
    )
    t = time.perf_counter()
    for definition in indexes:
        pg.psql(definition, db)
    run.log(f"  {len(indexes)} indexes rebuilt in {time.perf_counter() - t:.0f} s")
    for table in TABLES:
        pg.psql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))", db)
    pg.psql("VACUUM ANALYZE", db)
    MARK.write_text(str(COPIES))
    run.log(f"national profile generated in {time.perf_counter() - t0:.0f} s")


def main() -> None:
    run.CACHE.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(run.CACHE).free
    pg.start()
    try:
        if not pg.database_exists(run.PROVINCE_DB) or not run.PROFILE_MARK.exists():
            raise SystemExit("Chạy `make bench` trước: hồ sơ tỉnh chưa được tạo.")
        size = int(pg.psql(f"SELECT pg_database_size('{run.PROVINCE_DB}')"))
        # The 2021 share of the province (about a third of its evaluations) ×40, with indexes: ~15× the province.
        need = size * 16
        if not (MARK.exists() and pg.database_exists(NATIONAL_DB)):
            if free < need * 1.5:
                print(
                    f"bench-national: bỏ qua — cần khoảng {need * 1.5 / 2**30:.1f} GB trống ở {run.CACHE}, "
                    f"chỉ còn {free / 2**30:.1f} GB."
                )
                return
            run.log(f"disk: {free / 2**30:.0f} GB free, need about {need / 2**30:.1f} GB")
            build()
        else:
            run.migrate_cached(NATIONAL_DB)
        run.setup_django(NATIONAL_DB)
        counts = {
            "members": int(pg.psql("SELECT count(*) FROM orgs_person WHERE is_party_member", NATIONAL_DB)),
            "subjects_2021": int(pg.psql("SELECT count(*) FROM campaigns_evaluation", NATIONAL_DB)),
            "db_bytes": int(pg.psql(f"SELECT pg_database_size('{NATIONAL_DB}')")),
        }
        run.log(f"national profile: {counts}")
        notes: dict[str, str] = {}
        comp = run.measure("compliance_national_s", lambda: run.bench_compliance(repeat=3, warm=False), notes)
        # Peak resident memory (kB on Linux) of this process and of the largest check process it forked.
        peak_gb = {
            who: round(resource.getrusage(what).ru_maxrss / 2**20, 2)
            for who, what in (("main", resource.RUSAGE_SELF), ("worker", resource.RUSAGE_CHILDREN))
        }
        roll = run.measure(
            "rollup_national_s",
            lambda: dict(zip(("s", "runs"), run.timed(run._rollup_callable(), repeat=1), strict=True)),
            notes,
        )
        ref = run.measure("rollup_sql_reference_national_s", lambda: run.bench_rollup_sql_reference(), notes)
        results = {
            "compliance_national_s": round(comp["s"], 3) if comp else None,
            "rollup_national_s": round(roll["s"], 3) if roll else None,
            "rollup_sql_reference_national_s": round(ref["s"], 3) if ref else None,
            "subjects_national": counts["subjects_2021"],
            "members_national": counts["members"],
            "db_gb_national": round(counts["db_bytes"] / 2**30, 2),
            "compliance_national_runs_s": [round(x, 3) for x in comp["runs"]] if comp else None,
            "compliance_national_peak_rss_gb": peak_gb,
        }
        province = (
            json.loads((run.BENCH / "results.json").read_text())
            if (run.BENCH / "results.json").exists()
            else {}
        )
        detail = (
            json.loads((run.BENCH / "results_detail.json").read_text())
            if (run.BENCH / "results_detail.json").exists()
            else {}
        )
        p_subjects = (detail.get("profile") or {}).get("subjects_2021")
        print()
        print("| measure | province | national | per subject, province | per subject, national | target |")
        print("| --- | --- | --- | --- | --- | --- |")
        for name, p_key, n_key, target in (
            ("compliance (PostgreSQL)", "compliance_province_s", "compliance_national_s", "national ≤ 60 s"),
            # statistics() of the cycle's unit: the first province's subtree, read out of a table 40 times larger
            # (the 39 copies are trees of their own). The whole nation's GROUP BY is the SQL reference below.
            ("roll-up (reports app, one province of the 40)", "rollup_province_s", "rollup_national_s", ""),
        ):
            p, n = province.get(p_key), results.get(n_key)
            note = notes.get(n_key, "—")
            ps = f"{p / p_subjects * 1e6:.1f} µs" if p and p_subjects else "—"
            n_subjects = counts["subjects_2021"] if n_key == "compliance_national_s" else p_subjects
            ns = f"{n / n_subjects * 1e6:.1f} µs" if n and n_subjects else "—"
            print(
                f"| {name} | {f'{p:.3f} s' if p else '—'} | {f'{n:.3f} s' if n else note} | {ps} | {ns} | {target} |"
            )
        if results["rollup_sql_reference_national_s"]:
            print(
                f"\nThe whole nation's roll-up (the DuckDB GROUP BY written for PostgreSQL, every ancestor of every "
                f"unit): {results['rollup_sql_reference_national_s']:.1f} s."
            )
        print(
            f"\nSubjects: province {p_subjects or '?'}, national {counts['subjects_2021']:,}; "
            f"national database {results['db_gb_national']} GB."
        )
        (run.BENCH / "results_national.json").write_text(
            json.dumps(results | {"notes": notes}, indent=2) + "\n"
        )
    finally:
        try:
            from django.db import connections

            connections.close_all()
        except Exception:
            pass
        if not os.environ.get("BENCH_KEEP_PG"):
            pg.stop()
            run.log("PostgreSQL stopped")


if __name__ == "__main__":
    main()
