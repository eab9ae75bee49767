"""Small builders for rules scenarios: plain dicts in the contract's JSON shape."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from kiemdiem.rules import check_json


def _run(
    year: int, subjects: list[dict], options: dict | None = None, quota_groups: dict | None = None
) -> dict:
    data: dict = {"year": year, "subjects": subjects}
    if options is not None:
        data["options"] = options
    if quota_groups is not None:
        data["quota_groups"] = quota_groups
    return check_json(data)


@pytest.fixture
def run() -> Callable[..., dict]:
    return _run
