import pytest

from core.exceptions import DomainError
from members import services
from members.enums import (
    InstitutionStatus,
    MembershipRole,
    MembershipSource,
    MembershipStatus,
)
from members.models import Institution, InstitutionCompetence, Membership
from members.signals import profiles_changed
from members.tests.factories import (
    CompetenceFactory,
    InstitutionCompetenceFactory,
    InstitutionFactory,
    MembershipFactory,
    RepresentativeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def _domains(institution: Institution) -> list[str]:
    return list(institution.domains.values_list("domain", flat=True))


# Affiliation from a verified address ---------------------------------------------------


def test_membership_from_verified_email_at_domain_creates_pending_membership(institution):
    person = UserFactory()

    membership = services.membership_from_verified_email(person=person, email="lena@tum.de")

    assert (membership.person, membership.institution) == (person, institution)
    assert (membership.status, membership.role, membership.source) == (
        MembershipStatus.PENDING,
        MembershipRole.RESEARCHER,
        MembershipSource.EMAIL_DOMAIN,
    )
    assert membership.decided_at is None


def test_membership_from_verified_email_at_sub_domain_creates_pending_membership(institution):
    person = UserFactory()

    membership = services.membership_from_verified_email(person=person, email="Lena@IN.TUM.DE")

    assert membership.institution == institution
    assert membership.status == MembershipStatus.PENDING


def test_membership_from_verified_email_prefers_the_most_specific_domain(institution):
    informatics = InstitutionFactory(domains=["in.tum.de"])

    membership = services.membership_from_verified_email(person=UserFactory(), email="a@in.tum.de")

    assert membership.institution == informatics


def test_membership_from_verified_email_activates_at_once_when_the_institution_trusts_domains():
    trusting = InstitutionFactory(domains=["ethz.ch"], trusts_email_domains=True)

    membership = services.membership_from_verified_email(person=UserFactory(), email="a@ethz.ch")

    assert membership.institution == trusting
    assert membership.status == MembershipStatus.ACTIVE
    assert membership.decided_at is not None


def test_membership_from_verified_email_at_suspended_institution_creates_none(institution):
    institution.status = InstitutionStatus.SUSPENDED
    institution.save()
    person = UserFactory()

    membership = services.membership_from_verified_email(person=person, email="a@tum.de")

    assert membership is None
    assert Membership.objects.filter(person=person).count() == 0


def test_membership_from_verified_email_at_unknown_domain_creates_none(institution):
    person = UserFactory()

    membership = services.membership_from_verified_email(person=person, email="a@gmail.com")

    assert membership is None
    assert Membership.objects.filter(person=person).count() == 0


def test_membership_from_verified_email_twice_returns_the_same_membership(institution):
    person = UserFactory()
    first = services.membership_from_verified_email(person=person, email="a@tum.de")

    second = services.membership_from_verified_email(person=person, email="b@in.tum.de")

    assert second == first
    assert Membership.objects.filter(person=person).count() == 1


# Requests and decisions ----------------------------------------------------------------


def test_membership_request_creates_pending_request_with_message(institution):
    person = UserFactory()

    membership = services.membership_request(
        person=person, institution=institution, message="  I lead the robotics lab.  "
    )

    assert (membership.status, membership.source, membership.message) == (
        MembershipStatus.PENDING,
        MembershipSource.REQUEST,
        "I lead the robotics lab.",
    )


def test_membership_request_twice_is_refused(institution):
    person = UserFactory()
    services.membership_request(person=person, institution=institution, message="Hello")

    with pytest.raises(DomainError) as error:
        services.membership_request(person=person, institution=institution, message="Again")

    assert error.value.message == (
        "You already have a pending affiliation with Technical University of Munich."
    )
    assert Membership.objects.filter(person=person).count() == 1


def test_membership_request_at_suspended_institution_is_refused(institution):
    institution.status = InstitutionStatus.SUSPENDED
    institution.save()

    with pytest.raises(DomainError):
        services.membership_request(person=UserFactory(), institution=institution, message="Hi")

    assert Membership.objects.filter(institution=institution).count() == 0


def test_membership_request_after_an_ended_one_is_allowed(institution):
    ended = MembershipFactory(institution=institution, status=MembershipStatus.ENDED)

    membership = services.membership_request(
        person=ended.person, institution=institution, message="I am back."
    )

    assert membership.status == MembershipStatus.PENDING


def test_membership_approve_activates_pending_membership(institution, representative):
    pending = MembershipFactory(institution=institution, status=MembershipStatus.PENDING)

    membership = services.membership_approve(membership=pending, actor=representative)

    pending.refresh_from_db()
    assert (pending.status, pending.decided_by) == (MembershipStatus.ACTIVE, representative)
    assert membership.status == MembershipStatus.ACTIVE


def test_membership_decline_declines_pending_membership(institution, representative):
    pending = MembershipFactory(institution=institution, status=MembershipStatus.PENDING)

    services.membership_decline(membership=pending, actor=representative)

    pending.refresh_from_db()
    assert (pending.status, pending.decided_by) == (MembershipStatus.DECLINED, representative)


@pytest.mark.parametrize("status", [MembershipStatus.ACTIVE, MembershipStatus.DECLINED])
@pytest.mark.parametrize("decide", [services.membership_approve, services.membership_decline])
def test_membership_decision_only_when_pending(institution, representative, status, decide):
    decided = MembershipFactory(institution=institution, status=status)

    with pytest.raises(DomainError) as error:
        decide(membership=decided, actor=representative)

    decided.refresh_from_db()
    assert decided.status == status
    assert error.value.message == f"This affiliation was already {status.label.lower()}."


def test_membership_end_ends_active_membership(institution, researcher, representative):
    membership = researcher.memberships.get()

    services.membership_end(membership=membership, actor=representative)

    membership.refresh_from_db()
    assert (membership.status, membership.decided_by) == (MembershipStatus.ENDED, representative)


def test_membership_end_of_last_representative_is_refused(institution, representative):
    membership = representative.memberships.get()

    with pytest.raises(DomainError) as error:
        services.membership_end(membership=membership, actor=representative)

    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE
    assert error.value.message == (
        f"{representative} is the last representative of Technical University of Munich. "
        "Make someone else a representative first."
    )


def test_membership_end_of_one_of_two_representatives_is_allowed(institution, representative):
    RepresentativeFactory(institution=institution)
    membership = representative.memberships.get()

    services.membership_end(membership=membership, actor=representative)

    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ENDED


def test_membership_end_of_pending_membership_is_refused(institution, representative):
    pending = MembershipFactory(institution=institution, status=MembershipStatus.PENDING)

    with pytest.raises(DomainError):
        services.membership_end(membership=pending, actor=representative)

    pending.refresh_from_db()
    assert pending.status == MembershipStatus.PENDING


def test_membership_set_role_makes_researcher_representative(
    institution, researcher, representative
):
    membership = researcher.memberships.get()

    services.membership_set_role(
        membership=membership, actor=representative, role=MembershipRole.REPRESENTATIVE
    )

    membership.refresh_from_db()
    assert membership.role == MembershipRole.REPRESENTATIVE


def test_membership_set_role_demoting_last_representative_is_refused(institution, representative):
    membership = representative.memberships.get()

    with pytest.raises(DomainError) as error:
        services.membership_set_role(
            membership=membership, actor=representative, role=MembershipRole.RESEARCHER
        )

    membership.refresh_from_db()
    assert membership.role == MembershipRole.REPRESENTATIVE
    assert error.value.message == (
        f"{representative} is the last representative of Technical University of Munich."
    )


# Institutions --------------------------------------------------------------------------


def test_institution_create_saves_profile_domains_and_competences(coordinator):
    competence = CompetenceFactory()

    institution = services.institution_create(
        actor=coordinator,
        name="ETH Zürich",
        short_name="ETH",
        slug="eth",
        kind="university",
        country="CH",
        domains=["ETHZ.ch", "@inf.ethz.ch", "ethz.ch"],
        competences={competence: 3},
        founding_member=True,
    )

    assert (institution.name, institution.founding_member) == ("ETH Zürich", True)
    assert _domains(institution) == ["ethz.ch", "inf.ethz.ch"]
    assert list(institution.competences.values_list("competence", "level")) == [(competence.pk, 3)]


def test_institution_update_changes_profile_domains_and_competences(institution, representative):
    kept, dropped, added = CompetenceFactory(), CompetenceFactory(), CompetenceFactory()
    InstitutionCompetenceFactory(institution=institution, competence=kept, level=1)
    InstitutionCompetenceFactory(institution=institution, competence=dropped)

    services.institution_update(
        institution=institution,
        actor=representative,
        city="Garching",
        domains=["tum.de", "mytum.de"],
        competences={kept: 3, added: 2},
    )

    institution.refresh_from_db()
    assert institution.city == "Garching"
    assert _domains(institution) == ["mytum.de", "tum.de"]
    assert set(institution.competences.values_list("competence", "level")) == {
        (kept.pk, 3),
        (added.pk, 2),
    }


def test_institution_update_with_domain_of_another_institution_changes_nothing(
    institution, representative
):
    other = InstitutionFactory(name="ETH Zürich", domains=["ethz.ch"])
    competence = CompetenceFactory()

    with pytest.raises(DomainError) as error:
        services.institution_update(
            institution=institution,
            actor=representative,
            city="Garching",
            domains=["tum.de", "ethz.ch"],
            competences={competence: 3},
        )

    assert error.value.message == "The domain ethz.ch already belongs to ETH Zürich."
    institution.refresh_from_db()
    assert institution.city == "Munich"
    assert _domains(institution) == ["tum.de"]
    assert InstitutionCompetence.objects.filter(institution=institution).count() == 0
    assert _domains(other) == ["ethz.ch"]


@pytest.mark.parametrize(
    ("field", "value"),
    [("founding_member", True), ("status", InstitutionStatus.SUSPENDED)],
)
def test_institution_update_of_coordinator_only_field_by_representative_is_refused(
    institution, representative, field, value
):
    with pytest.raises(DomainError) as error:
        services.institution_update(institution=institution, actor=representative, **{field: value})

    assert error.value.message == f"Only coordinators may change: {field}."
    institution.refresh_from_db()
    assert (institution.founding_member, institution.status) == (False, InstitutionStatus.MEMBER)


def test_institution_update_of_coordinator_only_fields_by_coordinator(institution, coordinator):
    services.institution_update(
        institution=institution, actor=coordinator, founding_member=True, status="applicant"
    )

    institution.refresh_from_db()
    assert (institution.founding_member, institution.status) == (True, InstitutionStatus.APPLICANT)


def test_institution_set_status_by_coordinator(institution, coordinator):
    services.institution_set_status(
        institution=institution, actor=coordinator, status=InstitutionStatus.SUSPENDED
    )

    institution.refresh_from_db()
    assert institution.status == InstitutionStatus.SUSPENDED


def test_institution_set_status_by_representative_is_refused(institution, representative):
    with pytest.raises(DomainError):
        services.institution_set_status(
            institution=institution, actor=representative, status=InstitutionStatus.SUSPENDED
        )

    institution.refresh_from_db()
    assert institution.status == InstitutionStatus.MEMBER


# People --------------------------------------------------------------------------------


def test_person_update_profile_saves_fields_and_competences(researcher):
    old, new = CompetenceFactory(), CompetenceFactory()
    services.person_update_profile(person=researcher, competences={old: 1})

    services.person_update_profile(
        person=researcher,
        display_name="Dr. Lena Maier",
        orcid="0000-0002-1825-0097",
        competences={new: 3},
    )

    researcher.refresh_from_db()
    assert (researcher.display_name, researcher.orcid) == ("Dr. Lena Maier", "0000-0002-1825-0097")
    assert list(researcher.competences.values_list("competence", "level")) == [(new.pk, 3)]


def test_person_update_profile_keeps_what_is_not_given(researcher):
    name, orcid = researcher.display_name, researcher.orcid

    services.person_update_profile(person=researcher, bio="Robot learning.")

    researcher.refresh_from_db()
    assert (researcher.display_name, researcher.orcid, researcher.bio) == (
        name,
        orcid,
        "Robot learning.",
    )


# Announcing changes --------------------------------------------------------------------


@pytest.fixture
def announced():
    """The keyword arguments of every ``profiles_changed`` sent while the test runs."""
    calls = []

    def receiver(sender, **kwargs):
        calls.append({key: kwargs[key] for key in ("institution_ids", "person_ids")})

    profiles_changed.connect(receiver, weak=False, dispatch_uid="test-announced")
    yield calls
    profiles_changed.disconnect(dispatch_uid="test-announced")


def _pending(institution):
    return MembershipFactory(institution=institution, status=MembershipStatus.PENDING)


def _request(institution, representative):
    person = UserFactory()
    services.membership_request(person=person, institution=institution, message="Hello.")
    return person


def _from_email(institution, representative):
    person = UserFactory()
    services.membership_from_verified_email(person=person, email="lena@tum.de")
    return person


def _approve(institution, representative):
    membership = _pending(institution)
    services.membership_approve(membership=membership, actor=representative)
    return membership.person


def _decline(institution, representative):
    membership = _pending(institution)
    services.membership_decline(membership=membership, actor=representative)
    return membership.person


def _end(institution, representative):
    membership = MembershipFactory(institution=institution)
    services.membership_end(membership=membership, actor=representative)
    return membership.person


def _set_role(institution, representative):
    membership = MembershipFactory(institution=institution)
    services.membership_set_role(
        membership=membership, actor=representative, role=MembershipRole.REPRESENTATIVE
    )
    return membership.person


@pytest.mark.parametrize(
    "change", [_request, _from_email, _approve, _decline, _end, _set_role], ids=lambda f: f.__name__
)
def test_affiliation_changes_send_profiles_changed_on_commit(
    change, institution, representative, announced, django_capture_on_commit_callbacks
):
    """Matching indexes active affiliations; members cannot import it, so it tells everyone."""
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        person = change(institution, representative)
    assert announced == []

    for callback in callbacks:
        callback()
    assert announced == [{"institution_ids": [institution.pk], "person_ids": [person.pk]}]


def test_institution_and_profile_changes_send_profiles_changed_on_commit(
    institution, researcher, coordinator, announced, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.institution_update(institution=institution, actor=coordinator, capacity=2)
        services.institution_set_status(
            institution=institution, actor=coordinator, status=InstitutionStatus.SUSPENDED
        )
        services.person_update_profile(person=researcher, open_to_partnering=False)
    assert announced == [
        {"institution_ids": [institution.pk], "person_ids": []},
        {"institution_ids": [institution.pk], "person_ids": []},
        {"institution_ids": [], "person_ids": [researcher.pk]},
    ]
