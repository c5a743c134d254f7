"""On PostgreSQL, the database itself refuses overlapping active promotions of one target.

``catalog.services.promotion_save`` checks overlaps under a row lock on every backend; this
exclusion constraint is the last line on PostgreSQL (SQLite has none, and runs one writer at a
time). It needs the btree_gist extension (trusted since PostgreSQL 13); where it cannot be
created the constraint is skipped with a warning and the service check still holds.
"""

import warnings

from django.db import migrations

CONSTRAINTS = {
    "catalog_promotion_no_overlap_product": "product_id WITH =",
    "catalog_promotion_no_overlap_type": "product_type_id WITH =",
}
WHERE = {
    "catalog_promotion_no_overlap_product": "is_active AND product_id IS NOT NULL",
    "catalog_promotion_no_overlap_type": "is_active AND product_type_id IS NOT NULL",
}


def add_constraints(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SAVEPOINT catalog_btree_gist")
        try:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        except Exception as exc:  # noqa: BLE001 - no rights to create it: keep the service check only
            cursor.execute("ROLLBACK TO SAVEPOINT catalog_btree_gist")
            warnings.warn(f"catalog: no btree_gist ({exc}); overlap checks stay in the service only", stacklevel=1)
            return
        cursor.execute("RELEASE SAVEPOINT catalog_btree_gist")
        for name, target in CONSTRAINTS.items():
            cursor.execute(
                f"ALTER TABLE catalog_promotion ADD CONSTRAINT {name} EXCLUDE USING gist "  # noqa: S608 - constants
                f"({target}, tstzrange(starts_at, ends_at, '[)') WITH &&) WHERE ({WHERE[name]})"
            )


def drop_constraints(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for name in CONSTRAINTS:
            cursor.execute(f"ALTER TABLE catalog_promotion DROP CONSTRAINT IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [migrations.RunPython(add_constraints, drop_constraints, elidable=False)]
