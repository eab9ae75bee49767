"""The session store: Django's database sessions (the same table, the same rows), read with one plain query."""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends import db
from django.db import connections, router
from django.utils import timezone


class SessionStore(db.SessionStore):
    """Django's `db` store, whose `load` reads the row with a plain cursor instead of building an ORM query (0.5 ms of
    a cached rating page's 9 ms). The rest is Django's: a session is its row, unexpired; logging out or `flush`
    deletes it, and the user's password hash in it is checked by `django.contrib.auth.get_user` as before."""

    def load(self) -> dict[str, Any]:
        key = self.session_key  # None when the cookie's value is not a well-formed key
        if not key:
            self._session_key = None
            return {}
        model = self.model
        alias = router.db_for_read(model)
        connection = connections[alias]
        sql = f"SELECT session_data FROM {model._meta.db_table} WHERE session_key = %s AND expire_date > %s"
        with connection.cursor() as cursor:
            cursor.execute(sql, [key, connection.ops.adapt_datetimefield_value(timezone.now())])
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return {}
        return self.decode(row[0])
