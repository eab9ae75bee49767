"""The rules package never imports Django."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import kiemdiem.rules

PACKAGE = Path(kiemdiem.rules.__file__).resolve().parent
ROOT = PACKAGE.parent.parent


def test_rules_package_never_imports_django() -> None:
    code = (
        "import importlib, pkgutil, sys\n"
        "import kiemdiem.rules as pkg\n"
        "names = [m.name for m in pkgutil.walk_packages(pkg.__path__, 'kiemdiem.rules.')]\n"
        "for name in names:\n"
        "    importlib.import_module(name)\n"
        "assert len(names) >= 8, names\n"
        "bad = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "assert not bad, bad\n"
        "print(len(names))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    sources = list(PACKAGE.rglob("*.py"))
    assert sources
    pattern = re.compile(r"^\s*(import django|from django)", re.M)
    offenders = [str(p) for p in sources if pattern.search(p.read_text(encoding="utf-8"))]
    assert offenders == []
