"""On PostgreSQL, move the line tables' indexes from the line table to its partitions.

A workspace's data table holds that workspace's lines only: it gets the model's indexes less
their leading ``workspace`` column, which was the same in every entry (smaller indexes, faster
to build at every import). The DEFAULT partition, shared by many workspaces, gets them as
declared. The line table keeps only its primary key (``ecommerce.partitions``). Other databases
keep the model's indexes on plain tables: this migration does nothing there.
"""

from django.db import migrations

from ecommerce import partitions

MODELS = ("SalesLine", "ReturnLine")


def _leaves(cursor, table: str) -> list[str]:
    cursor.execute("SELECT relid::regclass::text FROM pg_partition_tree(%s) WHERE isleaf", [table])
    return [row[0] for row in cursor.fetchall()]


def to_partitions(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in MODELS:
        model = apps.get_model("ecommerce", name)
        table = model._meta.db_table
        default = table + partitions.DEFAULT_SUFFIX
        with schema_editor.connection.cursor() as cursor:
            for index in model._meta.indexes:
                cursor.execute(f"DROP INDEX {index.name}")  # with its copy on every partition
                cursor.execute(
                    f"CREATE INDEX {index.name}_default ON {default} "
                    f"({partitions.index_columns(model, index, workspace=True)})"
                )
            for leaf in _leaves(cursor, table):
                if leaf != default:
                    partitions.create_indexes(cursor, model, leaf)


def to_line_table(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in MODELS:
        model = apps.get_model("ecommerce", name)
        with schema_editor.connection.cursor() as cursor:
            for leaf in _leaves(cursor, model._meta.db_table):
                cursor.execute(
                    "SELECT indexrelid::regclass::text FROM pg_index WHERE indrelid = %s::regclass AND NOT indisprimary",
                    [leaf],
                )
                for (index,) in cursor.fetchall():
                    cursor.execute(f"DROP INDEX {index}")
            for index in model._meta.indexes:
                schema_editor.execute(index.create_sql(model, schema_editor))


class Migration(migrations.Migration):
    dependencies = [
        ("ecommerce", "0003_partition_lines_by_workspace"),
    ]

    operations = [migrations.RunPython(to_partitions, to_line_table)]
