"""Load the demo alliance; safe to run again (``make run`` does so on every start)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings

from members.demo import DEMO_PASSWORD, SeedReport, demo_logins, load_demo, sso_person_email
from members.models import Institution, User
from projects.demo import load_demo_proposals
from projects.models import Proposal


class Command(BaseCommand):
    help = (
        "Load the demo alliance: focus areas and competences, about fifty institutions, their "
        "people and a coordinator. Idempotent: rows are matched by slug or email address, "
        "brought back to their demo values if someone changed them, and never deleted; a "
        "second run changes nothing. Passwords are set on new accounts only, except that the "
        "printed demo logins are reset to the demo password. Then adds demo proposals in "
        "every stage, walked through the real lifecycle; existing ones are left as they are. "
        "Prints the demo logins on every run."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--force-in-production",
            action="store_true",
            help="Load the demo even under DJANGO_ENV=production (a staff account with the "
            "published demo password, and people who can sign in with it).",
        )

    def handle(self, *args, **options) -> None:
        if settings.PRODUCTION and not options["force_in_production"]:
            # The demo's password is printed here and in the README: in production it would
            # open a coordinator (staff) account to anyone who has read them.
            raise CommandError(
                "seed_demo refuses to run under DJANGO_ENV=production: it creates a staff "
                "account and people whose password is published. Pass --force-in-production "
                "if this really is a demonstration site."
            )
        report = load_demo()
        self.stdout.write(self._summary(report))
        if settings.CELERY_TASK_ALWAYS_EAGER:
            # Without a worker, the emails about the demo's history would be sent during the
            # seed and flood the console: they are kept in memory instead (their deliveries
            # show as sent in each proposal's mail log). With a worker they go to the SMTP
            # server like any other email.
            with override_settings(
                MAILERS={"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
            ):
                created, _unchanged = load_demo_proposals()
        else:
            created, _unchanged = load_demo_proposals()
        if created:
            self.stdout.write(self.style.SUCCESS(f"Demo proposals: {created} created."))
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo proposals are up to date, nothing changed "
                    f"({Proposal.objects.count()} proposals)."
                )
            )
        self.stdout.write("")
        self.stdout.write(self._sso())
        self.stdout.write("")
        self.stdout.write(self._logins())

    def _summary(self, report: SeedReport) -> str:
        if not report.changed:
            return self.style.SUCCESS(
                f"Demo alliance is up to date, nothing changed "
                f"({Institution.objects.count()} institutions, {User.objects.count()} people)."
            )
        lines = [self.style.SUCCESS("Demo alliance loaded:")]
        labels = list(dict.fromkeys([*report.created, *report.updated]))
        width = max(len(label) for label in labels)
        for label in labels:
            counts = [
                f"{report.created[label]} created" if report.created[label] else "",
                f"{report.updated[label]} updated" if report.updated[label] else "",
            ]
            lines.append(f"  {label:<{width}}  " + ", ".join(c for c in counts if c))
        return "\n".join(lines)

    def _logins(self) -> str:
        logins = demo_logins()
        width = max(len(who) for who, _ in logins)
        lines = [self.style.MIGRATE_HEADING("Demo logins")]
        lines += [f"  {who:<{width}}  {email}" for who, email in logins]
        lines.append(f"  {'Password':<{width}}  {DEMO_PASSWORD}")
        return "\n".join(lines)

    def _sso(self) -> str:
        return "\n".join(
            [
                self.style.MIGRATE_HEADING("Sign in with your institution (ETH Zürich)"),
                f"  Open {settings.SITE_URL}/accounts/institution/ and enter {sso_person_email()};",
                f"  the demo provider at {settings.DEMO_SSO_ISSUER} asks for the demo password.",
            ]
        )
