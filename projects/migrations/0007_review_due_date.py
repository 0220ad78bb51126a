"""Review assignments get a due date; existing ones are due 14 days after they were assigned."""

from datetime import timedelta

from django.db import migrations, models
from django.db.models import F

import projects.models

# The default when the due date was introduced; later changes to the setting do not move
# the dates of assignments made before it.
DUE_DAYS = 14


def fill_due_dates(apps, schema_editor):
    ReviewAssignment = apps.get_model("projects", "ReviewAssignment")
    ReviewAssignment.objects.update(due_at=F("created_at") + timedelta(days=DUE_DAYS))


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0006_outbox_moves_to_core"),
    ]

    operations = [
        migrations.AddField(
            model_name="reviewassignment",
            name="due_at",
            field=models.DateTimeField(null=True, verbose_name="due"),
        ),
        migrations.RunPython(fill_due_dates, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="reviewassignment",
            name="due_at",
            field=models.DateTimeField(default=projects.models.review_due_at, verbose_name="due"),
        ),
        migrations.AddIndex(
            model_name="reviewassignment",
            index=models.Index(fields=["status", "due_at"], name="projects_re_status_bc88f5_idx"),
        ),
    ]
