"""SQLite FTS5 indexes of institutions and public profiles, on SQLite only (PostgreSQL has GIN).

Each index reads its rows from the model's table (external content); triggers keep it in
step, and creating it fills it from the rows that exist already.
"""

from django.db import migrations

from core.search import fts_create, fts_drop

INSTITUTION_FIELDS = (("name", "A"), ("short_name", "A"), ("city", "B"), ("description", "C"))
PERSON_FIELDS = (("display_name", "A"), ("bio", "C"))
INDEXES = [("members_institution", INSTITUTION_FIELDS), ("members_user", PERSON_FIELDS)]


def indexes_add(apps, schema_editor):
    for table, fields in INDEXES:
        fts_create(schema_editor, table=table, fields=fields)


def indexes_remove(apps, schema_editor):
    for table, _fields in INDEXES:
        fts_drop(schema_editor, table=table)


class Migration(migrations.Migration):
    dependencies = [("members", "0005_search_indexes")]

    operations = [migrations.RunPython(indexes_add, indexes_remove)]
