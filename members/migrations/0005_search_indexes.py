"""GIN indexes on the institution and profile search vectors, on PostgreSQL only."""

from django.contrib.postgres.indexes import GinIndex
from django.db import migrations

from core.search import search_vector

INSTITUTION_FIELDS = (("name", "A"), ("short_name", "A"), ("city", "B"), ("description", "C"))
PERSON_FIELDS = (("display_name", "A"), ("bio", "C"))
INDEXES = [
    ("Institution", GinIndex(search_vector(*INSTITUTION_FIELDS), name="institution_search_idx")),
    ("User", GinIndex(search_vector(*PERSON_FIELDS), name="person_search_idx")),
]


def indexes_add(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for model, index in INDEXES:
            schema_editor.add_index(apps.get_model("members", model), index)


def indexes_remove(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for model, index in INDEXES:
            schema_editor.remove_index(apps.get_model("members", model), index)


class Migration(migrations.Migration):
    dependencies = [("members", "0004_user_time_zone")]

    operations = [migrations.RunPython(indexes_add, indexes_remove)]
