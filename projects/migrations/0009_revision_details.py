from django.db import migrations, models


def record_current_details(apps, schema_editor):
    """Give each proposal's latest revision the fields as they stand now.

    Earlier revisions keep empty details (nothing was recorded then) and compare by their
    text; the latest gets today's values, so that the next save that changes nothing adds
    no revision. (The same shape as ``Revision.snapshot_details``.)
    """
    Proposal = apps.get_model("projects", "Proposal")
    Revision = apps.get_model("projects", "Revision")
    for proposal in Proposal.objects.select_related("focus_area").iterator():
        latest = Revision.objects.filter(proposal=proposal).order_by("-number").first()
        if latest is None:
            continue
        competences = sorted(
            [required.competence.slug, required.competence.name, int(required.importance)]
            for required in proposal.required_competences.select_related("competence")
        )
        latest.details = {
            "focus_area": proposal.focus_area.name,
            "licence": proposal.licence,
            "duration_months": proposal.duration_months,
            "visibility": proposal.visibility,
            "competences": competences,
        }
        latest.save(update_fields=["details"])


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0008_request_tokens_for_idempotent_creates"),
    ]

    operations = [
        migrations.AddField(
            model_name="revision",
            name="details",
            field=models.JSONField(blank=True, default=dict, verbose_name="details"),
        ),
        migrations.RunPython(record_current_details, migrations.RunPython.noop),
    ]
