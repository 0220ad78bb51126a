from __future__ import annotations

import factory
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group

from members.enums import (
    COORDINATORS_GROUP,
    InstitutionKind,
    InstitutionStatus,
    MembershipRole,
    MembershipSource,
    MembershipStatus,
)
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

PASSWORD = "correct-horse-battery-staple"
# Hashing once keeps factories fast while every user can still log in with PASSWORD.
_PASSWORD_HASH = None


def password_hash() -> str:
    global _PASSWORD_HASH
    if _PASSWORD_HASH is None:
        _PASSWORD_HASH = make_password(PASSWORD)
    return _PASSWORD_HASH


class FocusAreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FocusArea
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Focus area {n}")
    slug = factory.Sequence(lambda n: f"focus-area-{n}")


class CompetenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Competence
        django_get_or_create = ["slug"]

    focus_area = factory.SubFactory(FocusAreaFactory)
    name = factory.Sequence(lambda n: f"Competence {n}")
    slug = factory.Sequence(lambda n: f"competence-{n}")


class InstitutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Institution
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Institute {n}")
    short_name = factory.Sequence(lambda n: f"I{n}")
    slug = factory.Sequence(lambda n: f"institute-{n}")
    kind = InstitutionKind.UNIVERSITY
    country = "DE"
    city = "Munich"
    website = factory.Sequence(lambda n: f"https://institute-{n}.example")
    description = "Research on machine learning."
    status = InstitutionStatus.MEMBER
    capacity = 5

    @factory.post_generation
    def domains(self, create, extracted, **kwargs):
        if not create:
            return
        for domain in extracted if extracted is not None else [f"{self.slug}.example"]:
            InstitutionDomain.objects.create(institution=self, domain=domain)


class InstitutionCompetenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InstitutionCompetence

    institution = factory.SubFactory(InstitutionFactory)
    competence = factory.SubFactory(CompetenceFactory)
    level = 2


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@people.example")
    display_name = factory.Sequence(lambda n: f"Person {n}")
    password = factory.LazyFunction(password_hash)

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        """Give the user a verified primary address, as allauth would after sign-up."""
        if create and extracted is not False:
            from allauth.account.models import EmailAddress

            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)


class CoordinatorFactory(UserFactory):
    @factory.post_generation
    def coordinator(self, create, extracted, **kwargs):
        if create:
            self.groups.add(Group.objects.get_or_create(name=COORDINATORS_GROUP)[0])


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    person = factory.SubFactory(UserFactory)
    institution = factory.SubFactory(InstitutionFactory)
    role = MembershipRole.RESEARCHER
    status = MembershipStatus.ACTIVE
    source = MembershipSource.EMAIL_DOMAIN


class RepresentativeFactory(MembershipFactory):
    role = MembershipRole.REPRESENTATIVE


class PersonCompetenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PersonCompetence

    person = factory.SubFactory(UserFactory)
    competence = factory.SubFactory(CompetenceFactory)
    level = 2
