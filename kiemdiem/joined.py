"""One model's rows and their forward relations, read by SQL written once per process (issue 21).

`Model.objects.select_related(...).get(...)` compiles its SQL on every call: for the evaluation page's scoped read
of one row (five relations joined) that was ~2 ms of CPU, more than the query itself. A `JoinedRead` writes the same
SELECT once — every concrete column of the model and of each relation, joined as `select_related` joins them
(INNER on a required key, LEFT OUTER on a nullable one and below it) — and makes the objects as the ORM does: each
value through the database's and the field's converters, `Model.from_db`, each relation cached on its parent (None
when its key is null). `extra` models are joined by a condition the caller writes (the signed-in user's unit), and
come back beside the row.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connections
from django.db.models import Model


def converters_of(field: Any, connection: Any) -> tuple[Any, list[Any]]:
    """A field's column and what the ORM runs on a value read from it (dates on SQLite, JSON, decimals …): each
    converter is called as `convert(value, column, connection)`."""
    col = field.get_col("t")
    return col, connection.ops.get_db_converters(col) + col.get_db_converters(connection)


class JoinedRead[M: Model]:
    def __init__(
        self,
        model: type[M],
        related: Sequence[str] = (),
        extra: Sequence[tuple[str, type[Model], str] | tuple[str, type[Model], str, Sequence[str]]] = (),
    ) -> None:
        """`related`: paths as `select_related` takes them, each after its parent ("cycle", "cycle__unit").
        `extra`: (name, model, condition[, fields]) joined LEFT OUTER ON the condition, `{alias}` its table's alias
        (their parameters come before the WHERE's); with `fields`, only those are read (a file's name, not its
        content), the others deferred as `only()` defers them."""
        self.model = model
        self.related = tuple(related)
        self.extra = tuple(extra)
        self._built: dict[
            str, tuple[str, list[Any]]
        ] = {}  # by database alias: (SELECT … FROM …, [plan, converters])

    def _nodes(self) -> list[tuple[str, type[Model], str, int | None, Any, bool]]:
        """(path, model, alias, parent's index, field on the parent, outer join) for the model and each relation."""
        nodes: list[tuple[str, type[Model], str, int | None, Any, bool]] = [
            ("", self.model, "t0", None, None, False)
        ]
        for path in self.related:
            parent_path, _, name = path.rpartition("__")
            parent = next(i for i, node in enumerate(nodes) if node[0] == parent_path)
            field: Any = nodes[parent][1]._meta.get_field(name)
            outer = field.null or nodes[parent][5]
            nodes.append((path, field.related_model, f"t{len(nodes)}", parent, field, outer))
        return nodes

    def _select(self, alias: str) -> tuple[str, list[Any]]:
        built = self._built.get(alias)
        if built is not None:
            return built
        connection = connections[alias]
        qn: Any = connection.ops.quote_name
        nodes = self._nodes()
        joins: list[str] = []
        columns: list[str] = []
        plan: list[tuple[str, Any, int | None, Any, int, list[Any]]] = []
        for path, model, table_alias, parent, field, outer in nodes:
            if parent is not None:
                kind = "LEFT OUTER JOIN" if outer else "INNER JOIN"
                target = field.target_field.column
                joins.append(
                    f"{kind} {qn(model._meta.db_table)} {table_alias} "
                    f"ON {table_alias}.{qn(target)} = {nodes[parent][2]}.{qn(field.column)}"
                )
            plan.append((path, model, parent, field, len(columns), list(model._meta.concrete_fields)))
            columns += [f"{table_alias}.{qn(f.column)}" for f in model._meta.concrete_fields]
        for n, (name, model, condition, *only) in enumerate(self.extra):
            table_alias = f"x{n}"
            joins.append(
                f"LEFT OUTER JOIN {qn(model._meta.db_table)} {table_alias} ON {condition.format(alias=table_alias)}"
            )
            read = [f for f in model._meta.concrete_fields if not only or f.name in only[0]]
            plan.append((name, model, None, None, len(columns), read))
            columns += [f"{table_alias}.{qn(f.column)}" for f in read]
        # (column, what the ORM runs on its value: dates on SQLite, JSON, decimals …). Kept per database alias, not
        # per thread's connection: the backends' converters read only settings (SQLite's time zone), the fields'
        # none, and each is called with the reading thread's connection.
        converters = []
        for _path, _model, _parent, _field, start, read in plan:
            for i, f in enumerate(read):
                col, chain = converters_of(f, connection)
                if chain:
                    converters.append((start + i, col, chain))
        sql = f"SELECT {', '.join(columns)} FROM {qn(self.model._meta.db_table)} t0 {' '.join(joins)}"
        built = (sql, [plan, converters])
        self._built[alias] = built
        return built

    def read(
        self, where: str, params: Sequence[Any], *, using: str = "default"
    ) -> list[tuple[M, dict[str, Any]]]:
        """The rows `WHERE {where}` (the model's table is `t0`, the relations `t1`… in `related`'s order; an
        ORDER BY may follow the condition): each object with its relations cached, and the `extra` objects by name
        (None when nothing matched)."""
        sql, (plan, converters) = self._select(using)
        connection = connections[using]
        with connection.cursor() as cursor:
            cursor.execute(f"{sql} WHERE {where}", list(params))
            rows = cursor.fetchall()
        found = []
        for raw in rows:
            values = list(raw)
            for i, col, chain in converters:
                value = values[i]
                for convert in chain:
                    value = convert(value, col, connection)
                values[i] = value
            objects: list[Any] = []
            extra: dict[str, Any] = {}
            for path, model, parent, field, start, read in plan:
                chunk = values[start : start + len(read)]
                if chunk[read.index(model._meta.pk)] is None:
                    obj = None
                else:
                    obj = model.from_db(using, [f.attname for f in read], chunk)
                if field is None and parent is None and path:
                    extra[path] = obj
                    continue
                objects.append(obj)
                if parent is not None and objects[parent] is not None:
                    field.set_cached_value(objects[parent], obj)
            found.append((objects[0], extra))
        return found
