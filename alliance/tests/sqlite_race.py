"""Submit one proposal from several threads at once, against the database the settings name.

Run as ``python -m alliance.tests.sqlite_race`` with DATABASE_URL pointing at a scratch
database: it migrates it, makes a draft proposal, lets every thread post the same "Submit"
form at the same moment through the whole request stack (each thread with its own database
connection, as a threaded server has) and prints, as JSON, what each post answered and how
many stage changes were written.
"""

from __future__ import annotations

import json
import threading

import django

THREADS = 5


def main() -> None:
    django.setup()
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the test client's context, a local outbox for the emails

    from django.contrib.messages import get_messages
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from members.tests.factories import CoordinatorFactory
    from projects.enums import Stage
    from projects.models import StageTransition
    from projects.tests.factories import ProposalFactory

    call_command("migrate", verbosity=0)
    proposal = ProposalFactory(stage=Stage.DRAFT)
    CoordinatorFactory()
    url = reverse("projects:proposal_transition", args=[proposal.slug, "submit"])
    connection.close()

    barrier = threading.Barrier(THREADS)
    answers: list[dict] = [{} for _ in range(THREADS)]

    def submit(index: int) -> None:
        client = Client(raise_request_exception=False)
        client.force_login(proposal.lead)
        barrier.wait()
        try:
            response = client.post(url, {"comment": ""})
            form = response.context["form"] if response.status_code == 200 else None
            errors = list(form.non_field_errors()) if form is not None else []
            said = [str(message) for message in get_messages(response.wsgi_request)]
            answers[index] = {"status": response.status_code, "said": errors + said}
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(index,)) for index in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(
        json.dumps(
            {
                "answers": answers,
                "transitions": StageTransition.objects.filter(proposal=proposal).count(),
            }
        )
    )


if __name__ == "__main__":
    main()
