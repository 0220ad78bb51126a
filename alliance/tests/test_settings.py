"""Settings are read from the environment once, at start-up: each case runs in a fresh process."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from alliance.settings import _mailers

REPO_ROOT = Path(__file__).resolve().parents[2]

# Everything alliance/settings.py reads, so that the caller's environment (CI sets
# DATABASE_URL and REDIS_URL) cannot leak into a case; every DJANGO_* variable goes too
# (the browser tests set DJANGO_ALLOW_ASYNC_UNSAFE, which the deploy check rejects).
SETTINGS_VARIABLES = (
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "DATABASE_URL",
    "CONN_MAX_AGE",
    "REDIS_URL",
    "CACHE_KEY_PREFIX",
    "EMAIL_URL",
    "DEFAULT_FROM_EMAIL",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "BEHIND_TLS_PROXY",
    "SILENCED_SYSTEM_CHECKS",
    "LOG_LEVEL",
    "ALLIANCE_NAME",
)
PRODUCTION_SECRET_REFUSED = (
    "django.core.exceptions.ImproperlyConfigured: DJANGO_ENV=production needs a real "
    "SECRET_KEY: at least 50 characters, at least 5 different ones, not starting with "
    "'django-insecure'. Make one with: "
    'python -c "import secrets; print(secrets.token_urlsafe(50))"'
)
NO_ISSUES = "System check identified no issues (0 silenced).\n"
CONSOLE_EMAIL_REFUSED = (
    "?: (mail.E001) Your MAILERS setting uses a development-only email backend in the "
    "'default' entry (django.core.mail.backends.console.EmailBackend)."
)


def run_python(*args: str, **variables: str) -> subprocess.CompletedProcess[str]:
    """Run ``python *args`` from the repository root with only ``variables`` configured."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in SETTINGS_VARIABLES and not name.startswith("DJANGO_")
    }
    environment["DJANGO_SETTINGS_MODULE"] = "alliance.settings"
    environment.update(variables)
    return subprocess.run(
        [sys.executable, *args],
        cwd=REPO_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def real_secret_key() -> str:
    return secrets.token_urlsafe(50)


def read_settings(**variables: str) -> dict:
    """Start Django with ``variables`` and return the broker, cache and Celery settings it chose."""
    script = """
import json, django
django.setup()
from django.conf import settings
from alliance.celery import app
cache = settings.CACHES["default"]
print(json.dumps({
    "CELERY_TASK_ALWAYS_EAGER": settings.CELERY_TASK_ALWAYS_EAGER,
    "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
    "cache_backend": cache["BACKEND"],
    "cache_location": cache.get("LOCATION"),
    "app_task_always_eager": app.conf.task_always_eager,
    "app_broker_url": app.conf.broker_url,
}))
"""
    completed = run_python("-c", script, **variables)
    assert completed.stderr == ""
    return json.loads(completed.stdout)


def test_embedded_default_passes_the_system_check():
    completed = run_python("manage.py", "check")

    assert (completed.returncode, completed.stdout) == (0, NO_ISSUES)


def test_production_without_secret_key_refuses_to_start():
    completed = run_python("manage.py", "check", DJANGO_ENV="production")

    assert completed.returncode == 1
    assert completed.stderr.splitlines()[-1] == PRODUCTION_SECRET_REFUSED


def test_production_with_a_django_insecure_key_refuses_to_start():
    completed = run_python(
        "manage.py",
        "check",
        DJANGO_ENV="production",
        SECRET_KEY=f"django-insecure-{real_secret_key()}",
    )

    assert completed.returncode == 1
    assert completed.stderr.splitlines()[-1] == PRODUCTION_SECRET_REFUSED


@pytest.mark.parametrize(
    "secret_key",
    [
        pytest.param("", id="empty"),
        pytest.param("changeme", id="changeme"),
        pytest.param("secret", id="secret"),
        pytest.param("x", id="x"),
        pytest.param("a" * 50, id="fifty-a"),
        pytest.param("abcd" * 20, id="four-distinct-characters"),
        pytest.param(secrets.token_urlsafe(50)[:49], id="49-characters"),
        pytest.param(
            "django-insecure-embedded-development-key-never-use-in-production",
            id="development-default",
        ),
    ],
)
def test_production_with_a_weak_key_refuses_to_start(secret_key):
    completed = run_python("manage.py", "check", DJANGO_ENV="production", SECRET_KEY=secret_key)

    assert completed.returncode == 1
    assert completed.stderr.splitlines()[-1] == PRODUCTION_SECRET_REFUSED


def test_development_with_an_empty_key_uses_the_development_key():
    completed = run_python(
        "-c",
        "import django; django.setup(); from django.core import signing; "
        "print(signing.loads(signing.dumps('signed')))",
        SECRET_KEY="",
    )

    assert (completed.returncode, completed.stdout, completed.stderr) == (0, "signed\n", "")


def test_the_weak_key_message_makes_a_key_production_accepts():
    command = PRODUCTION_SECRET_REFUSED.split("Make one with: ")[1]
    made = subprocess.run(
        ["sh", "-c", command.replace("python ", f"{sys.executable} ", 1)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()

    completed = run_python("manage.py", "check", DJANGO_ENV="production", SECRET_KEY=made)

    assert (completed.returncode, completed.stdout) == (0, NO_ISSUES)


def test_production_with_a_real_key_passes_the_deploy_check_without_warnings():
    completed = run_python(
        "manage.py",
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_ENV="production",
        SECRET_KEY=real_secret_key(),
        ALLOWED_HOSTS="hub.alliance.example",
        EMAIL_URL="smtp+tls://hub:secret@mail.alliance.example:587",
    )

    assert (completed.returncode, completed.stdout, completed.stderr) == (0, NO_ISSUES, "")


def test_production_deploy_check_rejects_console_email():
    # Django's deploy check refuses the console backend: production must set EMAIL_URL.
    completed = run_python(
        "manage.py",
        "check",
        "--deploy",
        DJANGO_ENV="production",
        SECRET_KEY=real_secret_key(),
        ALLOWED_HOSTS="hub.alliance.example",
    )

    assert completed.returncode == 1
    assert CONSOLE_EMAIL_REFUSED in completed.stderr.splitlines()


SMTP = "django.core.mail.backends.smtp.EmailBackend"


@pytest.mark.parametrize(
    ("url", "mailers"),
    [
        ("console:", {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}),
        ("", {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}),
        (
            "file:///tmp/x",
            {
                "default": {
                    "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
                    "OPTIONS": {"file_path": "/tmp/x"},
                }
            },
        ),
        (
            "smtp://u:p@h:2525",
            {
                "default": {
                    "BACKEND": SMTP,
                    "OPTIONS": {
                        "host": "h",
                        "port": 2525,
                        "use_tls": False,
                        "use_ssl": False,
                        "timeout": 10,
                        "username": "u",
                        "password": "p",
                    },
                }
            },
        ),
        (
            "smtp://mailpit:1025",
            {
                "default": {
                    "BACKEND": SMTP,
                    "OPTIONS": {
                        "host": "mailpit",
                        "port": 1025,
                        "use_tls": False,
                        "use_ssl": False,
                        "timeout": 10,
                    },
                }
            },
        ),
        (
            "smtp+tls://hub%40alliance.example:p%2Fw@mail.example:587",
            {
                "default": {
                    "BACKEND": SMTP,
                    "OPTIONS": {
                        "host": "mail.example",
                        "port": 587,
                        "use_tls": True,
                        "use_ssl": False,
                        "timeout": 10,
                        "username": "hub@alliance.example",
                        "password": "p/w",
                    },
                }
            },
        ),
        (
            "smtps://u:p@mail.example",
            {
                "default": {
                    "BACKEND": SMTP,
                    "OPTIONS": {
                        "host": "mail.example",
                        "port": 465,
                        "use_tls": False,
                        "use_ssl": True,
                        "timeout": 10,
                        "username": "u",
                        "password": "p",
                    },
                }
            },
        ),
    ],
)
def test_email_url_selects_the_mailer(url, mailers):
    assert _mailers(url) == mailers


def test_email_url_with_an_unknown_scheme_is_refused():
    with pytest.raises(
        ImproperlyConfigured, match=r"^EMAIL_URL has an unknown scheme: 'sendgrid'$"
    ):
        _mailers("sendgrid://key@api.sendgrid.com")


def test_without_redis_url_tasks_run_eagerly_with_a_local_memory_cache():
    assert read_settings() == {
        "CELERY_TASK_ALWAYS_EAGER": True,
        "CELERY_BROKER_URL": "memory://localhost/",
        "cache_backend": "django.core.cache.backends.locmem.LocMemCache",
        "cache_location": None,
        "app_task_always_eager": True,
        "app_broker_url": "memory://localhost/",
    }


def test_with_redis_url_redis_is_broker_and_cache():
    redis_url = "redis://redis.alliance.example:6379/3"

    assert read_settings(REDIS_URL=redis_url) == {
        "CELERY_TASK_ALWAYS_EAGER": False,
        "CELERY_BROKER_URL": redis_url,
        "cache_backend": "core.cache.ResilientRedisCache",
        "cache_location": redis_url,
        "app_task_always_eager": False,
        "app_broker_url": redis_url,
    }
