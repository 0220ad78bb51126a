from __future__ import annotations

import functools
import zoneinfo
from typing import TYPE_CHECKING

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from members.enums import (
    COORDINATORS_GROUP,
    DEFAULT_TIME_ZONE,
    CompetenceLevel,
    InstitutionKind,
    InstitutionStatus,
    Language,
    MembershipRole,
    MembershipSource,
    MembershipStatus,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser


domain_validator = RegexValidator(
    r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$",
    _("Enter a domain such as tum.de, without @ or www."),
)
orcid_validator = RegexValidator(
    r"^\d{4}-\d{4}-\d{4}-\d{3}[\dX]$", _("Enter an ORCID iD such as 0000-0002-1825-0097.")
)


@functools.cache
def time_zone_names() -> tuple[str, ...]:
    """Every IANA time zone the system knows, sorted; read once, as it scans the tz database."""
    return tuple(sorted(zoneinfo.available_timezones()))


def validate_time_zone(value: str) -> None:
    if value not in time_zone_names():
        raise ValidationError(
            _("Choose a time zone from the list, such as Europe/Berlin."), code="invalid"
        )


class FocusArea(models.Model):
    name = models.CharField(_("name"), max_length=120, unique=True)
    slug = models.SlugField(_("slug"), unique=True)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("focus area")
        verbose_name_plural = _("focus areas")

    def __str__(self) -> str:
        return self.name


class Competence(models.Model):
    focus_area = models.ForeignKey(
        FocusArea,
        on_delete=models.PROTECT,
        related_name="competences",
        verbose_name=_("focus area"),
    )
    name = models.CharField(_("name"), max_length=120, unique=True)
    slug = models.SlugField(_("slug"), unique=True)
    description = models.TextField(_("description"), blank=True)
    aliases = models.CharField(
        _("aliases"),
        max_length=500,
        blank=True,
        help_text=_("Other names for it, separated by commas; matching reads them too."),
    )

    class Meta:
        ordering = ["focus_area__position", "name"]
        verbose_name = _("competence")
        verbose_name_plural = _("competences")

    def __str__(self) -> str:
        return self.name


class InstitutionQuerySet(models.QuerySet["Institution"]):
    def members(self) -> InstitutionQuerySet:
        return self.filter(status=InstitutionStatus.MEMBER)

    def visible_to(self, user: User | AnonymousUser) -> InstitutionQuerySet:
        """Members are public; applicants and suspended ones only to their people and staff."""
        if user.is_authenticated and user.is_coordinator:
            return self.all()
        public = Q(status=InstitutionStatus.MEMBER)
        if not user.is_authenticated:
            return self.filter(public)
        own = Exists(
            Membership.objects.filter(
                institution=OuterRef("pk"), person=user, status=MembershipStatus.ACTIVE
            )
        )
        return self.filter(public | own)

    def search(self, text: str) -> InstitutionQuerySet:
        text = text.strip()
        if not text:
            return self
        return self.filter(
            Q(name__icontains=text)
            | Q(short_name__icontains=text)
            | Q(city__icontains=text)
            | Q(description__icontains=text)
        )


class Institution(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    short_name = models.CharField(_("short name"), max_length=40, blank=True)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    kind = models.CharField(_("kind"), max_length=24, choices=InstitutionKind)
    country = CountryField(_("country"))
    city = models.CharField(_("city"), max_length=120, blank=True)
    website = models.URLField(_("website"), blank=True)
    description = models.TextField(_("description"), blank=True)
    founding_member = models.BooleanField(_("founding member"), default=False)
    status = models.CharField(
        _("status"), max_length=12, choices=InstitutionStatus, default=InstitutionStatus.MEMBER
    )
    capacity = models.PositiveSmallIntegerField(
        _("capacity"),
        default=5,
        validators=[MinValueValidator(1)],
        help_text=_("How many joint projects the institution takes part in at once."),
    )
    open_to_partnering = models.BooleanField(
        _("open to partner suggestions"),
        default=True,
        help_text=_("When off, the institution is not suggested as a partner for new proposals."),
    )
    trusts_email_domains = models.BooleanField(
        _("activate verified addresses at once"),
        default=False,
        help_text=_(
            "When on, anyone who verifies an address at one of the institution's domains "
            "becomes an active researcher without a representative's approval."
        ),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = InstitutionQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")
        indexes = [models.Index(fields=["status", "kind", "country"])]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("members:institution_detail", kwargs={"slug": self.slug})

    @property
    def display_short_name(self) -> str:
        return self.short_name or self.name

    @property
    def is_member(self) -> bool:
        """An alliance member (not an applicant, not suspended)."""
        return self.status == InstitutionStatus.MEMBER


class InstitutionDomain(models.Model):
    institution = models.ForeignKey(
        Institution, on_delete=models.CASCADE, related_name="domains", verbose_name=_("institution")
    )
    domain = models.CharField(
        _("email domain"), max_length=253, unique=True, validators=[domain_validator]
    )

    class Meta:
        ordering = ["domain"]
        verbose_name = _("email domain")
        verbose_name_plural = _("email domains")

    def __str__(self) -> str:
        return self.domain


class InstitutionCompetence(models.Model):
    institution = models.ForeignKey(
        Institution, on_delete=models.CASCADE, related_name="competences"
    )
    competence = models.ForeignKey(Competence, on_delete=models.CASCADE, related_name="+")
    level = models.PositiveSmallIntegerField(
        _("level"), choices=CompetenceLevel, default=CompetenceLevel.STRONG
    )

    class Meta:
        ordering = ["-level", "competence__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "competence"], name="unique_institution_competence"
            )
        ]

    def __str__(self) -> str:
        return f"{self.institution}: {self.competence} ({self.level})"


class UserManager(DjangoUserManager["User"]):
    """Email is the login; there is no username."""

    def _create_user(self, email: str, password: str | None, **extra_fields):  # type: ignore[override]
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields):  # type: ignore[override]
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email: str, password: str | None = None, **extra_fields):  # type: ignore[override]
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A person in the alliance: the account and its public profile."""

    username = None  # type: ignore[assignment]
    first_name = None  # type: ignore[assignment]
    last_name = None  # type: ignore[assignment]
    email = models.EmailField(_("email address"), unique=True)
    display_name = models.CharField(_("display name"), max_length=120)
    bio = models.TextField(_("bio"), blank=True)
    orcid = models.CharField(_("ORCID iD"), max_length=19, blank=True, validators=[orcid_validator])
    language = models.CharField(
        _("language"), max_length=5, choices=Language, default=Language.ENGLISH
    )
    open_to_partnering = models.BooleanField(
        _("suggest me as a partner"),
        default=True,
        help_text=_("When off, leads do not see you among suggested partners."),
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default=DEFAULT_TIME_ZONE,
        validators=[validate_time_zone],
        help_text=_("Daily and weekly email digests arrive at 07:00 in this time zone."),
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["display_name"]

    class Meta:
        ordering = ["display_name"]
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return self.display_name or self.email

    def get_absolute_url(self) -> str:
        return reverse("members:person_detail", kwargs={"pk": self.pk})

    def get_full_name(self) -> str:
        return str(self)

    def get_short_name(self) -> str:
        return str(self)

    @property
    def is_coordinator(self) -> bool:
        # Cached per instance: templates and predicates ask many times per request.
        if not hasattr(self, "_is_coordinator"):
            self._is_coordinator = (
                self.is_superuser or self.groups.filter(name=COORDINATORS_GROUP).exists()
            )
        return self._is_coordinator


class PersonCompetence(models.Model):
    person = models.ForeignKey(User, on_delete=models.CASCADE, related_name="competences")
    competence = models.ForeignKey(Competence, on_delete=models.CASCADE, related_name="+")
    level = models.PositiveSmallIntegerField(
        _("level"), choices=CompetenceLevel, default=CompetenceLevel.STRONG
    )

    class Meta:
        ordering = ["-level", "competence__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "competence"], name="unique_person_competence"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person}: {self.competence} ({self.level})"


class MembershipQuerySet(models.QuerySet["Membership"]):
    def active(self) -> MembershipQuerySet:
        return self.filter(status=MembershipStatus.ACTIVE)

    def pending(self) -> MembershipQuerySet:
        return self.filter(status=MembershipStatus.PENDING)

    def representatives(self) -> MembershipQuerySet:
        return self.active().filter(role=MembershipRole.REPRESENTATIVE)

    def visible_to(self, user: User | AnonymousUser) -> MembershipQuerySet:
        """Active affiliations are public; the rest only to the person, their representatives and staff."""
        if user.is_authenticated and user.is_coordinator:
            return self.all()
        public = Q(status=MembershipStatus.ACTIVE, institution__status=InstitutionStatus.MEMBER)
        if not user.is_authenticated:
            return self.filter(public)
        represented = Membership.objects.representatives().filter(person=user)
        return self.filter(
            public | Q(person=user) | Q(institution__in=represented.values("institution"))
        )


class Membership(models.Model):
    person = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("person")
    )
    institution = models.ForeignKey(
        Institution,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("institution"),
    )
    role = models.CharField(
        _("role"), max_length=16, choices=MembershipRole, default=MembershipRole.RESEARCHER
    )
    status = models.CharField(
        _("status"), max_length=10, choices=MembershipStatus, default=MembershipStatus.PENDING
    )
    source = models.CharField(_("source"), max_length=16, choices=MembershipSource)
    message = models.TextField(_("message"), blank=True)
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "institution"],
                condition=Q(status__in=[MembershipStatus.PENDING, MembershipStatus.ACTIVE]),
                name="one_open_membership_per_institution",
            )
        ]
        indexes = [models.Index(fields=["institution", "status", "role"])]

    def __str__(self) -> str:
        return f"{self.person} @ {self.institution} ({self.get_status_display()})"

    @property
    def is_active(self) -> bool:
        return self.status == MembershipStatus.ACTIVE

    @property
    def is_pending(self) -> bool:
        return self.status == MembershipStatus.PENDING

    @property
    def is_declined(self) -> bool:
        return self.status == MembershipStatus.DECLINED

    @property
    def is_representative(self) -> bool:
        return self.role == MembershipRole.REPRESENTATIVE


class InstitutionSSO(models.Model):
    """An institution's OpenID Connect provider, served to allauth as one app per institution.

    The institution's own row, not a SocialApp, holds it: suspending the institution or
    switching the provider off then takes it out of allauth at once (members.adapters), and
    nothing else can drift out of step with the institution.
    """

    institution = models.OneToOneField(
        Institution, on_delete=models.CASCADE, related_name="sso", verbose_name=_("institution")
    )
    issuer_url = models.URLField(
        _("issuer URL"),
        max_length=500,
        help_text=_("The provider's issuer, e.g. https://login.example.org/realms/staff."),
    )
    client_id = models.CharField(_("client ID"), max_length=255)
    # Stored as allauth's own SocialApp stores it: the token request needs it in clear.
    client_secret = models.CharField(_("client secret"), max_length=500, blank=True)
    trusts_email = models.BooleanField(
        _("trust the provider's verified emails"),
        default=False,
        help_text=_(
            "When on, an address the provider marks as verified counts as verified here, "
            "without a confirmation email."
        ),
    )
    enabled = models.BooleanField(_("sign-in with the institution on"), default=False)
    required = models.BooleanField(
        _("required for the institution's domains"),
        default=False,
        help_text=_(
            "When on, people with an address at the institution's domains cannot set or use "
            "a password here: they sign in with the institution."
        ),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("single sign-on")
        verbose_name_plural = _("single sign-on")

    def __str__(self) -> str:
        return f"{self.institution}: {self.issuer_url}"

    @property
    def provider_id(self) -> str:
        """The id under which allauth knows the provider (in its URLs and connected accounts)."""
        return f"institution-{self.institution_id}"

    @property
    def is_active(self) -> bool:
        """Signs people in: switched on, and the institution is not suspended."""
        return self.enabled and self.institution.status != InstitutionStatus.SUSPENDED
