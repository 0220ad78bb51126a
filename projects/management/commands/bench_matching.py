"""Benchmark partner matching on synthetic alliances; one JSON line per figure on stdout.

Runs in a scratch test database (created and dropped here), never in the configured one.
"""

from __future__ import annotations

import json
import random
import sys
import time
from collections import defaultdict
from collections.abc import Callable

import numpy as np
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.test.utils import override_settings, setup_databases, teardown_databases
from django.utils import timezone

from members import scale as seed_scale
from members.demo import load_vocabulary
from members.enums import InstitutionStatus, MembershipStatus
from members.models import Competence, Institution, User
from projects.enums import ACTIVE_STAGES, ParticipationRole, ParticipationStatus, Stage, Visibility
from projects.matching import build_consortia, build_index, get_index, suggest_people
from projects.matching.consortium import Problem
from projects.matching.context import Context
from projects.matching.embedding import embed
from projects.matching.index import fit, load_corpus
from projects.matching.quality import measure, measure_reviewers, seed_paraphrase_alliance
from projects.models import (
    ConsortiumRules,
    Participation,
    Proposal,
    ProposalCompetence,
)
from projects.services import consortium_check

SIZES = {
    "S": {"institutions": 60, "people": 900, "proposals": 300},
    "M": {"institutions": 500, "people": 20_000, "proposals": 1_000},
}
SEED = 2026
STAGE_WEIGHTS = {
    Stage.DRAFT: 6,
    Stage.DEFINE: 30,
    Stage.REVIEW: 6,
    Stage.CHANGES_REQUESTED: 3,
    Stage.APPROVED: 5,
    Stage.DRIVE: 14,
    Stage.PAUSED: 2,
    Stage.COMPLETED: 22,
    Stage.DECLINED: 7,
    Stage.WITHDRAWN: 5,
}
DEFINE_STATUSES = (
    ParticipationStatus.INVITED,
    ParticipationStatus.REQUESTED,
    ParticipationStatus.ACCEPTED,
    ParticipationStatus.CONFIRMED,
)
# The rules the solver meets, from lenient to strict; each case draws one.
RULE_SETS = (
    {"min_partner_institutions": 1, "max_partner_institutions": 8, "min_countries": 1},
    {"min_partner_institutions": 2, "max_partner_institutions": 5, "min_countries": 2},
    {
        "min_partner_institutions": 2,
        "max_partner_institutions": 5,
        "min_countries": 3,
        "min_kinds": 2,
        "company_required": True,
    },
    {
        "min_partner_institutions": 3,
        "max_partner_institutions": 6,
        "min_countries": 3,
        "min_kinds": 3,
        "company_required": True,
    },
)
GOALS = (
    "release open weights and training code",
    "publish an open benchmark",
    "build shared tooling for the alliance",
    "write a reference implementation",
    "run a public evaluation campaign",
)


def _phrase(name: str) -> str:
    return name if name[:2].isupper() else name[0].lower() + name[1:]


def _proposal_rows(
    *, rng: random.Random, n: int, competences: list[Competence], seed: int
) -> tuple[list[Proposal], list[ProposalCompetence], list[Participation]]:
    """Proposals with required competences, texts, leads and consortia; loads kept in capacity."""
    institutions = list(Institution.objects.order_by("pk").values_list("pk", "status", "capacity"))
    members = [pk for pk, status, _cap in institutions if status == InstitutionStatus.MEMBER]
    capacity = {pk: cap for pk, _status, cap in institutions}
    people_of: dict[int, list[int]] = defaultdict(list)
    for person_id, inst_id in (
        User.objects.filter(
            memberships__status=MembershipStatus.ACTIVE, memberships__institution_id__in=members
        )
        .order_by("pk")
        .values_list("pk", "memberships__institution_id")
    ):
        people_of[inst_id].append(person_id)
    members = [pk for pk in members if people_of[pk]]
    by_area: dict[int, list[Competence]] = defaultdict(list)
    for competence in competences:
        by_area[competence.focus_area_id].append(competence)
    areas = sorted(by_area)
    load: dict[int, int] = defaultdict(int)
    proposals, required, participations = [], [], []
    for k in range(n):
        stage = rng.choices(list(STAGE_WEIGHTS), weights=list(STAGE_WEIGHTS.values()))[0]
        active = stage in ACTIVE_STAGES
        free = [pk for pk in members if load[pk] < 0.8 * capacity[pk]] or members
        lead_institution = rng.choice(free)
        area = rng.choice(areas)
        needs = rng.sample(by_area[area], min(len(by_area[area]), rng.randint(2, 3)))
        if rng.random() < 0.4:
            other = rng.choice(competences)
            if other not in needs:
                needs.append(other)
        phrases = [_phrase(c.name) for c in needs]
        application = rng.choice(seed_scale.APPLICATIONS)
        title = f"{needs[0].name} for {application} ({seed}/{k})"
        summary = (
            f"We combine {', '.join(phrases[:-1])} and {phrases[-1]} to {rng.choice(GOALS)} "
            f"for {application}."
        )
        description = (
            f"## Why\n\nOpen work on {phrases[0]} is scattered. "
            f"## Plan\n\n1. Survey {phrases[-1]}.\n2. Build on {phrases[0]} for {application}.\n"
            f"3. {rng.choice(GOALS).capitalize()}."
        )
        proposal = Proposal(
            title=title,
            slug=f"bench-{seed}-{k}",
            summary=summary,
            description=description,
            focus_area_id=area,
            lead_id=rng.choice(people_of[lead_institution]),
            lead_institution_id=lead_institution,
            stage=stage,
            visibility=Visibility.OPEN_CALL if rng.random() < 0.85 else Visibility.CONFIDENTIAL,
            stage_changed_at=timezone.now(),
        )
        proposals.append(proposal)
        required += [
            ProposalCompetence(proposal=proposal, competence=c, importance=rng.choice((1, 2, 2, 3)))
            for c in needs
        ]
        participations.append(
            Participation(
                proposal=proposal,
                institution_id=lead_institution,
                person_id=proposal.lead_id,
                role=ParticipationRole.LEAD,
                status=ParticipationStatus.CONFIRMED,
            )
        )
        if active:
            load[lead_institution] += 1
        if stage in (Stage.DRAFT, Stage.WITHDRAWN):
            continue
        partners = rng.randint(0, 2) if stage == Stage.DEFINE else rng.randint(1, 3)
        pool = [pk for pk in free if pk != lead_institution]
        for partner in rng.sample(pool, min(partners, len(pool))):
            status = (
                rng.choice(DEFINE_STATUSES)
                if stage == Stage.DEFINE
                else ParticipationStatus.CONFIRMED
            )
            participations.append(
                Participation(
                    proposal=proposal,
                    institution_id=partner,
                    person_id=rng.choice(people_of[partner]),
                    role=ParticipationRole.PARTNER,
                    status=status,
                )
            )
            if active and status in (ParticipationStatus.ACCEPTED, ParticipationStatus.CONFIRMED):
                load[partner] += 1
    return proposals, required, participations


def generate(*, size: str, seed: int, log: Callable[[str], None]) -> None:
    """Seed a synthetic alliance of the given size, deterministically from ``seed``."""
    spec = SIZES[size]
    rng = random.Random(seed)
    with transaction.atomic():
        load_vocabulary()
        competences = list(Competence.objects.order_by("slug"))
        plan = seed_scale.build(
            institutions=spec["institutions"],
            people=spec["people"],
            seed=seed,
            competences=competences,
        )
        for rows in plan.tables():
            if rows:
                type(rows[0]).objects.bulk_create(rows, batch_size=seed_scale.BATCH_SIZE)
        # A few opt out of suggestions, as in a real alliance.
        Institution.objects.filter(
            pk__in=[i.pk for i in plan.institutions if rng.random() < 0.02]
        ).update(open_to_partnering=False)
        User.objects.filter(pk__in=[p.pk for p in plan.people if rng.random() < 0.01]).update(
            open_to_partnering=False
        )
        proposals, required, participations = _proposal_rows(
            rng=rng, n=spec["proposals"], competences=competences, seed=seed
        )
        Proposal.objects.bulk_create(proposals, batch_size=seed_scale.BATCH_SIZE)
        ProposalCompetence.objects.bulk_create(required, batch_size=seed_scale.BATCH_SIZE)
        Participation.objects.bulk_create(participations, batch_size=seed_scale.BATCH_SIZE)
    log(
        f"[{size}] {len(plan.institutions)} institutions, {len(plan.people)} people, "
        f"{len(proposals)} proposals, {len(participations)} participations"
    )


class _Rollback(Exception):
    pass


def rules_hold(*, proposal: Proposal, institutions: list[Institution], rules) -> bool:
    """Check a consortium with the product's own rule check, inside a rolled-back savepoint.

    The proposed partners and every partner already in the consortium count as confirmed.
    """
    ok = False
    try:
        with transaction.atomic():
            proposal.participations.filter(status=ParticipationStatus.ACCEPTED).update(
                status=ParticipationStatus.CONFIRMED
            )
            for institution in institutions:
                if institution.pk == proposal.lead_institution_id:
                    continue
                updated = proposal.participations.filter(
                    institution=institution, status__in=DEFINE_STATUSES
                ).update(status=ParticipationStatus.CONFIRMED, role=ParticipationRole.PARTNER)
                if not updated:
                    Participation.objects.create(
                        proposal=proposal,
                        institution=institution,
                        role=ParticipationRole.PARTNER,
                        status=ParticipationStatus.CONFIRMED,
                    )
            ok = all(r.ok for r in consortium_check(proposal=proposal, rules=rules))
            raise _Rollback
    except _Rollback:
        pass
    return ok


class Command(BaseCommand):
    help = (
        "Benchmark partner matching: seed synthetic alliances (S: 60 institutions, 900 people, "
        "300 proposals; M: 500, 20,000, 1,000) in a scratch test database, then print one JSON "
        "line per figure: top-20 suggestion latency with a warm index and with a vectoriser "
        "refitted per request, index build time, consortium solve time, and the share of "
        "feasible cases whose consortium meets every rule, for the solver and for the top-N "
        "institutions by score. Progress goes to stderr."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--sizes", nargs="+", choices=sorted(SIZES), default=["S", "M"])
        parser.add_argument(
            "--repeat", type=int, default=200, help="timed top-20 requests per size (200)"
        )
        parser.add_argument(
            "--naive-repeat", type=int, default=20, help="timed naive requests per size (20)"
        )
        parser.add_argument(
            "--solves", type=int, default=100, help="consortium cases per size (100)"
        )
        parser.add_argument("--seed", type=int, default=SEED)
        parser.add_argument(
            "--no-quality", action="store_true", help="skip the paraphrase quality set"
        )

    def log(self, message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    def emit(self, figure: str, size: str, value: float, unit: str) -> None:
        line = {"figure": figure, "size": size, "value": round(float(value), 4), "unit": unit}
        self.stdout.write(json.dumps(line))
        self.stdout.flush()

    def handle(
        self, *args, sizes, repeat, naive_repeat, solves, seed, no_quality, **options
    ) -> None:
        old_config = setup_databases(
            verbosity=0, interactive=False, aliases={"default"}, serialized_aliases=set()
        )
        # A private cache: the index versions and blobs of a shared Redis stay untouched.
        private_cache = {
            "default": {
                "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                "LOCATION": "bench-matching",
            }
        }
        try:
            with override_settings(CACHES=private_cache):
                for n, size in enumerate(sizes):
                    if n:
                        call_command("flush", interactive=False, verbosity=0)
                    self.bench(
                        size=size,
                        seed=seed,
                        repeat=repeat,
                        naive_repeat=naive_repeat,
                        solves=solves,
                    )
                if not no_quality:
                    if sizes:
                        call_command("flush", interactive=False, verbosity=0)
                    self.quality()
        finally:
            teardown_databases(old_config, verbosity=0)

    def quality(self) -> None:
        """Experts found in the top 10 and their mean reciprocal rank, per proposal variant,
        for partners and for reviewers."""
        cases = seed_paraphrase_alliance()
        index = build_index()
        figures = measure(cases, index=index)
        for variant, f in figures.items():
            self.emit(f"people_top10_share_{variant}", "paraphrase", f.people_hit, "share")
            self.emit(f"people_mrr_{variant}", "paraphrase", f.people_mrr, "mrr")
            self.emit(
                f"institutions_top10_share_{variant}", "paraphrase", f.institutions_hit, "share"
            )
            self.emit(f"institutions_mrr_{variant}", "paraphrase", f.institutions_mrr, "mrr")
        for variant, r in measure_reviewers(cases, index=index).items():
            self.emit(f"reviewers_top10_share_{variant}", "paraphrase", r.hit, "share")
            self.emit(f"reviewers_mrr_{variant}", "paraphrase", r.mrr, "mrr")
            self.emit(f"reviewers_others_{variant}", "paraphrase", r.others, "people")

    def bench(self, *, size: str, seed: int, repeat: int, naive_repeat: int, solves: int) -> None:
        started = time.perf_counter()
        generate(size=size, seed=seed, log=self.log)
        self.log(f"[{size}] seeded in {time.perf_counter() - started:.1f} s")

        started = time.perf_counter()
        index = build_index()
        build_s = time.perf_counter() - started
        self.log(
            f"[{size}] index: {index.n_texts} texts, {len(index.terms)} terms, "
            f"{len(index.row_person)} candidate rows"
        )

        texts = index.texts[:2000]
        started = time.perf_counter()
        for text in texts:
            embed([text])
        embed_ms = (time.perf_counter() - started) * 1000 / max(len(texts), 1)

        rng = random.Random(seed)
        define = list(
            Proposal.objects.filter(stage=Stage.DEFINE)
            .select_related("lead_institution")
            .order_by("pk")
        )
        sample = [rng.choice(define) for _ in range(repeat)]
        # Requests go through get_index() as pages do: a version check in the cache and a
        # fingerprint of the database each time, the index itself built once (warm-up).
        for proposal in sample[:5]:
            suggest_people(proposal=proposal, limit=20)
        warm = []
        for proposal in sample:
            t = time.perf_counter()
            suggest_people(proposal=proposal, limit=20)
            warm.append((time.perf_counter() - t) * 1000)

        corpus = load_corpus()
        naive = []
        for proposal in sample[:naive_repeat]:
            t = time.perf_counter()
            suggest_people(proposal=proposal, index=fit(corpus), limit=20)
            naive.append((time.perf_counter() - t) * 1000)

        solve_ms, solver_ok, baseline_ok, methods = [], [], [], defaultdict(int)
        infeasible = 0
        for k in range(solves):
            proposal = define[k % len(define)] if len(define) >= solves else rng.choice(define)
            rules = ConsortiumRules(**RULE_SETS[k % len(RULE_SETS)])
            t = time.perf_counter()
            result = build_consortia(proposal=proposal, rules=rules, alternatives=3)
            solve_ms.append((time.perf_counter() - t) * 1000)
            if not result.options:
                infeasible += 1
                continue
            best = result.options[0]
            methods[best.method] += 1
            solver_ok.append(
                best.satisfies_rules
                and rules_hold(proposal=proposal, institutions=best.proposed, rules=rules)
            )
            problem = Problem(ctx=Context(proposal=proposal, index=get_index()), rules=rules)
            top = problem.candidates[: max(len(best.proposed), 1)]
            by_score = list(
                Institution.objects.in_bulk(
                    [int(problem.index.institution_ids[i]) for i in top]
                ).values()
            )
            baseline_ok.append(rules_hold(proposal=proposal, institutions=by_score, rules=rules))
        self.log(
            f"[{size}] solves: {len(solver_ok)} feasible, {infeasible} infeasible, "
            f"methods {dict(methods)}"
        )

        p50, p95 = np.percentile(warm, [50, 95])
        naive_p95 = float(np.percentile(naive, 95)) if naive else float("nan")
        self.emit("top20_p50_ms", size, p50, "ms")
        self.emit("top20_p95_ms", size, p95, "ms")
        self.emit("naive_top20_p95_ms", size, naive_p95, "ms")
        self.emit("speedup_vs_naive", size, naive_p95 / p95, "x")
        self.emit("index_build_s", size, build_s, "s")
        self.emit("embed_ms_per_text", size, embed_ms, "ms")
        solve_p50, solve_p95 = np.percentile(solve_ms, [50, 95])
        self.emit("solve_p50_ms", size, solve_p50, "ms")
        self.emit("solve_p95_ms", size, solve_p95, "ms")
        self.emit("rules_satisfied_share", size, np.mean(solver_ok) if solver_ok else 0.0, "share")
        self.emit(
            "baseline_rules_satisfied_share",
            size,
            np.mean(baseline_ok) if baseline_ok else 0.0,
            "share",
        )
