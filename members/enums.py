from django.db import models
from django.utils.translation import gettext_lazy as _


class InstitutionKind(models.TextChoices):
    COMPANY = "company", _("Company")
    UNIVERSITY = "university", _("University")
    RESEARCH_INSTITUTE = "research_institute", _("Research institute")
    PUBLIC_BODY = "public_body", _("Public body")
    NONPROFIT = "nonprofit", _("Non-profit")


class InstitutionStatus(models.TextChoices):
    APPLICANT = "applicant", _("Applicant")
    MEMBER = "member", _("Member")
    SUSPENDED = "suspended", _("Suspended")


class MembershipRole(models.TextChoices):
    RESEARCHER = "researcher", _("Researcher")
    REPRESENTATIVE = "representative", _("Representative")


class MembershipStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACTIVE = "active", _("Active")
    DECLINED = "declined", _("Declined")
    ENDED = "ended", _("Ended")


class MembershipSource(models.TextChoices):
    EMAIL_DOMAIN = "email_domain", _("Verified email domain")
    REQUEST = "request", _("Request")
    COORDINATOR = "coordinator", _("Added by a coordinator")


class CompetenceLevel(models.IntegerChoices):
    BASIC = 1, _("Working knowledge")
    STRONG = 2, _("Strong")
    LEADING = 3, _("Leading")


class Language(models.TextChoices):
    ENGLISH = "en", _("English")
    GERMAN = "de", _("German")


class EventKind(models.TextChoices):
    """Domain events about affiliations, recorded in the outbox (subject: the membership)."""

    AFFILIATION_REQUESTED = "affiliation_requested", _("Affiliation requested")
    AFFILIATION_APPROVED = "affiliation_approved", _("Affiliation approved")
    AFFILIATION_DECLINED = "affiliation_declined", _("Affiliation declined")


COORDINATORS_GROUP = "Coordinators"
# Where a person is until they say otherwise: the alliance's home (digests go out at 07:00 there).
DEFAULT_TIME_ZONE = "Europe/Berlin"
