"""Extension points that apps above orgs fill in, so that the tree's pages never import them.

Campaigns registers, in its AppConfig.ready(), the panel of a person's evaluations year by year.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kiemdiem.accounts.models import User
    from kiemdiem.orgs.models import Person

PersonPanel = Callable[["User", "Person"], Any]

_person_panels: dict[str, PersonPanel] = {}


def register_person_panel(name: str, panel: PersonPanel) -> None:
    """Add a context entry `name` to the person page, built by `panel(user, person)`."""
    _person_panels[name] = panel


def person_panels(user: User, person: Person) -> dict[str, Any]:
    return {name: panel(user, person) for name, panel in _person_panels.items()}
