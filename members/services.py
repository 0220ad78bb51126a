"""Every change to institutions, people and affiliations goes through these functions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import rules
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import DomainError, NotPermitted
from core.outbox import event_record
from members.enums import (
    EventKind,
    InstitutionKind,
    InstitutionStatus,
    Language,
    MembershipRole,
    MembershipSource,
    MembershipStatus,
)
from members.models import (
    Competence,
    Institution,
    InstitutionCompetence,
    InstitutionDomain,
    InstitutionSSO,
    Membership,
    PersonCompetence,
    User,
)
from members.signals import profiles_changed_on_commit

# Auto-activation trusts every address at the domains, so only staff may switch it on.
COORDINATOR_ONLY_FIELDS = ("founding_member", "status", "trusts_email_domains")


# Email domains -------------------------------------------------------------------------


def email_domain(email: str) -> str:
    return email.rsplit("@", 1)[-1].strip().lower()


def institution_for_email(email: str) -> Institution | None:
    """Find the institution owning the address's domain or the closest parent domain."""
    parts = email_domain(email).split(".")
    candidates = [".".join(parts[i:]) for i in range(len(parts) - 1)]
    matches = {
        d.domain: d.institution
        for d in InstitutionDomain.objects.filter(domain__in=candidates).select_related(
            "institution"
        )
    }
    for candidate in candidates:  # longest (most specific) first
        if candidate in matches:
            return matches[candidate]
    return None


def normalise_domains(domains: Iterable[str]) -> list[str]:
    cleaned = []
    for domain in domains:
        domain = domain.strip().lower().removeprefix("@").removeprefix("www.")
        if domain and domain not in cleaned:
            cleaned.append(domain)
    return cleaned


def _set_domains(*, institution: Institution, domains: Iterable[str]) -> None:
    domains = normalise_domains(domains)
    taken = (
        InstitutionDomain.objects.filter(domain__in=domains)
        .exclude(institution=institution)
        .select_related("institution")
        .first()
    )
    if taken is not None:
        raise DomainError(
            _("The domain %(domain)s already belongs to %(institution)s.")
            % {"domain": taken.domain, "institution": taken.institution}
        )
    institution.domains.exclude(domain__in=domains).delete()
    existing = set(institution.domains.values_list("domain", flat=True))
    InstitutionDomain.objects.bulk_create(
        InstitutionDomain(institution=institution, domain=d) for d in domains if d not in existing
    )


def _set_institution_competences(
    *, institution: Institution, competences: Mapping[Competence, int]
) -> None:
    institution.competences.exclude(competence__in=list(competences)).delete()
    for competence, level in competences.items():
        InstitutionCompetence.objects.update_or_create(
            institution=institution, competence=competence, defaults={"level": level}
        )


# Institutions --------------------------------------------------------------------------


@transaction.atomic
def institution_create(
    *,
    actor: User,
    name: str,
    slug: str,
    kind: InstitutionKind,
    country: str,
    short_name: str = "",
    city: str = "",
    website: str = "",
    description: str = "",
    capacity: int | None = None,
    open_to_partnering: bool | None = None,
    founding_member: bool | None = None,
    status: InstitutionStatus | None = None,
    trusts_email_domains: bool | None = None,
    domains: Iterable[str] = (),
    competences: Mapping[Competence, int] | None = None,
) -> Institution:
    """Create an institution; a setting left at ``None`` takes the model's default."""
    optional = {
        "capacity": capacity,
        "open_to_partnering": open_to_partnering,
        "founding_member": founding_member,
        "status": status,
        "trusts_email_domains": trusts_email_domains,
    }
    institution = Institution(
        name=name,
        slug=slug,
        kind=kind,
        country=country,
        short_name=short_name,
        city=city,
        website=website,
        description=description,
        **{field: value for field, value in optional.items() if value is not None},
    )
    # Uniqueness is the database's to decide: checked here, it could pass for both of two
    # requests sent at once, or fail for the second with a bare ValidationError.
    institution.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            institution.save()
            _set_domains(institution=institution, domains=domains)
    except IntegrityError:
        # The same form sent twice at once, or two coordinators: the unique name, address
        # or domain went to the other request between the checks and the insert.
        raise DomainError(
            _(
                "An institution with this name, address or email domain was created at the "
                "same moment; find it in the directory."
            )
        ) from None
    _set_institution_competences(institution=institution, competences=competences or {})
    profiles_changed_on_commit(institution_ids=[institution.pk])
    return institution


@transaction.atomic
def institution_update(
    *,
    institution: Institution,
    actor: User,
    name: str | None = None,
    slug: str | None = None,
    kind: InstitutionKind | None = None,
    country: str | None = None,
    short_name: str | None = None,
    city: str | None = None,
    website: str | None = None,
    description: str | None = None,
    capacity: int | None = None,
    open_to_partnering: bool | None = None,
    founding_member: bool | None = None,
    status: InstitutionStatus | None = None,
    trusts_email_domains: bool | None = None,
    domains: Iterable[str] | None = None,
    competences: Mapping[Competence, int] | None = None,
) -> Institution:
    """Change what is given; ``None`` keeps a field (or the domains, the competences) as it is."""
    fields = {
        "name": name,
        "slug": slug,
        "kind": kind,
        "country": country,
        "short_name": short_name,
        "city": city,
        "website": website,
        "description": description,
        "capacity": capacity,
        "open_to_partnering": open_to_partnering,
        "founding_member": founding_member,
        "status": status,
        "trusts_email_domains": trusts_email_domains,
    }
    given = {field: value for field, value in fields.items() if value is not None}
    refused = sorted(set(given) & set(COORDINATOR_ONLY_FIELDS))
    if refused and not rules.has_perm("members.administer_institutions", actor):
        raise DomainError(
            _("Only coordinators may change: %(fields)s.") % {"fields": ", ".join(refused)}
        )
    institution = Institution.objects.select_for_update().get(pk=institution.pk)
    for field, value in given.items():
        setattr(institution, field, value)
    institution.full_clean()
    institution.save()
    if domains is not None:
        _set_domains(institution=institution, domains=domains)
    if competences is not None:
        _set_institution_competences(institution=institution, competences=competences)
    profiles_changed_on_commit(institution_ids=[institution.pk])
    return institution


@transaction.atomic
def institution_set_status(
    *, institution: Institution, actor: User, status: InstitutionStatus
) -> Institution:
    if not rules.has_perm("members.suspend_institution", actor):
        raise DomainError(_("Only coordinators may change an institution's status."))
    institution = Institution.objects.select_for_update().get(pk=institution.pk)
    institution.status = status
    institution.save(update_fields=["status", "updated_at"])
    profiles_changed_on_commit(institution_ids=[institution.pk])
    return institution


# Affiliations --------------------------------------------------------------------------


def _record(*, kind: EventKind, membership: Membership, actor: User) -> None:
    event_record(
        kind=kind,
        subject=membership,
        actor=actor,
        payload={"institution_id": membership.institution_id, "person_id": membership.person_id},
    )


def _open_membership(*, person: User, institution: Institution) -> Membership | None:
    return (
        Membership.objects.filter(
            person=person,
            institution=institution,
            status__in=[MembershipStatus.PENDING, MembershipStatus.ACTIVE],
        )
        .select_for_update()
        .first()
    )


@transaction.atomic
def membership_from_verified_email(*, person: User, email: str) -> Membership | None:
    """A verified address at an institution's domain creates (or finds) an affiliation."""
    institution = institution_for_email(email)
    if institution is None or institution.status == InstitutionStatus.SUSPENDED:
        return None
    existing = _open_membership(person=person, institution=institution)
    if existing is not None:
        return existing
    trusted = institution.trusts_email_domains
    membership = Membership.objects.create(
        person=person,
        institution=institution,
        source=MembershipSource.EMAIL_DOMAIN,
        status=MembershipStatus.ACTIVE if trusted else MembershipStatus.PENDING,
        decided_at=timezone.now() if trusted else None,
    )
    profiles_changed_on_commit(institution_ids=[institution.pk], person_ids=[person.pk])
    if not trusted:
        _record(kind=EventKind.AFFILIATION_REQUESTED, membership=membership, actor=person)
    return membership


@transaction.atomic
def membership_request(*, person: User, institution: Institution, message: str) -> Membership:
    if institution.status == InstitutionStatus.SUSPENDED:
        raise DomainError(
            _("%(institution)s is suspended and takes no new affiliations.")
            % {"institution": institution}
        )
    existing = _open_membership(person=person, institution=institution)
    if existing is not None:
        raise DomainError(
            _("You already have a %(status)s affiliation with %(institution)s.")
            % {"status": existing.get_status_display().lower(), "institution": institution}
        )
    try:
        with transaction.atomic():
            membership = Membership.objects.create(
                person=person,
                institution=institution,
                source=MembershipSource.REQUEST,
                status=MembershipStatus.PENDING,
                message=message.strip(),
            )
    except IntegrityError:
        # The same request sent twice at once: the other one made the pending affiliation.
        raise DomainError(
            _("You already have a %(status)s affiliation with %(institution)s.")
            % {"status": MembershipStatus.PENDING.label.lower(), "institution": institution}
        ) from None
    profiles_changed_on_commit(institution_ids=[institution.pk], person_ids=[person.pk])
    _record(kind=EventKind.AFFILIATION_REQUESTED, membership=membership, actor=person)
    return membership


def _lock(membership: Membership) -> Membership:
    # Lock the institution first: the last-representative rule reads its other rows.
    Institution.objects.select_for_update().filter(pk=membership.institution_id).first()
    return (
        Membership.objects.select_for_update()
        .select_related("institution", "person")
        .get(pk=membership.pk)
    )


def _decide(*, membership: Membership, actor: User, status: MembershipStatus) -> Membership:
    membership = _lock(membership)
    if not membership.is_pending:
        raise DomainError(
            _("This affiliation was already %(status)s.")
            % {"status": membership.get_status_display().lower()}
        )
    membership.status = status
    membership.decided_at = timezone.now()
    membership.decided_by = actor
    membership.save(update_fields=["status", "decided_at", "decided_by"])
    return membership


@transaction.atomic
def membership_approve(*, membership: Membership, actor: User) -> Membership:
    membership = _decide(membership=membership, actor=actor, status=MembershipStatus.ACTIVE)
    _record(kind=EventKind.AFFILIATION_APPROVED, membership=membership, actor=actor)
    profiles_changed_on_commit(
        institution_ids=[membership.institution_id], person_ids=[membership.person_id]
    )
    return membership


@transaction.atomic
def membership_decline(*, membership: Membership, actor: User) -> Membership:
    membership = _decide(membership=membership, actor=actor, status=MembershipStatus.DECLINED)
    _record(kind=EventKind.AFFILIATION_DECLINED, membership=membership, actor=actor)
    profiles_changed_on_commit(
        institution_ids=[membership.institution_id], person_ids=[membership.person_id]
    )
    return membership


def _is_last_representative(membership: Membership) -> bool:
    return (
        membership.is_active
        and membership.is_representative
        and not Membership.objects.representatives()
        .filter(institution_id=membership.institution_id)
        .exclude(pk=membership.pk)
        .exists()
    )


@transaction.atomic
def membership_end(*, membership: Membership, actor: User) -> Membership:
    membership = _lock(membership)
    if not membership.is_active:
        raise DomainError(_("Only an active affiliation can be ended."))
    if _is_last_representative(membership):
        raise DomainError(
            _(
                "%(person)s is the last representative of %(institution)s. "
                "Make someone else a representative first."
            )
            % {"person": membership.person, "institution": membership.institution}
        )
    membership.status = MembershipStatus.ENDED
    membership.decided_at = timezone.now()
    membership.decided_by = actor
    membership.save(update_fields=["status", "decided_at", "decided_by"])
    profiles_changed_on_commit(
        institution_ids=[membership.institution_id], person_ids=[membership.person_id]
    )
    return membership


@transaction.atomic
def membership_set_role(*, membership: Membership, actor: User, role: MembershipRole) -> Membership:
    membership = _lock(membership)
    if not membership.is_active:
        raise DomainError(_("Only an active affiliation can change its role."))
    if role == MembershipRole.RESEARCHER and _is_last_representative(membership):
        raise DomainError(
            _("%(person)s is the last representative of %(institution)s.")
            % {"person": membership.person, "institution": membership.institution}
        )
    membership.role = role
    membership.save(update_fields=["role"])
    profiles_changed_on_commit(
        institution_ids=[membership.institution_id], person_ids=[membership.person_id]
    )
    return membership


# People --------------------------------------------------------------------------------


def person_set_language(*, person: User, language: Language) -> User:
    """Keep the interface language a person chose, to switch to it when they sign in."""
    if person.language != language:
        person.language = language
        person.save(update_fields=["language"])
    return person


@transaction.atomic
def person_update_profile(
    *,
    person: User,
    display_name: str | None = None,
    bio: str | None = None,
    orcid: str | None = None,
    language: Language | None = None,
    time_zone: str | None = None,
    open_to_partnering: bool | None = None,
    competences: Mapping[Competence, int] | None = None,
) -> User:
    """Change what is given; ``None`` keeps a field (or the competences) as it is."""
    fields = {
        "display_name": display_name,
        "bio": bio,
        "orcid": orcid,
        "language": language,
        "time_zone": time_zone,
        "open_to_partnering": open_to_partnering,
    }
    given = {field: value for field, value in fields.items() if value is not None}
    for field, value in given.items():
        setattr(person, field, value)
    person.full_clean(exclude=["password"])
    person.save(update_fields=list(given))
    if competences is not None:
        person.competences.exclude(competence__in=list(competences)).delete()
        for competence, level in competences.items():
            PersonCompetence.objects.update_or_create(
                person=person, competence=competence, defaults={"level": level}
            )
    profiles_changed_on_commit(person_ids=[person.pk])
    return person


# Single sign-on --------------------------------------------------------------------------


@transaction.atomic
def institution_sso_save(
    *,
    institution: Institution,
    actor: User,
    issuer_url: str,
    client_id: str,
    client_secret: str = "",
    trusts_email: bool,
    enabled: bool,
    required: bool,
) -> InstitutionSSO:
    """Create or change the institution's provider; an empty secret keeps the one saved."""
    if not rules.has_perm("members.configure_sso", actor, institution):
        raise NotPermitted(_("You may not configure single sign-on for this institution."))
    config = InstitutionSSO.objects.select_for_update().filter(
        institution=institution
    ).first() or InstitutionSSO(institution=institution)
    config.issuer_url = issuer_url.strip().rstrip("/")
    config.client_id = client_id.strip()
    if client_secret:
        config.client_secret = client_secret
    if enabled and not config.client_secret:
        raise DomainError(_("Enter the client secret before switching the sign-in on."))
    if required and not enabled:
        raise DomainError(_("Single sign-on can only be required while it is on."))
    if required and not institution.domains.exists():
        raise DomainError(
            _(
                "Add the institution's email domains first: they decide whom the sign-in is required of."
            )
        )
    config.trusts_email = trusts_email
    config.enabled = enabled
    config.required = required
    config.save()
    return config
