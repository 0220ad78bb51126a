from django.db import migrations

COORDINATORS_GROUP = "Coordinators"
# What coordinators manage in the admin: the alliance's vocabulary, institutions, criteria
# and consortium rules. Proposals change only through the pages (their services).
MANAGED = {
    "members": ["focusarea", "competence", "institution", "institutiondomain", "institutioncompetence"],
    "projects": ["criterion", "consortiumrules"],
}


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _created = Group.objects.get_or_create(name=COORDINATORS_GROUP)
    for app_label, models in MANAGED.items():
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label=app_label,
                content_type__model__in=models,
                codename__regex=r"^(add|change|view)_",
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0004_participation_transitions"),
        ("members", "0003_open_to_partnering"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
