"""Per-workspace partitions of the line tables (PostgreSQL only).

On PostgreSQL ``ecommerce_salesline`` and ``ecommerce_returnline`` are partitioned by
``workspace_id`` (migration 0003) on two levels::

    ecommerce_salesline                        LIST (workspace_id)
    ├── ecommerce_salesline_default            lines of workspaces that never imported
    └── ecommerce_salesline_ws7                LIST (workspace_id), workspace 7's own
        └── ecommerce_salesline_ws7_job42      its lines, as left by import job 42

An import never writes into the live tables row by row:

1. :func:`ensure` gives the workspace its own level at its first import (in a short
   transaction of its own), moving the lines it may have in the DEFAULT partition;
2. :func:`stage` creates a plain table shaped like the line table, with a CHECK on the
   workspace, and the importer ``COPY``\\s the cleaned lines into it: no index to maintain and
   no foreign-key trigger per row;
3. :func:`lock` holds off writes to the workspace's lines (reads go on) before the importer
   copies the lines it keeps, so that none written meanwhile is lost;
4. :func:`attach` builds the indexes in bulk (a sort each, several times cheaper than inserting
   into five B-trees row by row), drops the previous data table and attaches the staged one in
   its place. The CHECK spares the attach its scan for the bound; the foreign key to the
   workspace is validated by one query.

Indexes: the line table itself has only its primary key. A data table holds one workspace's
lines, so it carries the model's indexes less their leading ``workspace`` column, which would
be the same in every entry: each sort of an index build would compare it first, every entry
would carry it, and a query reaches the table by partition pruning on the workspace anyway.
The DEFAULT partition, shared by many workspaces, carries the model's indexes as declared
(migration 0004).

Steps 2-4 run in the import's transaction: a failed import leaves nothing, readers see the old
lines until the commit and the new ones after. The swap locks the workspace's own level only,
never the line table itself, so imports, reads and writes of other workspaces never wait for
it, and no lock order can deadlock: a writer of the workspace waits before it holds anything
the import needs.
"""

from __future__ import annotations

import structlog
from django.db import DatabaseError, connection, models, transaction

from config import partitions

log = structlog.get_logger("pulse.ecommerce.partitions")

DEFAULT_SUFFIX = "_default"
ENSURE_LOCK = 0x65636F6D  # pg_advisory_xact_lock key: one ensure() at a time ("ecom")
DROP_LOCK_TIMEOUT = "2s"
# The index builds of an import's staged tables (PostgreSQL's parallel maintenance workers): a
# leader and its workers each need 32 MB of maintenance_work_mem, or the planner uses fewer.
INDEX_BUILD_WORKERS = 2
INDEX_BUILD_MEMORY = "256MB"

_quote, _children, _exists = partitions.quote, partitions.children, partitions.exists


def workspace_table(model: type[models.Model], workspace_id: int) -> str:
    """The workspace's own level of ``model``'s table (a partitioned table)."""
    return f"{model._meta.db_table}_ws{int(workspace_id)}"


def data_tables(cursor, model: type[models.Model], workspace_id: int) -> list[str]:
    """The tables holding the workspace's lines under its own level (one, once it has one)."""
    level = workspace_table(model, workspace_id)
    return _children(cursor, level) if _exists(cursor, level) else []


def _create_like(cursor, model: type[models.Model], name: str, workspace_id: int) -> None:
    """A table shaped like ``model``'s, ``id`` drawing from its sequence, holding one workspace."""
    cursor.execute(
        f"CREATE TABLE {_quote(name)} (LIKE {_quote(model._meta.db_table)} INCLUDING DEFAULTS, "
        f"CONSTRAINT {_quote(name + '_workspace')} CHECK (workspace_id = {int(workspace_id)}))"
    )


def ensure(model: type[models.Model], workspace_id: int) -> None:
    """Give the workspace its own level of ``model``'s table, with an empty data table or the
    lines it had in the DEFAULT partition. Does nothing when it has one. Run it in a
    transaction of its own before the import's: attaching takes a lock on the DEFAULT
    partition, held until the commit."""
    level = workspace_table(model, workspace_id)
    with connection.cursor() as cursor:
        if _exists(cursor, level):
            return
        # Two of these at once would each wait for the other's lock on the DEFAULT partition.
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ENSURE_LOCK])
        if _exists(cursor, level):
            return
        table, default = model._meta.db_table, model._meta.db_table + DEFAULT_SUFFIX
        first = f"{level}_job0"
        _create_like(cursor, model, first, workspace_id)
        cursor.execute(
            f"INSERT INTO {_quote(first)} SELECT * FROM {_quote(default)} WHERE workspace_id = %s",  # noqa: S608
            [workspace_id],
        )
        cursor.execute(
            f"CREATE TABLE {_quote(level)} (LIKE {_quote(table)} INCLUDING DEFAULTS) PARTITION BY LIST (workspace_id)"
        )
        cursor.execute(f"ALTER TABLE {_quote(level)} ATTACH PARTITION {_quote(first)} FOR VALUES IN ({workspace_id})")
        cursor.execute(f"DELETE FROM {_quote(default)} WHERE workspace_id = %s", [workspace_id])  # noqa: S608
        _build_keys(cursor, model, first)  # in bulk, now that its rows are in
        cursor.execute(f"ALTER TABLE {_quote(table)} ATTACH PARTITION {_quote(level)} FOR VALUES IN ({workspace_id})")


def stage(cursor, model: type[models.Model], workspace_id: int, job_id: int) -> str:
    """Create the empty table that the import fills and :func:`attach` swaps in."""
    name = f"{workspace_table(model, workspace_id)}_job{int(job_id)}"
    _create_like(cursor, model, name, workspace_id)
    return name


def lock(cursor, model: type[models.Model], workspace_id: int) -> None:
    """Hold off writes to the workspace's lines until the commit; reads go on. A writer waits on
    the workspace's level, before it holds a lock on anything under it."""
    cursor.execute(f"LOCK TABLE {_quote(workspace_table(model, workspace_id))} IN SHARE ROW EXCLUSIVE MODE")


def index_columns(model: type[models.Model], index: models.Index, *, workspace: bool) -> str:
    """The column list of ``index``, with its leading ``workspace`` column or without it."""
    fields = index.fields if workspace or index.fields[0] != "workspace" else index.fields[1:]
    columns = []
    for field_name in fields:
        descending = field_name.startswith("-")
        column = model._meta.get_field(field_name.lstrip("-")).column
        columns.append(_quote(column) + (" DESC" if descending else ""))
    return ", ".join(columns)


def create_indexes(cursor, model: type[models.Model], table: str) -> None:
    """Build the model's indexes, less their workspace column, on a data table."""
    for index in model._meta.indexes:
        cursor.execute(f"CREATE INDEX ON {_quote(table)} ({index_columns(model, index, workspace=False)})")


def tune_index_builds(cursor, workers: int = INDEX_BUILD_WORKERS) -> None:
    """Let the index builds of :func:`attach` sort with ``workers`` parallel workers and
    :data:`INDEX_BUILD_MEMORY`, until the end of the transaction."""
    cursor.execute("SELECT set_config('max_parallel_maintenance_workers', %s, true)", [str(int(workers))])
    cursor.execute("SELECT set_config('maintenance_work_mem', %s, true)", [INDEX_BUILD_MEMORY])


def _build_keys(cursor, model: type[models.Model], table: str) -> None:
    # The primary key matches the line table's: ATTACH adopts it instead of building another.
    cursor.execute(f"ALTER TABLE {_quote(table)} ADD PRIMARY KEY (id, workspace_id)")
    create_indexes(cursor, model, table)


def attach(cursor, model: type[models.Model], workspace_id: int, staged: str) -> None:
    """Index ``staged`` and make it the workspace's data table in place of the previous one."""
    level, staged_name = _quote(workspace_table(model, workspace_id)), _quote(staged)
    _build_keys(cursor, model, staged)
    cursor.execute(f"ANALYZE {staged_name}")  # the first queries after the import plan with statistics
    for previous in data_tables(cursor, model, workspace_id):
        cursor.execute(f"DROP TABLE {_quote(previous)}")
    cursor.execute(f"ALTER TABLE {level} ATTACH PARTITION {staged_name} FOR VALUES IN ({int(workspace_id)})")


def drop(model: type[models.Model], workspace_id: int) -> None:
    """Drop the workspace's own level of ``model``'s table (the workspace is being deleted, its
    lines are gone). Dropping locks the line table itself: when that lock is not granted within
    :data:`DROP_LOCK_TIMEOUT`, the empty tables stay, and the deletion goes on."""
    level = workspace_table(model, workspace_id)
    with connection.cursor() as cursor:
        if not _exists(cursor, level):
            return
        try:
            with transaction.atomic():
                cursor.execute(f"SET LOCAL lock_timeout = '{DROP_LOCK_TIMEOUT}'")
                cursor.execute(f"DROP TABLE {_quote(level)}")
                cursor.execute("SET LOCAL lock_timeout = DEFAULT")
        except DatabaseError:
            log.warning("partition_drop_deferred", table=level)
