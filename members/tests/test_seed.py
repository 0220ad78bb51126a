from __future__ import annotations

import hashlib
import re
from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db.models import Count, Exists, OuterRef, Q

from members.demo import COORDINATOR_EMAIL, DEMO_PASSWORD, FOCUS_AREAS, INSTITUTIONS
from members.enums import InstitutionStatus, MembershipRole, MembershipStatus
from members.models import (
    Competence,
    FocusArea,
    Institution,
    InstitutionCompetence,
    InstitutionDomain,
    Membership,
    PersonCompetence,
    User,
)

pytestmark = pytest.mark.django_db


def run(command: str, *args: str) -> str:
    out = StringIO()
    call_command(command, *args, stdout=out, no_color=True)
    return out.getvalue()


def snapshot() -> dict[str, tuple[int, str]]:
    """Row count and a digest of every column of every table, keyed by model."""
    state = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or not model._meta.managed:
            continue
        columns = [f.attname for f in model._meta.concrete_fields]
        rows = list(model._base_manager.order_by("pk").values_list(*columns))
        state[model._meta.label] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    return state


def printed_logins(output: str) -> dict[str, str]:
    lines = output.split("Demo logins\n", 1)[1].splitlines()
    return dict(re.split(r"\s{2,}", line.strip(), maxsplit=1) for line in lines if line.strip())


@pytest.fixture
def demo_output() -> str:
    return run("seed_demo")


# seed_demo ------------------------------------------------------------------------------


def test_seed_demo_refuses_to_run_in_production(settings):
    settings.PRODUCTION = True

    with pytest.raises(CommandError) as refused:
        run("seed_demo")

    assert str(refused.value) == (
        "seed_demo refuses to run under DJANGO_ENV=production: it creates a staff account "
        "and people whose password is published. Pass --force-in-production if this really "
        "is a demonstration site."
    )
    assert (User.objects.count(), Institution.objects.count()) == (0, 0)


def test_seed_demo_runs_in_production_when_forced(settings):
    settings.PRODUCTION = True

    output = run("seed_demo", "--force-in-production")

    assert printed_logins(output)["Password"] == DEMO_PASSWORD
    assert User.objects.filter(email=COORDINATOR_EMAIL, is_staff=True).count() == 1


def test_seed_demo_second_run_changes_nothing(demo_output):
    before = snapshot()

    output = run("seed_demo")

    assert snapshot() == before
    assert output.splitlines()[0] == (
        f"Demo alliance is up to date, nothing changed "
        f"({Institution.objects.count()} institutions, {User.objects.count()} people)."
    )


def test_seed_demo_first_run_reports_what_it_created(demo_output):
    created = {
        label.strip(): counts.strip()
        for label, counts in (line.rsplit("  ", 1) for line in demo_output.splitlines()[1:4])
    }

    assert demo_output.splitlines()[0] == "Demo alliance loaded:"
    assert created == {
        "focus areas": f"{len(FOCUS_AREAS)} created",
        "competences": f"{sum(len(a.competences) for a in FOCUS_AREAS)} created",
        "institutions": f"{len(INSTITUTIONS)} created",
    }


def test_seed_demo_restores_a_changed_row_and_reports_it(demo_output):
    Institution.objects.filter(slug="cern").update(name="Renamed")

    output = run("seed_demo")

    assert Institution.objects.get(slug="cern").name == "CERN"
    assert output.splitlines()[:2] == ["Demo alliance loaded:", "  institutions  1 updated"]


@pytest.mark.parametrize(
    ("model", "lookup", "change"),
    [
        (FocusArea, {"slug": FOCUS_AREAS[0].slug}, {"name": "Renamed"}),
        (Competence, {"slug": "robot-learning"}, {"name": "Renamed"}),
        (InstitutionDomain, {"domain": "tum.de"}, {"institution": "cern"}),
        (
            InstitutionCompetence,
            {"institution__slug": "tu-munich", "competence__slug": "robot-learning"},
            {"level": 1},
        ),
        (User, {"email": "felix.wagner@tum.de"}, {"display_name": "Renamed"}),
        (EmailAddress, {"email": "felix.wagner@tum.de"}, {"verified": False}),
        (
            PersonCompetence,
            {"person__email": "felix.wagner@tum.de", "competence__slug": "robot-learning"},
            {"level": 1},
        ),
        (
            Membership,
            {"person__email": "lena.maier@tum.de", "institution__slug": "tu-munich"},
            {"role": MembershipRole.RESEARCHER},
        ),
    ],
    ids=lambda value: value.__name__ if isinstance(value, type) else "",
)
def test_seed_demo_restores_a_changed_row_of_each_table(demo_output, model, lookup, change):
    before = snapshot()
    if "institution" in change:
        change = {"institution": Institution.objects.get(slug=change["institution"])}
    model.objects.filter(**lookup).update(**change)

    output = run("seed_demo")

    assert snapshot() == before
    assert output.splitlines()[:2] == [
        "Demo alliance loaded:",
        f"  {model._meta.verbose_name_plural}  1 updated",
    ]


def test_seed_demo_loads_the_named_institutions_with_their_domains(demo_output):
    domains = dict(
        InstitutionDomain.objects.filter(
            institution__slug__in=[
                "ibm",
                "meta",
                "intel",
                "oracle",
                "cern",
                "uc-berkeley",
                "harvard",
                "yale",
                "eth-zurich",
                "tu-munich",
            ]
        ).values_list("domain", "institution__short_name")
    )

    assert domains == {
        "ibm.com": "IBM",
        "meta.com": "Meta",
        "fb.com": "Meta",
        "intel.com": "Intel",
        "oracle.com": "Oracle",
        "cern.ch": "CERN",
        "berkeley.edu": "UC Berkeley",
        "harvard.edu": "Harvard",
        "yale.edu": "Yale",
        "ethz.ch": "ETH",
        "tum.de": "TUM",
        "mytum.de": "TUM",
    }
    assert set(Institution.objects.filter(founding_member=True).values_list("slug", flat=True)) == {
        "ibm",
        "meta",
    }


def test_seed_demo_covers_every_kind_status_and_many_countries(demo_output):
    institutions = Institution.objects.all()

    assert institutions.count() == len(INSTITUTIONS)
    assert set(institutions.values_list("kind", flat=True)) == {
        "company",
        "university",
        "research_institute",
        "public_body",
        "nonprofit",
    }
    assert dict(institutions.values_list("status").annotate(n=Count("pk"))) == {
        InstitutionStatus.MEMBER: len(INSTITUTIONS) - 3,
        InstitutionStatus.APPLICANT: 2,
        InstitutionStatus.SUSPENDED: 1,
    }
    assert institutions.values("country").distinct().count() >= 12
    assert set(institutions.filter(trusts_email_domains=True).values_list("slug", flat=True)) == {
        "cern",
        "red-hat",
    }


def test_seed_demo_gives_every_institution_a_representative_and_researchers(demo_output):
    representatives = Membership.objects.representatives().filter(institution=OuterRef("pk"))
    researchers = Membership.objects.active().filter(
        institution=OuterRef("pk"), role=MembershipRole.RESEARCHER
    )

    assert not Institution.objects.exclude(Exists(representatives)).exists()
    assert not Institution.objects.exclude(Exists(researchers)).exists()


def test_seed_demo_gives_every_person_a_verified_primary_address(demo_output):
    people = User.objects.count()

    assert EmailAddress.objects.filter(verified=True, primary=True).count() == people
    assert not User.objects.exclude(
        Exists(EmailAddress.objects.filter(user=OuterRef("pk"), email=OuterRef("email")))
    ).exists()


def test_seed_demo_gives_tu_munich_its_competences_and_pending_requests(demo_output):
    tum = Institution.objects.get(slug="tu-munich")

    competences = dict(tum.competences.values_list("competence__slug", "level"))
    pending = tum.memberships.filter(status=MembershipStatus.PENDING)

    assert competences["robot-learning"] == 3
    assert competences["knowledge-graphs"] == 3
    assert tum.competences.filter(competence__focus_area__slug="ai-robotics").count() == 4
    assert tum.competences.filter(competence__focus_area__slug="knowledge-acquisition").count() == 2
    assert set(pending.values_list("person__email", "source")) == {
        ("jonas.weber@tum.de", "email_domain"),
        ("sophie.hoffmann@tum.de", "email_domain"),
        ("clara.neumann@is.mpg.de", "request"),
    }
    assert set(
        tum.memberships.active()
        .filter(person__language="de")
        .values_list("person__email", flat=True)
    ) == {
        "lena.maier@tum.de",
        "felix.wagner@tum.de",
        "katharina.schmidt@tum.de",
    }


def test_seed_demo_vocabulary_has_three_to_six_competences_per_focus_area(demo_output):
    sizes = dict(FocusArea.objects.annotate(n=Count("competences")).values_list("slug", "n"))

    assert len(sizes) == len(FOCUS_AREAS)
    assert all(3 <= n <= 6 for n in sizes.values())


def test_seed_demo_prints_logins_that_work(demo_output, client):
    logins = printed_logins(demo_output)
    password = logins.pop("Password")
    coordinator = User.objects.get(email=logins["Coordinator"])

    assert password == DEMO_PASSWORD
    assert logins == {
        "Coordinator": COORDINATOR_EMAIL,
        "Lead researcher, IBM": "meilin.chen@ibm.com",
        "Lead of an open call, Meta": "yuki.tanaka@meta.com",
        "Representative, IBM": "daniel.okafor@ibm.com",
        "Partner researcher, TUM": "felix.wagner@tum.de",
        "Representative, TUM": "lena.maier@tum.de",
        "Reviewer, UC Berkeley": "arjun.mehta@berkeley.edu",
    }
    assert all(User.objects.get(email=e).check_password(password) for e in logins.values())
    assert coordinator.is_coordinator
    assert coordinator.is_staff
    assert not User.objects.filter(is_superuser=True).exists()
    assert client.login(email=coordinator.email, password=password)
    assert (
        Membership.objects.representatives()
        .filter(person__email=logins["Representative, TUM"], institution__slug="tu-munich")
        .exists()
    )


def test_seed_demo_prints_logins_again_when_nothing_changed(demo_output):
    assert printed_logins(run("seed_demo")) == printed_logins(demo_output)


def test_seed_demo_resets_a_printed_login_whose_password_was_changed(demo_output):
    coordinator = User.objects.get(email=COORDINATOR_EMAIL)
    coordinator.set_password("something-else-entirely")
    coordinator.save()

    output = run("seed_demo")

    coordinator.refresh_from_db()
    assert coordinator.check_password(DEMO_PASSWORD)
    assert output.splitlines()[:2] == ["Demo alliance loaded:", "  people  1 updated"]


# seed_scale -----------------------------------------------------------------------------


def scale_state(seed: int) -> dict[str, list]:
    """Everything seed_scale derives from the seed, by natural keys (no auto ids)."""
    institutions = Institution.objects.filter(slug__startswith=f"scale-{seed}-")
    people = User.objects.filter(memberships__institution__in=institutions)
    return {
        "institutions": list(
            institutions.order_by("slug").values_list(
                "slug",
                "name",
                "short_name",
                "kind",
                "country",
                "city",
                "description",
                "status",
                "capacity",
                "trusts_email_domains",
                "domains__domain",
            )
        ),
        "institution_competences": sorted(
            institutions.values_list("slug", "competences__competence__slug", "competences__level")
        ),
        "people": list(
            people.order_by("email").values_list("email", "display_name", "bio", "language")
        ),
        "memberships": sorted(
            Membership.objects.filter(institution__in=institutions).values_list(
                "person__email", "institution__slug", "role", "status"
            )
        ),
        "person_competences": sorted(
            people.values_list("email", "competences__competence__slug", "competences__level")
        ),
    }


def test_seed_scale_creates_exactly_the_requested_counts():
    output = run(
        "seed_scale", "--institutions", "5", "--people", "40", "--seed", "7", "--proposals", "0"
    )

    institutions = Institution.objects.filter(slug__startswith="scale-7-")
    memberships = Membership.objects.filter(institution__in=institutions)
    assert institutions.count() == 5
    assert InstitutionDomain.objects.filter(institution__in=institutions).count() == 5
    assert User.objects.count() == 40
    assert EmailAddress.objects.filter(verified=True, primary=True).count() == 40
    assert memberships.filter(status=MembershipStatus.ACTIVE).count() == 40
    assert memberships.filter(role=MembershipRole.REPRESENTATIVE).count() == 5
    assert (
        institutions.annotate(
            reps=Count("memberships", filter=Q(memberships__role=MembershipRole.REPRESENTATIVE))
        )
        .filter(reps=1)
        .count()
        == 5
    )
    assert not User.objects.filter(competences__isnull=True).exists()
    assert not institutions.filter(competences__isnull=True).exists()
    assert output.startswith("Created 5 institutions (5 domains, ")
    assert " and 40 people (40 memberships, " in output


def test_seed_scale_lets_every_person_log_in_with_the_demo_password():
    run("seed_scale", "--institutions", "2", "--people", "3", "--seed", "7", "--proposals", "0")

    person = User.objects.order_by("email").first()

    assert person.check_password(DEMO_PASSWORD)
    assert person.email.endswith(".example")


def test_seed_scale_is_deterministic_for_the_same_seed():
    run("seed_scale", "--institutions", "5", "--people", "40", "--seed", "11", "--proposals", "0")
    first = scale_state(11)
    Institution.objects.filter(slug__startswith="scale-11-").delete()
    User.objects.all().delete()

    run("seed_scale", "--institutions", "5", "--people", "40", "--seed", "11", "--proposals", "0")

    assert scale_state(11) == first


def test_seed_scale_differs_between_seeds_and_both_coexist():
    run("seed_scale", "--institutions", "5", "--people", "40", "--seed", "1", "--proposals", "0")
    run("seed_scale", "--institutions", "5", "--people", "40", "--seed", "2", "--proposals", "0")

    first, second = scale_state(1), scale_state(2)

    assert len(first["people"]) == len(second["people"]) == 40
    assert [row[1:] for row in first["people"]] != [row[1:] for row in second["people"]]
    assert Institution.objects.count() == 10


def test_seed_scale_refuses_a_seed_that_already_ran():
    run("seed_scale", "--institutions", "3", "--people", "6", "--seed", "5", "--proposals", "0")

    with pytest.raises(CommandError, match=r"already ran with --seed 5 \(3 institutions"):
        run("seed_scale", "--institutions", "3", "--people", "6", "--seed", "5", "--proposals", "0")

    assert Institution.objects.count() == 3


def test_seed_scale_loads_the_demo_vocabulary_when_there_is_none():
    run("seed_scale", "--institutions", "2", "--people", "4", "--proposals", "0")

    assert Competence.objects.count() == sum(len(a.competences) for a in FOCUS_AREAS)
    assert Institution.objects.filter(slug__startswith="scale-0-").count() == 2


def test_seed_scale_reuses_the_demo_vocabulary_and_leaves_the_demo_alone(demo_output):
    competences = Competence.objects.count()
    demo = snapshot()

    run("seed_scale", "--institutions", "4", "--people", "20", "--seed", "3", "--proposals", "0")
    Institution.objects.filter(slug__startswith="scale-3-").delete()
    User.objects.filter(email__contains="@scale-3-").delete()

    assert Competence.objects.count() == competences
    assert snapshot() == demo
    assert run("seed_demo").startswith("Demo alliance is up to date, nothing changed")
