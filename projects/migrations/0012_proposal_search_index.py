"""A GIN index on the proposal search vector, on PostgreSQL only (SQLite searches without)."""

from django.contrib.postgres.indexes import GinIndex
from django.db import migrations

from core.search import search_vector

INDEX_NAME = "proposal_search_idx"
FIELDS = (("title", "A"), ("summary", "B"), ("description", "C"))


def _index() -> GinIndex:
    return GinIndex(search_vector(*FIELDS), name=INDEX_NAME)


def index_add(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_index(apps.get_model("projects", "Proposal"), _index())


def index_remove(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_index(apps.get_model("projects", "Proposal"), _index())


class Migration(migrations.Migration):
    dependencies = [("projects", "0011_milestone_done_at")]

    operations = [migrations.RunPython(index_add, index_remove)]
