"""Profile one measurement in-process with pyinstrument: python bench/profile.py page|compliance|rollup.

Needs the benchmark's PostgreSQL running (python bench/pg.py start) and the province profile (make bench).
"""

from __future__ import annotations

import sys
import time

sys.path.insert(0, __file__.rsplit("/", 1)[0])
import run  # noqa: E402


def main() -> None:
    what = sys.argv[1]
    run.setup_django(run.PROVINCE_DB)
    from pyinstrument import Profiler

    if what == "page":
        from django.test import Client

        path, cookie = run.page_target()
        client = Client()
        client.cookies.load(cookie)
        assert client.get(path).status_code == 200

        def call() -> None:
            client.get(path)

    elif what == "compliance":
        from kiemdiem.campaigns.compliance import check_cycle

        cycle = run.current_cycle()

        def call() -> None:
            check_cycle(cycle)

    else:
        call = run._rollup_callable()  # type: ignore[assignment]
    call()
    profiler = Profiler(interval=0.0005)
    t = time.perf_counter()
    with profiler:
        for _ in range(3 if what == "page" else 1):
            call()
    print(f"{what}: {(time.perf_counter() - t):.3f} s")
    print(profiler.output_text(unicode=True, color=False, show_all=False))


if __name__ == "__main__":
    main()
