"""An SQLite FTS5 index of proposals, on SQLite only (PostgreSQL has its GIN index).

The index reads its rows from the proposal table (external content); triggers keep it in
step, and creating it fills it from the proposals that exist already.
"""

from django.db import migrations

from core.search import fts_create, fts_drop

TABLE = "projects_proposal"
FIELDS = (("title", "A"), ("summary", "B"), ("description", "C"))


def index_add(apps, schema_editor):
    fts_create(schema_editor, table=TABLE, fields=FIELDS)


def index_remove(apps, schema_editor):
    fts_drop(schema_editor, table=TABLE)


class Migration(migrations.Migration):
    dependencies = [("projects", "0012_proposal_search_index")]

    operations = [migrations.RunPython(index_add, index_remove)]
