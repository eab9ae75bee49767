"""The write load reports where the two cores went (bench/write_load.py `tree_cpu_s`): a process tree's CPU,
live children by their own times and exited ones through their parent's children's times."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

BURN = "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.3: pass\n"


def _write_load():  # type: ignore[no-untyped-def]
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    import write_load

    return write_load


def test_a_tree_counts_a_live_child_and_one_that_exited() -> None:
    write_load = _write_load()
    before = write_load.tree_cpu_s(os.getpid())
    subprocess.run([sys.executable, "-c", BURN], check=True)  # exited and waited for: in our cutime
    after_exited = write_load.tree_cpu_s(os.getpid())
    assert after_exited - before >= 0.25
    child = subprocess.Popen(
        [sys.executable, "-c", BURN + "import sys; sys.stdin.read()\n"], stdin=subprocess.PIPE
    )
    try:
        deadline = 50
        while write_load.tree_cpu_s(child.pid) < 0.25 and deadline:  # the child's own times while it lives
            subprocess.run([sys.executable, "-c", "import time; time.sleep(0.1)"], check=True)
            deadline -= 1
        assert write_load.tree_cpu_s(os.getpid()) - after_exited >= 0.25
    finally:
        child.communicate(b"")


def test_the_write_load_serves_as_the_readme_says_production_does() -> None:
    """bench/write_load.py measures the README's production command: the same worker class, workers and threads."""
    write_load = _write_load()
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    command = readme.split("## Serving in production", 1)[1].split("```", 2)[1]
    args = write_load.GUNICORN_ARGS
    for option in ("--worker-class", "--workers", "--threads", "--timeout"):
        value = args[args.index(option) + 1]
        assert f"{option} {value}" in command, option
