"""Bulk-create a large synthetic alliance for benchmarks: institutions, people and proposals."""

from __future__ import annotations

import time

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from members.demo import COORDINATORS_GROUP, DEMO_PASSWORD, load_vocabulary
from members.models import Competence, Institution, User
from members.scale import BATCH_SIZE, build
from projects.scale import build_proposals


def coordinator_email(seed: int) -> str:
    """The coordinator who assigned the reviews and took the decisions of ``seed``'s proposals."""
    return f"coordinator-{seed}@scale.example"


class Command(BaseCommand):
    help = (
        "Bulk-create a synthetic alliance for benchmarks: N institutions (slug scale-S-<n>, "
        "domain scale-S-<n>.example) with competences, and M people with verified addresses at "
        "those domains, active memberships (the first person of each institution is its "
        "representative), competences and bios; then P proposals (slug scale-S-p<k>) in every "
        "stage with competences, consortia, revisions, stage transitions, reviews and decisions "
        "(by the coordinator coordinator-S@scale.example). All derived deterministically from "
        "--seed S. Every account's password is the demo password. Uses the existing focus areas "
        "and competences, loading the demo vocabulary first when there is none. Refuses to run "
        "when data for the same --seed already exist: pick another seed to add more."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--institutions", type=int, default=500, metavar="N", help="default: 500"
        )
        parser.add_argument(
            "--people", type=int, default=20_000, metavar="M", help="default: 20000"
        )
        parser.add_argument(
            "--proposals", type=int, default=10_000, metavar="P", help="default: 10000"
        )
        parser.add_argument(
            "--seed", type=int, default=0, metavar="S", help="random seed and namespace; default: 0"
        )

    def handle(
        self, *args, institutions: int, people: int, proposals: int, seed: int, **options
    ) -> None:
        if institutions < 1 or people < 0 or proposals < 0 or seed < 0:
            raise CommandError(
                "--institutions must be at least 1; --people, --proposals and --seed at least 0."
            )
        existing = Institution.objects.filter(slug__startswith=f"scale-{seed}-").count()
        if existing:
            raise CommandError(
                f"seed_scale already ran with --seed {seed} ({existing} institutions named "
                f"scale-{seed}-…). Use another --seed to add more."
            )
        started = time.perf_counter()
        with transaction.atomic():
            if not Competence.objects.exists():
                load_vocabulary()
            competences = list(Competence.objects.order_by("slug"))
            plan = build(
                institutions=institutions, people=people, seed=seed, competences=competences
            )
            for rows in plan.tables():
                # bulk_create takes each foreign key from its parent, saved (and given its
                # key) by the previous bulk_create.
                if rows:
                    type(rows[0]).objects.bulk_create(rows, batch_size=BATCH_SIZE)
            counts = ""
            if proposals:
                coordinator = User.objects.create(
                    email=coordinator_email(seed),
                    display_name=f"Scale coordinator {seed}",
                    password=make_password(DEMO_PASSWORD),
                )
                coordinator.groups.add(Group.objects.get_or_create(name=COORDINATORS_GROUP)[0])
                # A verified address, as everyone else's: the coordinator can sign in.
                EmailAddress.objects.create(
                    user=coordinator, email=coordinator.email, verified=True, primary=True
                )
                records = build_proposals(n=proposals, seed=seed, coordinator=coordinator)
                for rows in records.tables():
                    if rows:
                        type(rows[0]).objects.bulk_create(rows, batch_size=BATCH_SIZE)
                counts = (
                    f", {len(records.proposals):,} proposals ({len(records.participations):,} "
                    f"participations, {len(records.revisions):,} revisions, "
                    f"{len(records.stage_transitions):,} stage transitions, "
                    f"{len(records.assignments):,} review assignments, "
                    f"{len(records.reviews):,} reviews)"
                )
        elapsed = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Created {len(plan.institutions):,} institutions "
                f"({len(plan.domains):,} domains, {len(plan.institution_competences):,} "
                f"competences) and {len(plan.people):,} people ({len(plan.memberships):,} "
                f"memberships, {len(plan.person_competences):,} competences, "
                f"{len(plan.email_addresses):,} email addresses){counts} in {elapsed:.1f} s."
            )
        )
