"""Build a large synthetic alliance for benchmarks: institutions and people, unsaved."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from members.demo import DEMO_PASSWORD
from members.enums import (
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
    Membership,
    PersonCompetence,
    User,
)

BATCH_SIZE = 1000

# A small vocabulary, combined by a seeded random.Random: same arguments, same alliance.
PLACES = (
    "Aldmere", "Brightwater", "Castelnuovo", "Dunmore", "Eastfield", "Falkenau", "Greyhaven",
    "Hollowbrook", "Ironvale", "Juniper Bay", "Kestrelmoor", "Lindenfeld", "Marlow Heath",
    "Northgate", "Oakridge", "Pinecrest", "Queensport", "Riverton", "Silverlake", "Thornbury",
    "Ulmenhof", "Valdoro", "Westmere", "Yarrowdale", "Zellbach",
)  # fmt: skip
INSTITUTION_NAMES = {
    InstitutionKind.COMPANY: ("{place} AI", "{place} Systems", "{place} Labs", "{place} Compute"),
    InstitutionKind.UNIVERSITY: (
        "University of {place}",
        "{place} Institute of Technology",
        "{place} Technical University",
    ),
    InstitutionKind.RESEARCH_INSTITUTE: (
        "{place} Institute for Machine Intelligence",
        "{place} Research Centre",
    ),
    InstitutionKind.PUBLIC_BODY: ("{place} Science Agency", "{place} Office for Digital Research"),
    InstitutionKind.NONPROFIT: ("{place} Open Science Foundation", "{place} AI Commons"),
}
KIND_WEIGHTS = {
    InstitutionKind.COMPANY: 30,
    InstitutionKind.UNIVERSITY: 40,
    InstitutionKind.RESEARCH_INSTITUTE: 18,
    InstitutionKind.PUBLIC_BODY: 5,
    InstitutionKind.NONPROFIT: 7,
}
COUNTRY_WEIGHTS = {
    "US": 20, "DE": 8, "GB": 6, "FR": 5, "CH": 4, "JP": 5, "CA": 4, "IN": 5, "KR": 3, "NL": 3,
    "SE": 2, "FI": 2, "IT": 3, "ES": 3, "IL": 2, "SG": 2, "AU": 2, "BR": 2, "AE": 1, "BG": 1,
    "DK": 1, "AT": 2, "PL": 2, "IE": 1, "BE": 1,
}  # fmt: skip
GERMAN_SPEAKING = {"DE", "AT", "CH"}
STATUS_WEIGHTS = {
    InstitutionStatus.MEMBER: 96,
    InstitutionStatus.APPLICANT: 3,
    InstitutionStatus.SUSPENDED: 1,
}
FIRST_NAMES = (
    "Ada", "Ahmed", "Aiko", "Alex", "Amara", "Ana", "Anna", "Ben", "Carla", "Chen", "Daniel",
    "Elena", "Emma", "Felix", "Fatima", "Hana", "Hugo", "Ines", "Ivan", "Jonas", "Julia",
    "Kai", "Laura", "Lena", "Leo", "Lucas", "Maya", "Mei", "Mika", "Nadia", "Noah", "Omar",
    "Paula", "Priya", "Rafael", "Ravi", "Sara", "Sofia", "Tom", "Yuki",
)  # fmt: skip
LAST_NAMES = (
    "Adams", "Bauer", "Becker", "Chen", "Costa", "Dubois", "Eriksson", "Fischer", "Garcia",
    "Gupta", "Hansen", "Ito", "Jensen", "Kim", "Kowalski", "Lang", "Lopez", "Meyer", "Moreau",
    "Nakamura", "Novak", "Okafor", "Park", "Patel", "Rossi", "Santos", "Schulz", "Singh",
    "Smith", "Suzuki", "Tanaka", "Wagner", "Walker", "Wang", "Weber", "Wilson", "Yamada",
    "Zhang", "Zimmermann", "Ziegler",
)  # fmt: skip
TITLES = (
    "PhD student", "Postdoc", "Research scientist", "Senior researcher", "Professor",
    "Research engineer", "Group leader",
)  # fmt: skip
APPLICATIONS = (
    "healthcare", "climate research", "manufacturing", "public services", "education",
    "scientific discovery", "robotics", "low-resource languages", "open-source tooling",
)  # fmt: skip
LEVELS = (1, 2, 2, 3)


@dataclass
class Plan:
    """Rows to insert, built in memory before touching the database."""

    institutions: list[Institution] = field(default_factory=list)
    domains: list[InstitutionDomain] = field(default_factory=list)
    institution_competences: list[InstitutionCompetence] = field(default_factory=list)
    people: list[User] = field(default_factory=list)
    email_addresses: list[EmailAddress] = field(default_factory=list)
    memberships: list[Membership] = field(default_factory=list)
    person_competences: list[PersonCompetence] = field(default_factory=list)

    def tables(self) -> list[list]:
        """The rows per table, parents before the rows that point at them."""
        return [
            self.institutions,
            self.domains,
            self.institution_competences,
            self.people,
            self.email_addresses,
            self.memberships,
            self.person_competences,
        ]


def _phrase(competence: Competence) -> str:
    """Competence name for use inside a sentence: lower-case unless it starts with an acronym."""
    name = competence.name
    return name if name[:2].isupper() else name[0].lower() + name[1:]


def _pick[T](rng: random.Random, weights: dict[T, int]) -> T:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _levels(rng: random.Random, candidates: Sequence[Competence], k: int) -> dict[Competence, int]:
    return {c: rng.choice(LEVELS) for c in rng.sample(candidates, min(k, len(candidates)))}


def build(*, institutions: int, people: int, seed: int, competences: Sequence[Competence]) -> Plan:
    """Generate every row from ``seed`` alone, unsaved: the same arguments give the same rows."""
    rng = random.Random(seed)
    now = timezone.now()
    password = make_password(DEMO_PASSWORD)  # one hash for everyone: argon2 is slow on purpose
    plan = Plan()
    comps_of: list[dict[Competence, int]] = []

    for i in range(1, institutions + 1):
        kind = _pick(rng, KIND_WEIGHTS)
        place = rng.choice(PLACES)
        base = rng.choice(INSTITUTION_NAMES[kind]).format(place=place)
        slug = f"scale-{seed}-{i}"
        domain = f"{slug}.example"
        levels = _levels(rng, competences, rng.randint(3, 8))
        topics = [_phrase(c) for c in levels]
        institution = Institution(
            name=f"{base} (scale {seed}/{i})",
            short_name=f"{''.join(w[0] for w in base.split() if w[0].isupper())}-{i}",
            slug=slug,
            kind=kind,
            country=_pick(rng, COUNTRY_WEIGHTS),
            city=place,
            website=f"https://{domain}",
            description=(
                f"{base} works on {', '.join(topics[:-1])} and {topics[-1]}. "
                f"It brings experience in {rng.choice(APPLICATIONS)} to joint projects."
            ),
            status=_pick(rng, STATUS_WEIGHTS),
            capacity=rng.randint(2, 10),
            trusts_email_domains=rng.random() < 0.2,
        )
        plan.institutions.append(institution)
        plan.domains.append(InstitutionDomain(institution=institution, domain=domain))
        plan.institution_competences += [
            InstitutionCompetence(institution=institution, competence=c, level=level)
            for c, level in levels.items()
        ]
        comps_of.append(levels)

    # The first person of each institution is its representative; the rest spread unevenly,
    # as real institutions differ in size (a few large, many small).
    sizes = [rng.paretovariate(1.2) for _ in range(institutions)]
    homes = list(range(min(people, institutions)))
    homes += rng.choices(range(institutions), weights=sizes, k=max(people - institutions, 0))

    for j, home in enumerate(homes, start=1):
        institution = plan.institutions[home]
        role = MembershipRole.REPRESENTATIVE if j <= institutions else MembershipRole.RESEARCHER
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        email = f"{first}.{last}.{j}@{institution.slug}.example".lower()
        own = list(comps_of[home])
        levels = _levels(rng, own, rng.randint(1, 3))
        if rng.random() < 0.4:  # something their institution does not cover
            other = rng.choice(competences)
            levels.setdefault(other, rng.choice(LEVELS))
        topics = [_phrase(c) for c in levels]
        german = institution.country.code in GERMAN_SPEAKING and rng.random() < 0.7
        person = User(
            email=email,
            display_name=f"{first} {last}",
            bio=(
                f"{rng.choice(TITLES)} working on {' and '.join(topics[:2])}"
                f"{f', with a focus on {topics[2]}' if len(topics) > 2 else ''}, "
                f"applied to {rng.choice(APPLICATIONS)}."
            ),
            language=Language.GERMAN if german else Language.ENGLISH,
            password=password,
        )
        plan.people.append(person)
        plan.email_addresses.append(
            EmailAddress(user=person, email=email, verified=True, primary=True)
        )
        plan.memberships.append(
            Membership(
                person=person,
                institution=institution,
                role=role,
                status=MembershipStatus.ACTIVE,
                source=MembershipSource.EMAIL_DOMAIN,
                decided_at=now,
            )
        )
        plan.person_competences += [
            PersonCompetence(person=person, competence=c, level=level)
            for c, level in levels.items()
        ]
    return plan
