"""Real parts for measuring and fault-testing delivery: Redis, an SMTP sink, a worker process.

A Redis server on a free port of its own that may be stopped, frozen, thawed or restarted
empty without disturbing anyone else's; a Celery worker *process* (so that it can be
killed) connected to that Redis and to this process's database; and an SMTP server on
loopback that records what it accepts (and when) and can be told to refuse or to be slow.
Used by ``notifications/tests/harness.py`` and the ``bench_notifications`` command.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import kombu.pools
from aiosmtpd.controller import Controller
from celery import current_app as app
from django.conf import settings
from django.db import connection

REPO_ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(read: Callable[[], Any], *, timeout: float = 20.0, every: float = 0.05) -> Any:
    """Poll until ``read`` returns something truthy or the timeout passes; return the last read."""
    deadline = time.monotonic() + timeout
    while not (value := read()) and time.monotonic() < deadline:
        time.sleep(every)
    return value


# Redis ----------------------------------------------------------------------------------


@dataclass
class RedisServer:
    """A redis-server process of the test's own, on a fixed port across restarts."""

    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [shutil.which("redis-server") or "redis-server", *self.arguments()],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if not wait_for(self.answers, timeout=10):
            raise RuntimeError(f"redis-server did not answer on port {self.port}")

    def arguments(self) -> list[str]:
        # Nothing on disk: a restart is a Redis that lost everything, queue included.
        return ["--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        """Stop it; it keeps nothing, so a later start() is a Redis restarted empty."""
        if self.process is not None:
            self.thaw()
            self.process.terminate()
            self.process.wait(10)
            self.process = None

    def freeze(self) -> None:
        """SIGSTOP: the port accepts connections, nothing answers."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGCONT)


# SMTP -----------------------------------------------------------------------------------


class _Handler:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        # A slow server: the sender waits here, before the message is handed over, so a
        # worker killed now dies before SMTP accepted anything.
        await asyncio.sleep(self.sink.delay)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.sink.refusing:
            self.sink.refused += 1
            return "451 4.3.0 Try again later"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.sink.lock:
            self.sink.messages.append((list(envelope.rcpt_tos), message))
            self.sink.accepted_at.append(time.monotonic())
        return "250 OK"


@dataclass
class SmtpSink:
    """An SMTP server on loopback that keeps what it accepts; ``refusing`` makes it answer 451.

    ``delay`` (seconds) holds each recipient before it is accepted: a slow server.
    """

    port: int = field(default_factory=free_port)
    messages: list[tuple[list[str], EmailMessage]] = field(default_factory=list)
    refusing: bool = False
    delay: float = 0.0
    # time.monotonic() of each acceptance, in the order of ``messages``
    accepted_at: list[float] = field(default_factory=list)
    refused: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()

    def received(self) -> list[tuple[list[str], EmailMessage]]:
        with self.lock:
            return list(self.messages)

    def to(self, address: str) -> list[EmailMessage]:
        return [m for rcpt, m in self.received() if address in rcpt]


# The worker process -------------------------------------------------------------------


@dataclass
class WorkerProcess:
    """``celery worker`` in a process of its own, on the test's Redis, queue and database."""

    redis: RedisServer
    smtp: SmtpSink
    queue: str
    extra_env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen | None = None
    log: Path | None = None

    def environment(self) -> dict[str, str]:
        database = connection.settings_dict
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "alliance.settings",
            "DATABASE_URL": (
                f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:"
                f"{database['PORT'] or 5432}/{database['NAME']}"
            ),
            "REDIS_URL": self.redis.url,
            "EMAIL_URL": self.smtp.url,
            "CELERY_QUEUE": self.queue,
            "CACHE_KEY_PREFIX": f"fault-{self.queue}",
            "NOTIFICATIONS_MERGE_DELAY": "0",
            "PYTHONUNBUFFERED": "1",
        }
        env.update(self.extra_env)
        return env

    def arguments(self) -> list[str]:
        return [
            *("--pool", "solo", "--concurrency", "1", "--queues", self.queue),
            *("--without-heartbeat", "--without-mingle", "--without-gossip", "--loglevel", "INFO"),
        ]

    def start(self) -> None:
        self.log = Path(settings.BASE_DIR) / "var" / f"worker-{self.queue}.log"
        self.log.parent.mkdir(exist_ok=True)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "alliance", "worker", *self.arguments()],
            cwd=REPO_ROOT,
            env=self.environment(),
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
        )

    def kill(self) -> None:
        """SIGKILL: no shutdown, unacknowledged messages stay with the broker."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(10)
            self.process = None

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
            self.process = None

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log and self.log.exists() else ""


def point_this_process_at(redis_url: str, queue: str) -> dict[str, Any]:
    """Make this (the web) process publish to ``redis_url`` on ``queue``; returns what to restore."""
    previous = {
        "broker_url": app.conf.broker_url,
        "task_always_eager": app.conf.task_always_eager,
        "task_default_queue": app.conf.task_default_queue,
    }
    app.conf.update(broker_url=redis_url, task_always_eager=False, task_default_queue=queue)
    reset_broker_connections()
    return previous


def reset_broker_connections() -> None:
    """Drop pooled broker connections, so the next publish connects to the current broker."""
    kombu.pools.reset()
    app._pool = None
    app.amqp._producer_pool = None
