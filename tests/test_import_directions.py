"""The house as drawn in STYLE.md: which package may import which, checked on every import statement.

rules → nothing of Django or the apps; orgs → no app above it; campaigns → no follow-up, report or import;
follow-up → no report or import; and no two apps import each other (a circle means a read lives in the wrong module).
"""

from __future__ import annotations

import ast
from itertools import combinations
from pathlib import Path

import pytest

import kiemdiem

PACKAGE = Path(kiemdiem.__file__).resolve().parent
APPS = ("accounts", "orgs", "campaigns", "assessments", "followup", "reports", "imports")
FORBIDDEN = {
    "rules": {"django", *(f"kiemdiem.{a}" for a in APPS), "kiemdiem.demo"},
    "orgs": {f"kiemdiem.{a}" for a in ("campaigns", "assessments", "followup", "reports", "imports", "demo")},
    "accounts": {
        f"kiemdiem.{a}"
        for a in ("orgs", "campaigns", "assessments", "followup", "reports", "imports", "demo")
    },
    "campaigns": {f"kiemdiem.{a}" for a in ("assessments", "followup", "reports", "imports", "demo")},
    # Scoring reads campaigns and writes through its actions; campaigns reaches it only through hooks.
    "assessments": {"kiemdiem.followup", "kiemdiem.reports", "kiemdiem.imports", "kiemdiem.demo"},
    "followup": {"kiemdiem.reports", "kiemdiem.imports", "kiemdiem.demo"},
    "reports": {"kiemdiem.imports", "kiemdiem.demo"},
    "imports": {"kiemdiem.reports", "kiemdiem.demo"},
}


def imported_modules(package: str) -> dict[str, set[str]]:
    """Every module a package's files import (at any depth, lazy imports included), by file."""
    found: dict[str, set[str]] = {}
    for path in (PACKAGE / package).rglob("*.py"):
        if "migrations" in path.parts:
            continue
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
                names.update(f"{node.module}.{alias.name}" for alias in node.names)
        found[str(path.relative_to(PACKAGE))] = names
    return found


def _reaches(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_it_keeps_each_package_to_its_direction(package: str) -> None:
    offenders = sorted(
        f"{path} → {name}"
        for path, names in imported_modules(package).items()
        for name in names
        for prefix in FORBIDDEN[package]
        if _reaches(name, prefix)
    )
    assert offenders == []


def test_no_two_apps_import_each_other() -> None:
    def imports(a: str, b: str) -> bool:
        return any(_reaches(n, f"kiemdiem.{b}") for names in imported_modules(a).values() for n in names)

    circles = [f"{a} ↔ {b}" for a, b in combinations(APPS, 2) if imports(a, b) and imports(b, a)]
    assert circles == []


def test_it_sees_lazy_imports() -> None:
    # The check must read imports inside functions too: that is where the old circles hid.
    tree = imported_modules("campaigns")
    assert any("kiemdiem.campaigns.hooks" in names for names in tree.values())


def test_other_apps_take_only_writes_from_campaign_actions() -> None:
    # Reads live with reads (campaigns/queries.py), the facts' fields with the model, free-text cleaning and the
    # refused-change error at the project level: what another app takes from campaigns/actions.py is a write.
    allowed = {"ActionError", "Decision", "check_paper_decisions", "ensure_evaluations"}
    taken = sorted(
        f"{path.relative_to(PACKAGE)} → {alias.name}"
        for path in PACKAGE.rglob("*.py")
        if "campaigns" not in path.relative_to(PACKAGE).parts[:1] and "migrations" not in path.parts
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ImportFrom) and node.module == "kiemdiem.campaigns.actions"
        for alias in node.names
        if not alias.name.startswith("do_") and alias.name not in allowed
    )
    assert taken == []
