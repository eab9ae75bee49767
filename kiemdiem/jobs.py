"""Background jobs (imports, exports, a cycle's evaluations): who runs a job, whether that runner is gone, and the
status a job's page polls.

A job that starts running records its runner (`host:pid:start`, the process's start time telling a reused pid
apart) and a heartbeat at each progress step. A runner on this machine is gone when its process is (a `kill -9`
of `db_worker`, a server restart); a runner on another machine when its heartbeat is older than the lease. The
import and export apps mark such a job failed with a message the user sees (`reap_orphaned_*`), when the worker
starts and polls, and when someone opens the job's page.
"""

from __future__ import annotations

import datetime
import os
import socket
from functools import cache
from typing import Any, Protocol

from django.http import JsonResponse

# A runner elsewhere that has not reported progress for this long is taken as gone. Generous: an import's write
# phase (one transaction) reports no progress that others can see until it commits.
LEASE = datetime.timedelta(minutes=30)


def _start_ticks(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (Linux /proc); None when it does not exist or is dead."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            stat = f.read()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) ": state is field 3, starttime field 22
    if fields[0] in ("Z", "X"):  # a killed child its parent has not reaped yet
        return None
    return fields[19]


@cache
def _host() -> str:
    return socket.gethostname()[:60]


def current_runner() -> str:
    """This process as a job's runner."""
    pid = os.getpid()
    return f"{_host()}:{pid}:{_start_ticks(pid) or ''}"


def runner_is_gone(runner: str, heartbeat: datetime.datetime | None, now: datetime.datetime) -> bool:
    """Whether the process that took a job can no longer finish it."""
    host, _, rest = runner.partition(":")
    pid_text, _, start = rest.partition(":")
    if host == _host() and pid_text.isdigit():
        pid = int(pid_text)
        if os.path.isdir("/proc"):
            ticks = _start_ticks(pid)
            return ticks is None or (bool(start) and ticks != start)
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        return False
    return heartbeat is None or now - heartbeat > LEASE


class PolledJob(Protocol):
    """What every background job shows while it runs (CycleJob, ExportJob)."""

    @property
    def status(self) -> str: ...
    @property
    def progress(self) -> int: ...
    @property
    def error(self) -> str: ...
    @property
    def is_finished(self) -> bool: ...
    def get_status_display(self) -> str: ...


def status_response(job: PolledJob, **extra: Any) -> JsonResponse:
    """What a job's page polls: status, its label, progress in %, finished, the error, and the kind's own fields.
    Never cached: each poll must see the worker's latest step."""
    response = JsonResponse(
        {
            "status": job.status,
            "label": job.get_status_display(),
            "progress": job.progress,
            "finished": job.is_finished,
            "error": job.error,
            **extra,
        }
    )
    response["Cache-Control"] = "no-store"
    return response
