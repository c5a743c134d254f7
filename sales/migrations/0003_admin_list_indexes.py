from django.conf import settings
from django.db import migrations, models

# The admin's search of a store by the start of its name (``name__istartswith``): PostgreSQL
# compares UPPER(name) with a LIKE prefix, which only a pattern-ops index of that expression
# answers. SQLite has no operator classes; its tables are small.
STORE_PREFIX_INDEX = "sales_store_name_prefix"


def create_store_prefix_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE INDEX {STORE_PREFIX_INDEX} ON sales_store (upper(name::text) text_pattern_ops)")


def drop_store_prefix_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX {STORE_PREFIX_INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_workspace_sample_for"),
        ("sales", "0002_record_store_cascade"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="salesrecord",
            index=models.Index(fields=["date", "id"], name="sales_rec_date_id"),
        ),
        migrations.RunPython(create_store_prefix_index, drop_store_prefix_index),
    ]
