"""Benchmark the main pages at alliance scale under gunicorn; one JSON line per figure on stdout.

Seeds ``seed_scale``'s alliance (institutions, people, proposals) in the configured database,
which must be a scratch one (its name starts with ``bench``; created if missing, emptied when
its alliance has other sizes), serves it with gunicorn as the Dockerfile does (production
settings, collected static files, WEB_CONCURRENCY workers x 4 threads), signs the roles in
and loads each page with wrk at ``--clients`` concurrent clients, the session cookie set by
a Lua script. The bare view is ``/health/``: one ``SELECT 1`` through the same middleware.

Each page is loaded in ``--rounds`` wrk runs of ``--duration`` seconds, each with new
connections. Figures per page and role: requests per second, p50 and p95 latency and the
ratio of requests per second to the bare view's, each the median of the rounds; queries per
request and the time of one request alone (both from separate requests in this process
with the connection's queries captured), once as served (from the page cache) and once
rendered with the page cache off.
"""

from __future__ import annotations

import functools
import json
import os
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.db.models import Count, Q
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse

from core.bench import scratch_database_create
from members.enums import MembershipRole, MembershipStatus
from members.models import Institution, Membership, User
from members.scale import APPLICATIONS
from projects.enums import AssignmentStatus, ParticipationStatus, Stage
from projects.management.commands.seed_scale import coordinator_email
from projects.models import Proposal

SEED = 0
PORT = 8118
# Reports the run as one JSON line; wrk's latencies are in microseconds.
WRK_SCRIPT = """
wrk.headers["Cookie"] = os.getenv("BENCH_COOKIE") or ""
done = function(summary, latency, requests)
  local bad = summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "p50": %.3f, "p95": %.3f, "errors": %d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3,
    latency:percentile(95) / 1e3, bad))
end
"""


@dataclass(frozen=True)
class Page:
    name: str
    role: str
    path: str


def _seeded(*, institutions: int, people: int, proposals: int) -> bool:
    """Whether the database holds exactly this alliance (seeding takes minutes: reuse it)."""
    return (
        Institution.objects.filter(slug__startswith=f"scale-{SEED}-").count() == institutions
        and User.objects.filter(email__contains=f"@scale-{SEED}-").count() == people
        and Proposal.objects.filter(slug__startswith=f"scale-{SEED}-p").count() == proposals
        and Proposal.objects.count() == proposals
    )


def _roles() -> dict[str, User | None]:
    """A person per role, the busiest of their kind: pages are slowest for them."""
    coordinator = User.objects.get(email=coordinator_email(SEED))
    researcher = (
        User.objects.filter(email__contains=f"@scale-{SEED}-")
        .annotate(n=Count("participations"))
        .order_by("-n", "pk")
        .first()
    )
    lead = (
        User.objects.filter(led_proposals__stage=Stage.DEFINE)
        .annotate(n=Count("led_proposals"))
        .order_by("-n", "pk")
        .first()
    )
    reviewer = (
        User.objects.filter(review_assignments__status=AssignmentStatus.ASSIGNED)
        .annotate(n=Count("review_assignments"))
        .order_by("-n", "pk")
        .first()
    )
    busiest = (
        Institution.objects.annotate(
            n=Count(
                "participations",
                filter=Q(
                    participations__status__in=[
                        ParticipationStatus.REQUESTED,
                        ParticipationStatus.ACCEPTED,
                    ]
                ),
            )
        )
        .order_by("-n", "pk")
        .first()
    )
    representative = (
        Membership.objects.filter(
            institution=busiest, role=MembershipRole.REPRESENTATIVE, status=MembershipStatus.ACTIVE
        )
        .first()
        .person
    )
    return {
        "visitor": None,
        "coordinator": coordinator,
        "researcher": researcher,
        "lead": lead,
        "reviewer": reviewer,
        "representative": representative,
    }


def _pages(roles: dict[str, User | None]) -> list[Page]:
    lead = roles["lead"]
    led = Proposal.objects.filter(lead=lead, stage=Stage.DEFINE).order_by("pk").first()
    institution = Institution.objects.filter(slug__startswith=f"scale-{SEED}-").order_by("pk")[0]
    person = roles["researcher"]
    represented = (
        Membership.objects.select_related("institution")
        .filter(
            person=roles["representative"],
            role=MembershipRole.REPRESENTATIVE,
            status=MembershipStatus.ACTIVE,
        )
        .first()
    )
    # A word of many titles: the search's ranking and highlights work on every hit.
    search = reverse("search") + f"?q={APPLICATIONS[0].split()[0]}"
    pages = [
        Page("bare view", "visitor", reverse("health")),
        Page("home", "visitor", reverse("home")),
        Page("home", "researcher", reverse("home")),
        Page("institution directory", "visitor", reverse("members:institution_list")),
        Page(
            "institution",
            "visitor",
            reverse("members:institution_detail", kwargs={"slug": institution.slug}),
        ),
        Page("person", "visitor", reverse("members:person_detail", kwargs={"pk": person.pk})),
        Page("proposal list", "visitor", reverse("projects:proposal_list")),
        Page("proposal list", "researcher", reverse("projects:proposal_list")),
        Page("proposal list", "coordinator", reverse("projects:proposal_list")),
        Page("my proposals", "researcher", reverse("projects:my_proposals")),
        Page("dashboard", "researcher", reverse("dashboard")),
        Page("search", "visitor", search),
        Page("search", "researcher", search),
        Page("overview", "visitor", reverse("overview")),
        Page("feed", "visitor", reverse("projects:feed_projects")),
        # One stage's rows (a few hundred): the whole alliance's is a download of minutes
        # at 50 clients, which would hold the server long after its turn.
        Page(
            "proposal export",
            "coordinator",
            reverse("projects:proposal_list_export") + f"?stage={Stage.PAUSED.value}",
        ),
    ]
    for stage in Stage:
        # A draft only its lead sees: the coordinator's are the other stages.
        proposal = (
            Proposal.objects.visible_to(roles["coordinator"])
            .filter(stage=stage)
            .order_by("pk")
            .first()
        )
        if proposal is not None:
            pages.append(
                Page(f"proposal page ({stage.value})", "coordinator", proposal.get_absolute_url())
            )
    public = Proposal.objects.filter(stage=Stage.DRIVE).order_by("pk").first()
    if public is not None:
        pages.append(Page("proposal page (drive)", "visitor", public.get_absolute_url()))
        pages += [
            Page("api projects", "visitor", reverse("api:project_list")),
            Page("api project", "visitor", reverse("api:project_detail", args=[public.slug])),
            Page("api institutions", "visitor", reverse("api:institution_list")),
            Page(
                "api institution",
                "visitor",
                reverse("api:institution_detail", args=[institution.slug]),
            ),
        ]
    pages += [
        Page("revisions", "lead", reverse("projects:revision_list", kwargs={"slug": led.slug})),
        Page("find partners", "lead", reverse("projects:find_partners", kwargs={"slug": led.slug})),
        Page(
            "whole consortia",
            "lead",
            reverse("projects:consortium_builder", kwargs={"slug": led.slug}),
        ),
        Page("review queue", "coordinator", reverse("projects:review_queue")),
        Page("reviewer inbox", "reviewer", reverse("projects:reviewer_inbox")),
        Page("pipeline", "coordinator", reverse("projects:pipeline")),
        Page("partnering inbox", "representative", reverse("projects:partnering_inbox")),
        Page("sign-offs", "representative", reverse("projects:signoffs")),
        Page(
            "institution dashboard",
            "representative",
            reverse(
                "projects:institution_dashboard", kwargs={"slug": represented.institution.slug}
            ),
        ),
    ]
    return pages


def _line(figure: str, page: Page, value: float, unit: str) -> None:
    line = {"figure": figure, "page": page.name, "role": page.role, "value": value, "unit": unit}
    sys.stdout.write(json.dumps(line) + "\n")
    sys.stdout.flush()


def _read(response) -> bytes:
    """The whole body: a streamed one costs its time and queries while it is read."""
    return b"".join(response.streaming_content) if response.streaming else response.content


def _count(queries: list[str], execute, sql, params, many, context):
    queries.append(sql)
    return execute(sql, params, many, context)


@dataclass(frozen=True)
class Alone:
    queries: int
    ms: float
    rendered_queries: int
    rendered_ms: float


def _measure(client: Client, page: Page) -> tuple[int, float]:
    """Queries of one request of the page, and the median time of five more (ms)."""
    queries: list[str] = []
    with connection.execute_wrapper(functools.partial(_count, queries)):
        response = client.get(page.path)
        _read(response)
    if response.status_code != 200:
        raise CommandError(f"{page} answered {response.status_code}")
    times = []
    for _ in range(5):
        started = time.perf_counter()
        _read(client.get(page.path))
        times.append((time.perf_counter() - started) * 1000)
    return len(queries), round(statistics.median(times), 1)


def _wait_until_idle(url: str, seconds: float = 60, cookie: str = "", quick: float = 0.05) -> None:
    """Wait until the url answers quickly three times in a row (or ``seconds`` pass).

    On the bare view: the requests a slow page left queued are served, each page starts
    afresh. On a page: every worker has what it loads once (the matching index).
    """
    deadline, fast = time.monotonic() + seconds, 0
    while fast < 3 and time.monotonic() < deadline:
        started = time.perf_counter()
        request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
        with urllib.request.urlopen(request, timeout=seconds) as response:
            response.read()
        fast = fast + 1 if time.perf_counter() - started < quick else 0
        time.sleep(0.2)


def _wait_for(url: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise CommandError(f"gunicorn did not answer on {url}")


class Command(BaseCommand):
    help = "Benchmark the main pages at alliance scale under gunicorn with wrk (JSON lines)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--institutions", type=int, default=500)
        parser.add_argument("--people", type=int, default=20_000)
        parser.add_argument("--proposals", type=int, default=10_000)
        parser.add_argument("--clients", type=int, default=50)
        parser.add_argument("--duration", type=int, default=4, help="seconds per round")
        parser.add_argument(
            "--rounds",
            type=int,
            default=3,
            help="wrk runs per page, each with new connections; the figures are their medians",
        )
        parser.add_argument("--workers", type=int, default=3)
        parser.add_argument("--port", type=int, default=PORT)
        parser.add_argument(
            "--quick",
            action="store_true",
            help="a small alliance (50 institutions, 2,000 people, 1,000 proposals), 3 s a page",
        )
        parser.add_argument(
            "--only",
            default="",
            help="only pages whose name contains this (several: separated by commas)",
        )
        parser.add_argument("--role", default="", help="only the pages loaded in this role")

    def handle(self, *args, quick: bool, **options) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("The benchmark needs PostgreSQL (DATABASE_URL).")
        if not shutil.which("wrk"):
            raise CommandError("The benchmark needs wrk (apt-get install wrk).")
        if quick:
            options.update(institutions=50, people=2_000, proposals=1_000, duration=3, rounds=1)
        sizes = {k: options[k] for k in ("institutions", "people", "proposals")}
        scratch_database_create()
        call_command("migrate", verbosity=0)
        if not _seeded(**sizes):
            self.stderr.write(f"seeding {sizes} …")
            call_command("flush", interactive=False, verbosity=0)
            call_command("seed_scale", seed=SEED, stdout=self.stderr, **sizes)
        # Fresh planner statistics, as autovacuum would have them in a running alliance.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        roles = _roles()
        names = options["only"].split(",")
        pages = [
            p
            for p in _pages(roles)
            if p.name == "bare view"
            or (any(n in p.name for n in names) and options["role"] in ("", p.role))
        ]
        secret = secrets.token_urlsafe(50)
        cookies = self._sessions(roles, secret)
        measured = self._alone(pages, roles, secret)
        with self._gunicorn(secret, options["workers"], options["port"]):
            base = f"http://127.0.0.1:{options['port']}"
            bare = None
            for page in pages:
                url = f"{base}{page.path}"
                # Unmeasured: every worker's caches (templates, the matching index) warm up.
                self._wrk(url, cookies[page.role], options["clients"], 2)
                _wait_until_idle(f"{base}/health/")
                _wait_until_idle(url, 30, cookies[page.role], quick=0.5)
                # Each round opens its connections anew: which worker holds how many of
                # them is chance, and on a shared machine so is a neighbour's load.
                results = [
                    self._wrk(url, cookies[page.role], options["clients"], options["duration"])
                    for _ in range(options["rounds"])
                ]
                rate = statistics.median(r["requests"] / r["seconds"] for r in results)
                if page.name == "bare view":
                    bare = rate
                _line("requests", page, round(rate, 1), "requests/s")
                _line("p50", page, statistics.median(r["p50"] for r in results), "ms")
                _line("p95", page, statistics.median(r["p95"] for r in results), "ms")
                _line("ratio to bare view", page, round(rate / bare, 3), "ratio")
                _line("errors", page, sum(r["errors"] for r in results), "responses")
                alone = measured[page]
                _line("queries", page, alone.queries, "queries/request")
                _line("alone", page, alone.ms, "ms")
                _line("queries rendered", page, alone.rendered_queries, "queries/request")
                _line("alone rendered", page, alone.rendered_ms, "ms")

    def _sessions(self, roles: dict[str, User | None], secret: str) -> dict[str, str]:
        """A session cookie per role, signed with the key gunicorn runs with."""
        cookies = {"visitor": ""}
        with override_settings(SECRET_KEY=secret):
            for role, user in roles.items():
                if user is not None:
                    client = Client()
                    client.force_login(user)
                    name = settings.SESSION_COOKIE_NAME
                    cookies[role] = f"{name}={client.cookies[name].value}"
        return cookies

    def _alone(
        self, pages: list[Page], roles: dict[str, User | None], secret: str
    ) -> dict[Page, Alone]:
        """Each page in this process: queries of one request and the median time of five,
        as served (from the page cache once warm) and rendered (the page cache off)."""
        measured = {}
        with override_settings(SECRET_KEY=secret, ALLOWED_HOSTS=["*"], DEBUG=False):
            for page in pages:
                client = Client()
                if roles[page.role] is not None:
                    client.force_login(roles[page.role])
                # Warm: caches, templates, and what a first view starts (the matching
                # index's first build writes, which makes that view's own copy stale).
                client.get(page.path)
                client.get(page.path)
                served = _measure(client, page)
                with override_settings(PAGE_CACHE=False):
                    rendered = _measure(client, page)
                measured[page] = Alone(*served, *rendered)
        return measured

    def _wrk(self, url: str, cookie: str, clients: int, duration: int) -> dict:
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(WRK_SCRIPT)
        try:
            result = subprocess.run(
                [
                    "wrk",
                    f"-t{min(clients, 2)}",
                    f"-c{clients}",
                    f"-d{duration}s",
                    "--timeout",
                    "10s",
                    "-s",
                    script.name,
                    url,
                ],
                env={**os.environ, "BENCH_COOKIE": cookie},
                capture_output=True,
                text=True,
                check=True,
            )
        finally:
            Path(script.name).unlink()
        return json.loads(result.stdout.strip().splitlines()[-1])

    def _gunicorn(self, secret: str, workers: int, port: int):
        command = self

        class Server:
            def __enter__(self):
                env = {
                    **os.environ,
                    "DJANGO_ENV": "production",
                    "SECRET_KEY": secret,
                    "SECURE_SSL_REDIRECT": "false",
                    "ALLOWED_HOSTS": "127.0.0.1",
                    "WEB_CONCURRENCY": str(workers),
                    "LOG_LEVEL": "WARNING",
                    # wrk's clients share one address: the API's limit would refuse them.
                    "API_RATE_LIMIT": "0",
                }
                subprocess.run(
                    [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
                    env=env,
                    check=True,
                )
                gunicorn = Path(sys.executable).with_name("gunicorn")
                self.process = subprocess.Popen(
                    [
                        str(gunicorn),
                        "alliance.wsgi:application",
                        "--bind",
                        f"127.0.0.1:{port}",
                        "--threads",
                        "4",
                        "--worker-tmp-dir",
                        "/dev/shm",
                        "--log-level",
                        "warning",
                    ],
                    env=env,
                    stdout=subprocess.DEVNULL,
                )
                _wait_for(f"http://127.0.0.1:{port}/health/", 60)
                command.stderr.write(f"gunicorn {workers} workers x 4 threads on :{port}")
                return self

            def __exit__(self, *exc):
                self.process.send_signal(signal.SIGTERM)
                self.process.wait(timeout=30)

        return Server()
