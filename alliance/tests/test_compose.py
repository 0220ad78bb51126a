"""The full stack's wiring: docker-compose.yml and the Dockerfile, read as data."""

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from alliance.tests.test_settings import NO_ISSUES, real_secret_key, run_python

REPO_ROOT = Path(__file__).resolve().parents[2]
APP_SERVICES = ("migrate", "web", "worker", "beat")
ANSWERING_STORES = {
    "postgres": {"condition": "service_healthy"},
    "redis": {"condition": "service_healthy"},
    "migrate": {"condition": "service_completed_successfully"},
}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


@pytest.fixture(scope="module")
def app_env(compose) -> dict:
    return compose["x-app-env"]


def dockerfile_instructions() -> list[tuple[str, str]]:
    """Return the Dockerfile's (INSTRUCTION, arguments) pairs, continuation lines joined."""
    text = (REPO_ROOT / "Dockerfile").read_text()
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\s*\\\n\s*", " ", "\n".join(lines))
    return [
        (instruction.upper(), arguments.strip())
        for instruction, _, arguments in (
            line.strip().partition(" ") for line in joined.splitlines() if line.strip()
        )
    ]


def interpolate(value: str, variables: dict[str, str]) -> str:
    """Resolve ${NAME:?message} and ${NAME:-default} the way docker compose does."""

    def resolve(match: re.Match) -> str:
        name, operator, argument = match.group("name", "operator", "argument")
        if variables.get(name):
            return variables[name]
        if operator == ":?":
            raise ValueError(f"compose refuses to start: {argument}")
        return argument

    return re.sub(r"\$\{(?P<name>\w+)(?P<operator>:[?-])(?P<argument>[^}]*)\}", resolve, value)


def test_compose_defines_the_full_stack(services):
    assert set(services) == {"postgres", "redis", "mailpit", "migrate", "web", "worker", "beat"}


def test_app_services_share_one_environment(services, app_env):
    assert {name: services[name]["environment"] for name in APP_SERVICES} == dict.fromkeys(
        APP_SERVICES, app_env
    )


def test_app_services_run_the_image_built_from_the_repository(services):
    assert {name: (services[name]["build"], services[name]["image"]) for name in APP_SERVICES} == (
        dict.fromkeys(APP_SERVICES, (".", "alliance-hub:local"))
    )


def test_app_environment_runs_production_over_plain_http(app_env):
    assert app_env["DJANGO_ENV"] == "production"
    assert app_env["SECURE_SSL_REDIRECT"] == "false"
    assert app_env["ALLOWED_HOSTS"] == "${ALLOWED_HOSTS:-localhost,127.0.0.1}"


def test_app_environment_links_emails_to_the_published_web_port(app_env):
    assert app_env["SITE_URL"] == "${SITE_URL:-http://localhost:8000}"


def test_secret_key_is_required(app_env):
    assert re.fullmatch(r"\$\{SECRET_KEY:\?[^}]+\}", app_env["SECRET_KEY"])
    with pytest.raises(ValueError, match=r"^compose refuses to start: SECRET_KEY must be set"):
        interpolate(app_env["SECRET_KEY"], {})


def test_database_url_points_at_the_postgres_service(services, app_env):
    url = urlsplit(app_env["DATABASE_URL"])
    postgres = services["postgres"]["environment"]

    assert (url.scheme, url.hostname, url.port) == ("postgres", "postgres", 5432)
    assert (url.username, url.password, url.path) == (
        postgres["POSTGRES_USER"],
        postgres["POSTGRES_PASSWORD"],
        f"/{postgres['POSTGRES_DB']}",
    )
    assert services["postgres"]["image"] == "postgres:17"


def test_redis_url_points_at_the_redis_service(services, app_env):
    url = urlsplit(app_env["REDIS_URL"])

    assert (url.scheme, url.hostname, url.port, url.path) == ("redis", "redis", 6379, "/0")
    assert services["redis"]["image"] == "redis:7"


def test_email_url_points_at_the_smtp_port_of_the_mail_catcher(services, app_env):
    url = urlsplit(app_env["EMAIL_URL"])

    assert (url.scheme, url.hostname, url.port) == ("smtp", "mailpit", 1025)
    assert services["mailpit"]["image"].partition(":")[0] == "axllent/mailpit"
    assert services["mailpit"]["ports"] == ["1025:1025", "8025:8025"]


def test_redis_runs_append_only_on_a_volume(services):
    assert services["redis"]["command"] == ["redis-server", "--appendonly", "yes"]
    assert services["redis"]["volumes"] == ["redis-data:/data"]


def test_postgres_keeps_its_data_in_a_named_volume(compose, services):
    assert services["postgres"]["volumes"] == ["postgres-data:/var/lib/postgresql/data"]
    assert set(compose["volumes"]) == {"postgres-data", "redis-data"}


def test_data_stores_report_their_health(services):
    assert services["postgres"]["healthcheck"]["test"] == [
        "CMD",
        "pg_isready",
        "--username",
        "alliance",
        "--dbname",
        "alliance",
    ]
    assert services["redis"]["healthcheck"]["test"] == [
        "CMD-SHELL",
        "redis-cli ping | grep -q PONG",
    ]


def test_web_worker_and_beat_wait_for_healthy_stores_and_migrations(services):
    assert {name: services[name]["depends_on"] for name in ("web", "worker", "beat")} == (
        dict.fromkeys(("web", "worker", "beat"), ANSWERING_STORES)
    )


def test_migrate_runs_once_after_postgres_answers(services):
    assert services["migrate"]["command"] == ["python", "manage.py", "migrate", "--no-input"]
    assert services["migrate"]["restart"] == "no"
    assert services["migrate"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}


def test_web_serves_the_image_command_on_port_8000(services):
    assert "command" not in services["web"]
    assert services["web"]["ports"] == ["8000:8000"]


def test_worker_and_beat_run_the_alliance_celery_app(services):
    assert services["worker"]["command"] == [
        "celery",
        "-A",
        "alliance",
        "worker",
        "--loglevel",
        "INFO",
    ]
    assert services["beat"]["command"] == [
        "celery",
        "-A",
        "alliance",
        "beat",
        "--loglevel",
        "INFO",
        "--schedule",
        "/tmp/celerybeat-schedule",
    ]


def test_dockerfile_serves_alliance_wsgi_with_gunicorn():
    commands = [
        arguments for instruction, arguments in dockerfile_instructions() if instruction == "CMD"
    ]

    assert [json.loads(command) for command in commands] == [
        [
            "gunicorn",
            "alliance.wsgi:application",
            "--bind",
            "0.0.0.0:8000",
            "--threads",
            "4",
            "--worker-tmp-dir",
            "/dev/shm",
            "--access-logfile",
            "-",
        ]
    ]


def test_dockerfile_builds_from_the_runtime_lock_and_runs_unprivileged():
    instructions = dockerfile_instructions()
    runs = [arguments for instruction, arguments in instructions if instruction == "RUN"]

    assert instructions[0] == ("FROM", "python:3.13-slim")
    assert "pip install --no-cache-dir -r requirements.txt" in runs
    assert [run for run in runs if "collectstatic" in run] == [
        "DJANGO_ENV=production SECRET_KEY=collectstatic-build-step-only-not-a-runtime-secret "
        "python manage.py collectstatic --no-input --verbosity 0"
    ]
    assert [arguments for instruction, arguments in instructions if instruction == "USER"] == [
        "alliance"
    ]


def test_dockerfile_build_step_key_passes_the_production_key_rule():
    (collect,) = [
        arguments
        for instruction, arguments in dockerfile_instructions()
        if instruction == "RUN" and "collectstatic" in arguments
    ]
    build_key = re.search(r"SECRET_KEY=(\S+)", collect).group(1)

    completed = run_python("manage.py", "check", DJANGO_ENV="production", SECRET_KEY=build_key)

    assert (completed.returncode, completed.stdout) == (0, NO_ISSUES)


def test_app_environment_configures_django(app_env):
    # What the containers get once compose has interpolated the file. Starting the settings
    # proves the URLs parse; `check --deploy` proves plain HTTP is the only deviation.
    environment = {
        name: interpolate(value, {"SECRET_KEY": real_secret_key()})
        for name, value in app_env.items()
    }

    completed = run_python("manage.py", "check", "--deploy", **environment)

    reported = re.findall(r"^\?: \((\S+)\)", completed.stderr, flags=re.MULTILINE)
    assert (completed.returncode, reported) == (0, ["security.W008"])


def test_app_environment_passes_the_plain_system_check(app_env):
    environment = {
        name: interpolate(value, {"SECRET_KEY": real_secret_key()})
        for name, value in app_env.items()
    }

    completed = run_python("manage.py", "check", **environment)

    assert (completed.returncode, completed.stdout) == (0, NO_ISSUES)
