"""Per-workspace partitions of the line tables (PostgreSQL only).

On PostgreSQL ``ecommerce_salesline`` and ``ecommerce_returnline`` are partitioned by
``workspace_id`` (migration 0003). An import never writes into the live tables row by row:

1. :func:`stage` creates a plain table shaped like the partitioned one, with a CHECK on the
   workspace, and the importer ``COPY``\\s the cleaned lines into it (no index to maintain and
   no foreign-key trigger per row);
2. :func:`attach` builds the indexes in bulk (a sort each, several times cheaper than inserting
   row by row into five B-trees), drops the workspace's previous partition (or its lines in the
   DEFAULT partition) and attaches the new table as the workspace's partition. The CHECK spares
   the attach its scan for the partition bound; the workspace foreign key is validated once, by
   one query.

All of it runs in the import's transaction, so a failed import leaves nothing, and readers see
the old lines until the commit and the new ones after. From the moment the import reads the
lines it keeps, :func:`lock` holds off writes to the workspace's lines until the commit.
Dropping the previous partition, at the very end, locks the line table itself: reads of every
workspace wait for the rest of that transaction, a fraction of a second.

Lines written outside imports (the admin, tests) go through the parent table into the DEFAULT
partition or the workspace's partition, as PostgreSQL routes them.
"""

from __future__ import annotations

from django.db import connection, models

DEFAULT_SUFFIX = "_default"


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def partition_of(cursor, model: type[models.Model], workspace_id: int) -> str | None:
    """The name of the workspace's own partition of ``model``'s table, or None."""
    cursor.execute(
        "SELECT child.relname FROM pg_inherits JOIN pg_class child ON child.oid = pg_inherits.inhrelid "
        "WHERE pg_inherits.inhparent = %s::regclass AND pg_get_expr(child.relpartbound, child.oid) = %s",
        [model._meta.db_table, f"FOR VALUES IN ('{int(workspace_id)}')"],
    )
    row = cursor.fetchone()
    return row[0] if row else None


def stage(cursor, model: type[models.Model], workspace_id: int, job_id: int) -> str:
    """Create the empty table that the import fills and :func:`attach` makes the workspace's
    partition. Its ``id`` default draws from the partitioned table's sequence."""
    name = f"{model._meta.db_table}_ws{int(workspace_id)}_job{int(job_id)}"
    cursor.execute(
        f"CREATE TABLE {_quote(name)} (LIKE {_quote(model._meta.db_table)} INCLUDING DEFAULTS, "
        f"CONSTRAINT {_quote(name + '_workspace')} CHECK (workspace_id = {int(workspace_id)}))"
    )
    return name


def lock(cursor, model: type[models.Model], workspace_id: int) -> None:
    """Hold off writes to the workspace's current lines until the import commits (reads go on):
    its partition, or the DEFAULT partition while it has none. Called before the import reads
    the lines it keeps, so that no line written meanwhile is lost with the previous partition.
    The mode conflicts with itself: imports that wait for the DEFAULT partition take turns."""
    name = partition_of(cursor, model, workspace_id) or model._meta.db_table + DEFAULT_SUFFIX
    cursor.execute(f"LOCK TABLE {_quote(name)} IN SHARE ROW EXCLUSIVE MODE")


def _index_columns(model: type[models.Model], index: models.Index) -> str:
    columns = []
    for field_name in index.fields:
        descending = field_name.startswith("-")
        column = model._meta.get_field(field_name.lstrip("-")).column
        columns.append(_quote(column) + (" DESC" if descending else ""))
    return ", ".join(columns)


def attach(cursor, model: type[models.Model], workspace_id: int, staged: str) -> None:
    """Index ``staged`` like the partitioned table, then make it the workspace's partition in
    place of the previous one."""
    table, staged_name = _quote(model._meta.db_table), _quote(staged)
    # The primary key and the model's indexes, each matching one of the partitioned table's
    # indexes (ATTACH adopts an equivalent index instead of building it again).
    cursor.execute(f"ALTER TABLE {staged_name} ADD PRIMARY KEY (id, workspace_id)")
    for index in model._meta.indexes:
        cursor.execute(f"CREATE INDEX ON {staged_name} ({_index_columns(model, index)})")
    cursor.execute(f"ANALYZE {staged_name}")  # the first queries after the import plan with statistics
    previous = partition_of(cursor, model, workspace_id)
    if previous is not None:
        cursor.execute(f"DROP TABLE {_quote(previous)}")
    else:
        cursor.execute(
            f"DELETE FROM {_quote(model._meta.db_table + DEFAULT_SUFFIX)} WHERE workspace_id = %s",  # noqa: S608
            [workspace_id],
        )
    cursor.execute(f"ALTER TABLE {table} ATTACH PARTITION {staged_name} FOR VALUES IN ({int(workspace_id)})")


def drop(cursor, model: type[models.Model], workspace_id: int) -> None:
    """Drop the workspace's partition of ``model``'s table, if it has one (workspace deleted)."""
    name = partition_of(cursor, model, workspace_id)
    if name is not None:
        cursor.execute(f"DROP TABLE {_quote(name)}")
