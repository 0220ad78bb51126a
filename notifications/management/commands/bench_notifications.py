"""Benchmark notification delivery with the real parts; one JSON line per figure on stdout.

A redis-server of its own, an SMTP sink on loopback and a ``celery worker`` process (solo
pool, one at a time, as the fault tests run it), on the configured database, which must be
a scratch one: it is migrated and emptied first. Figures:

- stage change → email accepted by SMTP, one change at a time (merge delay 0): p50, p95;
- an announcement to ``--people`` people (one reminder event naming them all): notification
  and delivery rows created per second (event recorded, committed, sends enqueued), then
  emails accepted per second until the last is in;
- a no-op task's throughput on the same worker, and the ratios of notifications created
  per second (the fan-out; goal ≥ 0.5) and of emails accepted per second to it.
"""

from __future__ import annotations

import json
import statistics
import sys
import time

import redis
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.test.utils import override_settings

from core.bench import scratch_database_create
from core.outbox import event_record
from members.models import User
from members.tests.factories import CoordinatorFactory
from notifications.bench import (
    RedisServer,
    SmtpSink,
    WorkerProcess,
    point_this_process_at,
    wait_for,
)
from notifications.enums import REMINDER_EVENT, NotificationKind
from notifications.models import EmailDelivery, Notification
from notifications.tasks import task_noop
from projects.enums import Stage
from projects.services import proposal_transition
from projects.tests.factories import ProposalFactory


def _percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


class Command(BaseCommand):
    help = "Benchmark notification delivery with a real worker, Redis and SMTP (JSON lines)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--changes", type=int, default=200)
        parser.add_argument("--people", type=int, default=10_000)
        parser.add_argument("--noops", type=int, default=2_000)

    def handle(self, *args, changes: int, people: int, noops: int, **options) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("The benchmark needs PostgreSQL (DATABASE_URL).")
        scratch_database_create()
        call_command("migrate", verbosity=0)
        call_command("flush", interactive=False, verbosity=0)
        redis_server, smtp = RedisServer(), SmtpSink()
        redis_server.start()
        smtp.start()
        queue = f"alliance-bench-{redis_server.port}"
        point_this_process_at(redis_server.url, queue)
        worker = WorkerProcess(redis=redis_server, smtp=smtp, queue=queue)
        worker.start()
        try:
            with override_settings(NOTIFICATIONS_MERGE_DELAY=0):
                self.measure(redis_server, smtp, queue, changes=changes, people=people, noops=noops)
        finally:
            worker.stop()
            redis_server.stop()
            smtp.stop()

    def emit(self, figure: str, value: float, unit: str, **extra) -> None:
        line = {"figure": figure, "value": round(value, 4), "unit": unit, **extra}
        sys.stdout.write(json.dumps(line) + "\n")
        sys.stdout.flush()

    def measure(
        self, redis_server, smtp, queue: str, *, changes: int, people: int, noops: int
    ) -> None:
        client = redis.Redis.from_url(redis_server.url)

        def drained() -> bool:
            # Nothing queued and nothing handed out unacknowledged (tasks ack late).
            return client.llen(queue) == 0 and client.hlen("unacked") == 0

        # The worker is up when it has run a task.
        task_noop.delay()
        if not wait_for(drained, timeout=120):
            raise CommandError("The worker did not start.")

        # Stage change → email accepted, one at a time.
        CoordinatorFactory(email="coordinator@bench.example")
        first = ProposalFactory(stage=Stage.DRAFT)
        proposals = [first] + [
            ProposalFactory(
                stage=Stage.DRAFT, lead=first.lead, lead_institution=first.lead_institution
            )
            for _ in range(changes - 1)
        ]
        latencies = []
        for n, proposal in enumerate(proposals, start=1):
            started = time.monotonic()
            proposal_transition(proposal=proposal, to=Stage.DEFINE, actor=first.lead)
            if not wait_for(lambda n=n: len(smtp.accepted_at) >= n, timeout=60, every=0.005):
                raise CommandError(f"No email for stage change {n}.")
            latencies.append(smtp.accepted_at[n - 1] - started)
        for name, q in (("p50", 50), ("p95", 95)):
            self.emit(
                f"stage_change_to_email_{name}",
                _percentile(latencies, q),
                "s",
                changes=changes,
                budget_p95_s=2.0,
            )

        # An announcement to ``people`` people.
        announced = ProposalFactory(stage=Stage.DRIVE)
        password = make_password(None)
        User.objects.bulk_create(
            User(email=f"reader{n}@bench.example", display_name=f"Reader {n}", password=password)
            for n in range(people)
        )
        readers = list(
            User.objects.filter(email__endswith="@bench.example")
            .exclude(email="coordinator@bench.example")
            .values_list("pk", flat=True)
        )
        before_emails = len(smtp.accepted_at)
        started = time.monotonic()
        with transaction.atomic():
            event = event_record(
                kind=REMINDER_EVENT,
                subject=announced,
                actor=None,
                payload={
                    "notification_kind": str(NotificationKind.REMINDER_IDLE_DEFINE),
                    "recipient_ids": readers,
                    "threshold": "bench",
                },
            )
        recorded = time.monotonic()
        created = Notification.objects.filter(event=event).count()
        deliveries = EmailDelivery.objects.filter(notification__event=event).count()
        notifications_per_s = created / (recorded - started)
        self.emit(
            "announcement_notifications_created_per_s",
            notifications_per_s,
            "1/s",
            people=people,
            notifications=created,
            email_deliveries=deliveries,
            seconds=round(recorded - started, 3),
        )
        if not wait_for(
            lambda: len(smtp.accepted_at) - before_emails >= deliveries, timeout=3600, every=0.2
        ):
            raise CommandError("Not every announcement email arrived within an hour.")
        done = smtp.accepted_at[before_emails + deliveries - 1]
        emails_per_s = deliveries / (done - started)
        self.emit(
            "announcement_emails_accepted_per_s",
            emails_per_s,
            "1/s",
            emails=deliveries,
            seconds=round(done - started, 3),
        )

        # A no-op task on the same worker, sent as fast as this process can.
        started = time.monotonic()
        for _ in range(noops):
            task_noop.delay()
        if not wait_for(drained, timeout=600, every=0.01):
            raise CommandError("The no-op tasks did not finish.")
        noops_per_s = noops / (time.monotonic() - started)
        self.emit("noop_task_per_s", noops_per_s, "1/s", tasks=noops)
        # The fan-out (the design's budget: notifications created per second, at least half
        # of a no-op task's throughput) and, apart from it, how fast the emails follow.
        self.emit(
            "announcement_notifications_per_noop_task_ratio",
            notifications_per_s / noops_per_s,
            "ratio",
            goal=0.5,
        )
        self.emit(
            "announcement_emails_per_noop_task_ratio",
            emails_per_s / noops_per_s,
            "ratio",
        )
