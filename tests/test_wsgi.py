"""The served application: loaded whole at start and kept out of the garbage collector's full walks (issue 21)."""

from __future__ import annotations

import json
import subprocess
import sys


def test_the_application_loads_its_views_and_freezes_what_it_loaded() -> None:
    probe = (
        "import gc, json, sys; import kiemdiem.wsgi; "
        "print(json.dumps([gc.get_freeze_count(), gc.get_threshold()[0], 'kiemdiem.campaigns.views' in sys.modules, "
        "'kiemdiem.api.views' in sys.modules or any(m.startswith('kiemdiem.api') for m in sys.modules)]))"
    )
    out = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", probe], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    frozen, threshold, views, api = json.loads(out.strip().splitlines()[-1])
    assert views and api  # the URLconf and the views it names are imported before the freeze
    assert frozen > 50_000  # Django, the apps and the views: out of the collector's full walks
    assert threshold == 20_000  # the youngest generation: collected every 20,000 allocations, not 2,000
