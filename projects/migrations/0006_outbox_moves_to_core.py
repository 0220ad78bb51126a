"""Proposal events move to the shared outbox in core (members writes events there too)."""

from django.db import migrations


def copy_events(apps, schema_editor):
    Old = apps.get_model("projects", "NotificationEvent")
    New = apps.get_model("core", "OutboxEvent")
    ContentType = apps.get_model("contenttypes", "ContentType")
    # Keep each event's own time (the historical model is this migration's alone).
    New._meta.get_field("created_at").auto_now_add = False
    proposal_type, _ = ContentType.objects.get_or_create(app_label="projects", model="proposal")
    batch = []
    for old in Old.objects.exclude(proposal_id=None).order_by("pk").iterator():
        batch.append(
            New(
                kind=old.kind,
                subject_type_id=proposal_type.pk,
                subject_id=old.proposal_id,
                actor_id=old.actor_id,
                payload=old.payload,
                created_at=old.created_at,
                dispatched_at=old.dispatched_at,
                state="dispatched" if old.dispatched_at else "pending",
            )
        )
        if len(batch) >= 1000:
            New.objects.bulk_create(batch)
            batch = []
    New.objects.bulk_create(batch)


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0005_coordinator_permissions"),
        ("core", "0001_outbox"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(copy_events, migrations.RunPython.noop, elidable=True),
        migrations.RemoveIndex(
            model_name="notificationevent",
            name="projects_no_dispatc_555870_idx",
        ),
        migrations.DeleteModel(
            name="NotificationEvent",
        ),
    ]
