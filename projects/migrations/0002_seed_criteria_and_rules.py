from django.db import migrations

CRITERIA = [
    ("Openness", "Open weights, code, data and documentation under OSI-approved licences.", 1.0),
    ("Impact", "What the alliance and the field gain if the project succeeds.", 1.0),
    ("Feasibility", "Plan, resources and timeline fit the goals.", 1.0),
    ("Consortium strength", "The partners bring the competences the work needs.", 1.0),
    ("Responsible AI", "Risks, safety and societal effects are understood and addressed.", 1.0),
]


def seed(apps, schema_editor):
    Criterion = apps.get_model("projects", "Criterion")
    ConsortiumRules = apps.get_model("projects", "ConsortiumRules")
    for position, (name, description, weight) in enumerate(CRITERIA):
        Criterion.objects.get_or_create(
            name=name,
            defaults={"description": description, "weight": weight, "position": position},
        )
    ConsortiumRules.objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("projects", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
