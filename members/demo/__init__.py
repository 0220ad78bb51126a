"""Loading the demo alliance: :func:`load_demo` (``manage.py seed_demo``) and
:func:`load_vocabulary` (also ``seed_scale``); the data live in :mod:`members.demo.data`.

The loader writes through the ORM rather than through ``members.services``: seed data are
fixtures, not domain events, so they must not notify anyone, and loading must be idempotent
(keyed on slugs and email addresses), which the services are not meant to be.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

from allauth.account.models import EmailAddress
from allauth.idp.oidc.models import Client
from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.models import Group
from django.db import models, transaction
from django.utils import timezone

from members.demo.data import (
    AFFILIATION_REQUESTS,
    COMPETENCE_DETAILS,
    COORDINATOR,
    COORDINATOR_EMAIL,
    DEMO_PASSWORD,
    FOCUS_AREAS,
    INSTITUTIONS,
    SSO_CLIENT_ID,
    SSO_CLIENT_SECRET,
    SSO_INSTITUTION,
    SSO_PERSON,
    Person,
    demo_logins,
    institution_data,
    sso_person_email,
)
from members.enums import (
    COORDINATORS_GROUP,
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
    InstitutionSSO,
    Membership,
    PersonCompetence,
    User,
)

__all__ = [
    "COORDINATOR_EMAIL",
    "DEMO_PASSWORD",
    "FOCUS_AREAS",
    "INSTITUTIONS",
    "SeedReport",
    "demo_logins",
    "institution_data",
    "load_demo",
    "load_vocabulary",
    "sso_person_email",
]


# Loading -------------------------------------------------------------------------------


@dataclass
class SeedReport:
    """What a load created and updated, counted per model (verbose plural name)."""

    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


class _Loader:
    """Bring rows, found by natural key, to their demo values with a few queries per table.

    Each table is read once (only the rows the demo may own); the new and the changed rows
    are then written together, and a second run, finding nothing to change, writes nothing.
    Rows the demo does not define are left alone.
    """

    def __init__(self, report: SeedReport) -> None:
        self.report = report
        self._password_hash: str | None = None

    @property
    def password_hash(self) -> str:
        # argon2 takes a fifth of a second: hash once per run, and only when needed.
        if self._password_hash is None:
            self._password_hash = make_password(DEMO_PASSWORD)
        return self._password_hash

    def has_demo_password(self, user: User) -> bool:
        # A hash made in this run is known to match; any other needs argon2's verdict.
        return user.password == self._password_hash or user.check_password(DEMO_PASSWORD)

    def sync[M: models.Model](
        self,
        existing: models.QuerySet[M],
        *,
        key: Callable[[M], Hashable],
        unique_fields: Sequence[str],
        desired: Mapping[Hashable, Mapping[str, Any]],
        on_create: Callable[[M], None] | None = None,
    ) -> dict[Hashable, M]:
        """Create or update one row per ``desired`` key; ``existing`` may hold more rows.

        New and changed rows go to the database in one ``bulk_create`` that updates a row on
        conflict over ``unique_fields``: the unique constraint on what ``key`` reads, or
        ``["pk"]`` where the database has no such constraint it could name.
        """
        model = existing.model
        label = str(model._meta.verbose_name_plural)
        found: dict[Hashable, M] = {}
        for obj in existing:
            found.setdefault(key(obj), obj)  # the first wins: memberships list the latest first
        new: list[M] = []
        changed: list[M] = []
        for natural_key, values in desired.items():
            obj = found.get(natural_key)
            if obj is None:
                obj = found[natural_key] = model(**values)
                if on_create is not None:
                    on_create(obj)
                new.append(obj)
            elif differing := [
                name for name, value in values.items() if not _same(obj, name, value)
            ]:
                for name in differing:
                    setattr(obj, name, values[name])
                changed.append(obj)
        rows = [*new, *changed]
        if rows:
            for obj in rows:
                _validate(obj)
            model._default_manager.bulk_create(
                rows,
                update_conflicts=True,
                unique_fields=unique_fields,
                update_fields=_update_fields(model, desired, unique_fields),
            )
            self.report.created[label] += len(new)
            self.report.updated[label] += len(changed)
        return {natural_key: found[natural_key] for natural_key in desired}


def _update_fields(
    model: type[models.Model],
    desired: Mapping[Hashable, Mapping[str, Any]],
    unique_fields: Sequence[str],
) -> list[str]:
    """The demo's fields, and the timestamps a save() would have refreshed."""
    names = dict.fromkeys(name for values in desired.values() for name in values)
    names |= dict.fromkeys(
        f.name for f in model._meta.concrete_fields if getattr(f, "auto_now", False)
    )
    return [name for name in names if name not in unique_fields]


def _validate(obj: models.Model) -> None:
    # Field validation catches mistakes in the data above. Skipped, to save a query per row:
    # foreign keys (they point at rows just loaded) and uniqueness (the database enforces it).
    relations = [f.name for f in obj._meta.concrete_fields if f.is_relation]
    obj.full_clean(exclude=relations, validate_unique=False, validate_constraints=False)


def _same(obj: models.Model, name: str, value: Any) -> bool:
    model_field = obj._meta.get_field(name)
    if model_field.is_relation:  # compare keys, without fetching the related row
        return getattr(obj, model_field.attname) == (value.pk if value is not None else None)
    return getattr(obj, name) == value


def _load_vocabulary(loader: _Loader) -> dict[Hashable, Competence]:
    areas = loader.sync(
        FocusArea.objects.filter(slug__in=[area.slug for area in FOCUS_AREAS]),
        key=attrgetter("slug"),
        unique_fields=["slug"],
        desired={
            area.slug: {
                "slug": area.slug,
                "name": area.name,
                "description": area.description,
                "position": position,
            }
            for position, area in enumerate(FOCUS_AREAS, start=1)
        },
    )
    competences = {
        slug: {
            "slug": slug,
            "name": name,
            "focus_area": areas[area.slug],
            "description": COMPETENCE_DETAILS.get(slug, ("", ""))[0],
            "aliases": COMPETENCE_DETAILS.get(slug, ("", ""))[1],
        }
        for area in FOCUS_AREAS
        for slug, name in area.competences
    }
    return loader.sync(
        Competence.objects.filter(slug__in=list(competences)),
        key=attrgetter("slug"),
        unique_fields=["slug"],
        desired=competences,
    )


@transaction.atomic
def load_vocabulary(report: SeedReport | None = None) -> dict[Hashable, Competence]:
    """Create or update the demo focus areas and competences; return competences by slug."""
    return _load_vocabulary(_Loader(report or SeedReport()))


def _load_institutions(
    loader: _Loader, vocabulary: Mapping[Hashable, Competence]
) -> dict[Hashable, Institution]:
    institutions = loader.sync(
        Institution.objects.filter(slug__in=[org.slug for org in INSTITUTIONS]),
        key=attrgetter("slug"),
        unique_fields=["slug"],
        desired={
            org.slug: {
                "slug": org.slug,
                "name": org.name,
                "short_name": org.short_name,
                "kind": org.kind,
                "country": org.country,
                "city": org.city,
                "website": org.website,
                "description": org.description,
                "founding_member": org.founding_member,
                "status": org.status,
                "capacity": org.capacity,
                "trusts_email_domains": org.trusts_email_domains,
            }
            for org in INSTITUTIONS
        },
    )
    domains = {
        domain: {"domain": domain, "institution": institutions[org.slug]}
        for org in INSTITUTIONS
        for domain in org.domains
    }
    loader.sync(
        InstitutionDomain.objects.filter(domain__in=list(domains)),
        key=attrgetter("domain"),
        unique_fields=["domain"],
        desired=domains,
    )
    # Competences someone added by hand stay: the loader adds and corrects, never removes.
    loader.sync(
        InstitutionCompetence.objects.filter(institution__in=list(institutions.values())),
        key=attrgetter("institution_id", "competence_id"),
        unique_fields=["institution", "competence"],
        desired={
            (institutions[org.slug].pk, vocabulary[slug].pk): {
                "institution": institutions[org.slug],
                "competence": vocabulary[slug],
                "level": level,
            }
            for org in INSTITUTIONS
            for slug, level in org.competences.items()
        },
    )
    return institutions


def _load_people(
    loader: _Loader, vocabulary: Mapping[Hashable, Competence]
) -> dict[Hashable, User]:
    everyone: list[tuple[str, Person, dict[str, Any]]] = [
        (COORDINATOR_EMAIL, COORDINATOR, {"is_staff": True}),
        *((org.email(person), person, {}) for org in INSTITUTIONS for person in org.people),
    ]
    emails = [email for email, _, _ in everyone]

    def set_demo_password(user: User) -> None:
        # Only for new accounts: someone trying the demo may have changed their password.
        user.password = loader.password_hash

    people = loader.sync(
        User.objects.filter(email__in=emails),
        key=attrgetter("email"),
        unique_fields=["email"],
        desired={
            email: {
                "email": email,
                "display_name": person.name,
                "bio": person.bio,
                "language": person.language,
                **extra,
            }
            for email, person, extra in everyone
        },
        on_create=set_demo_password,
    )
    loader.sync(
        EmailAddress.objects.filter(email__in=emails),
        key=attrgetter("email"),
        # Unique alone only once verified, a condition ON CONFLICT cannot name.
        unique_fields=["pk"],
        desired={
            email: {"email": email, "user": people[email], "verified": True, "primary": True}
            for email in emails
        },
    )
    loader.sync(
        PersonCompetence.objects.filter(person__in=list(people.values())),
        key=attrgetter("person_id", "competence_id"),
        unique_fields=["person", "competence"],
        desired={
            (people[email].pk, vocabulary[slug].pk): {
                "person": people[email],
                "competence": vocabulary[slug],
                "level": level,
            }
            for email, person, _ in everyone
            for slug, level in person.competences.items()
        },
    )
    group, created = Group.objects.get_or_create(name=COORDINATORS_GROUP)
    if created:
        loader.report.created[str(Group._meta.verbose_name_plural)] += 1
    coordinator = people[COORDINATOR_EMAIL]
    if not coordinator.groups.filter(pk=group.pk).exists():
        coordinator.groups.add(group)
        loader.report.created[f"members of the {group.name} group"] += 1
    return people


def _load_memberships(
    loader: _Loader,
    institutions: Mapping[Hashable, Institution],
    people: Mapping[Hashable, User],
) -> None:
    desired = {}
    for org in INSTITUTIONS:
        for person in org.people:
            user, institution = people[org.email(person)], institutions[org.slug]
            desired[user.pk, institution.pk] = {
                "person": user,
                "institution": institution,
                "role": person.role,
                "status": person.status,
                "source": MembershipSource.EMAIL_DOMAIN,
                "message": "",
            }
    for request in AFFILIATION_REQUESTS:
        user, institution = people[request.email], institutions[request.institution]
        desired[user.pk, institution.pk] = {
            "person": user,
            "institution": institution,
            "role": MembershipRole.RESEARCHER,
            "status": MembershipStatus.PENDING,
            "source": MembershipSource.REQUEST,
            "message": request.message,
        }
    now = timezone.now()

    def stamp_decision(membership: Membership) -> None:
        membership.decided_at = now if membership.is_active else None

    loader.sync(
        Membership.objects.filter(person__in=list(people.values())),
        key=attrgetter("person_id", "institution_id"),
        # Unique only while open (pending or active), a condition ON CONFLICT cannot name.
        unique_fields=["pk"],
        desired=desired,
        on_create=stamp_decision,
    )


def _reset_demo_passwords(loader: _Loader, emails: Iterable[str]) -> None:
    """Keep the printed logins true, even after someone changed one of those passwords."""
    for user in User.objects.filter(email__in=list(emails)):
        if not loader.has_demo_password(user):
            user.password = loader.password_hash
            user.save(update_fields=["password"])
            loader.report.updated[str(User._meta.verbose_name_plural)] += 1


@transaction.atomic
def load_demo() -> SeedReport:
    """Create the demo alliance, or bring an existing one back to its defined state."""
    loader = _Loader(SeedReport())
    vocabulary = _load_vocabulary(loader)
    institutions = _load_institutions(loader, vocabulary)
    people = _load_people(loader, vocabulary)
    _load_memberships(loader, institutions, people)
    _reset_demo_passwords(loader, (email for _, email in demo_logins()))
    _load_sso(loader)
    return loader.report


def _demo_callback_urls(provider_id: str) -> list[str]:
    """Where the demo provider may send people back: the app as 127.0.0.1 and as localhost."""
    path = f"/accounts/oidc/{provider_id}/login/callback/"
    site = settings.SITE_URL
    urls = [site + path]
    for twin in (
        site.replace("://127.0.0.1", "://localhost"),
        site.replace("://localhost", "://127.0.0.1"),
    ):
        if twin + path not in urls:
            urls.append(twin + path)
    return urls


def _load_sso(loader: _Loader) -> None:
    """ETH Zürich's single sign-on against the provider the demo serves itself, and its person.

    The person exists at the provider only (an account with the demo password, no
    affiliation): signing in through ETH affiliates them. The provider lives in the same
    database as the app, so its account is also the account the sign-in connects to.
    """
    institution = Institution.objects.get(slug=SSO_INSTITUTION)
    email = sso_person_email()
    person, created = User.objects.get_or_create(
        email=email,
        defaults={
            "display_name": SSO_PERSON.name,
            "bio": SSO_PERSON.bio,
            "password": loader.password_hash,
        },
    )
    if created:
        loader.report.created[str(User._meta.verbose_name_plural)] += 1
        EmailAddress.objects.create(user=person, email=email, verified=True, primary=True)
        loader.report.created[str(EmailAddress._meta.verbose_name_plural)] += 1
    config = InstitutionSSO.objects.filter(institution=institution).first()
    desired = {
        "issuer_url": settings.DEMO_SSO_ISSUER,
        "client_id": SSO_CLIENT_ID,
        "client_secret": SSO_CLIENT_SECRET,
        "trusts_email": True,
        "enabled": True,
        "required": False,
    }
    label = str(InstitutionSSO._meta.verbose_name_plural)
    if config is None:
        config = InstitutionSSO.objects.create(institution=institution, **desired)
        loader.report.created[label] += 1
    elif any(getattr(config, name) != value for name, value in desired.items()):
        for name, value in desired.items():
            setattr(config, name, value)
        config.save()
        loader.report.updated[label] += 1
    client = Client.objects.filter(id=SSO_CLIENT_ID).first()
    redirect_uris = "\n".join(_demo_callback_urls(config.provider_id))
    if client is None:
        Client.objects.create(
            id=SSO_CLIENT_ID,
            name=f"{settings.SITE_NAME} (demo)",
            secret=make_password(SSO_CLIENT_SECRET),
            scopes="openid\nprofile\nemail",
            default_scopes="openid\nprofile\nemail",
            redirect_uris=redirect_uris,
        )
        loader.report.created[str(Client._meta.verbose_name_plural)] += 1
    elif client.redirect_uris != redirect_uris or not check_password(
        SSO_CLIENT_SECRET, client.secret
    ):
        client.redirect_uris = redirect_uris
        client.secret = make_password(SSO_CLIENT_SECRET)
        client.save(update_fields=["redirect_uris", "secret"])
        loader.report.updated[str(Client._meta.verbose_name_plural)] += 1
