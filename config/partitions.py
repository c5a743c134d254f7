"""Catalogue look-ups shared by the partitioned tables of PostgreSQL (``ecommerce.partitions``,
``apimetrics.partitions``)."""

from django.db import connection
from django.db.backends.utils import CursorWrapper


def quote(name: str) -> str:
    return connection.ops.quote_name(name)


def children(cursor: CursorWrapper, parent: str) -> list[str]:
    """The partitions directly under ``parent``, by name."""
    cursor.execute(
        "SELECT child.relname FROM pg_inherits JOIN pg_class child ON child.oid = pg_inherits.inhrelid "
        "WHERE pg_inherits.inhparent = %s::regclass ORDER BY child.relname",
        [parent],
    )
    return [row[0] for row in cursor.fetchall()]


def exists(cursor: CursorWrapper, name: str) -> bool:
    cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
    return bool(cursor.fetchone()[0])


def is_partitioned(cursor: CursorWrapper, table: str) -> bool:
    cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_partitioned_table WHERE partrelid = to_regclass(%s))", [table])
    return bool(cursor.fetchone()[0])
