"""Joining a consortium: invitations, join requests, acceptance and the representative's sign-off.

invited ──accept (invitee)──▶ accepted ──confirm (partner's representative)──▶ confirmed
requested ──accept (lead)──▶ accepted
invited / requested ──decline──▶ declined;  any open step ──withdraw (with a comment)──▶ withdrawn

Only confirmed partners count toward the consortium rules. Every step is audited
(ParticipationTransition) and recorded as a domain event in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.exceptions import DomainError, NotPermitted
from members.enums import InstitutionStatus, MembershipStatus
from members.models import Institution, Membership, User
from projects.enums import (
    JOINING_STAGES,
    OPEN_PARTICIPATION,
    PUBLIC_STAGES,
    TERMINAL_STAGES,
    UNANSWERED_PARTICIPATION,
    EventKind,
    ParticipationRole,
    ParticipationStatus,
)
from projects.matching.cache import invalidate as matching_invalidate
from projects.models import Participation, ParticipationTransition, Proposal
from projects.rules import (
    answers_participation,
    is_lead,
    is_open_call,
    is_participation_party,
    may_withdraw_participation,
    represents_participation_institution,
)
from projects.services.outbox import event_record


def _is_active_member(person: User, institution: Institution) -> bool:
    return Membership.objects.filter(
        person=person, institution=institution, status=MembershipStatus.ACTIVE
    ).exists()


def _lock_proposal(proposal: Proposal) -> Proposal:
    return Proposal.objects.select_for_update().get(pk=proposal.pk)


def _require_joining_stage(proposal: Proposal) -> None:
    if proposal.stage not in JOINING_STAGES:
        raise DomainError(
            _(
                "Partners join while a proposal is being defined; this one is in %(stage)s, so "
                "nothing was sent."
            )
            % {"stage": proposal.get_stage_display()}
        )


def _open_participation(proposal: Proposal, institution: Institution) -> Participation | None:
    return (
        Participation.objects.select_for_update()
        .filter(proposal=proposal, institution=institution, status__in=OPEN_PARTICIPATION)
        .first()
    )


def _move(
    *,
    participation: Participation,
    to: ParticipationStatus,
    actor: User,
    comment: str = "",
    kind: EventKind = EventKind.PARTICIPATION_CHANGED,
) -> Participation:
    source = participation.status
    participation.status = to
    participation.save(update_fields=["status", "person", "confirmed_by", "updated_at"])
    ParticipationTransition.objects.create(
        participation=participation, from_status=source, to_status=to, actor=actor, comment=comment
    )
    event_record(
        kind=kind,
        actor=actor,
        proposal=participation.proposal,
        participation_id=participation.pk,
        institution_id=participation.institution_id,
        person_id=participation.person_id,
        from_status=source,
        to_status=str(to),
        comment=comment,
    )
    return participation


def _start(
    *,
    proposal: Proposal,
    institution: Institution,
    person: User | None,
    status: ParticipationStatus,
    actor: User,
    message: str,
    kind: EventKind,
) -> Participation:
    participation = Participation.objects.create(
        proposal=proposal,
        institution=institution,
        person=person,
        role=ParticipationRole.PARTNER,
        status=status,
        message=message.strip(),
        created_by=actor,
    )
    ParticipationTransition.objects.create(
        participation=participation, to_status=status, actor=actor, comment=message.strip()
    )
    event_record(
        kind=kind,
        actor=actor,
        proposal=proposal,
        participation_id=participation.pk,
        institution_id=institution.pk,
        person_id=person.pk if person else None,
    )
    return participation


def _refuse_if_already_in(proposal: Proposal, institution: Institution) -> None:
    if institution.pk == proposal.lead_institution_id:
        raise DomainError(
            _("%(institution)s leads this proposal already.") % {"institution": institution}
        )
    existing = _open_participation(proposal, institution)
    if existing is not None:
        raise DomainError(
            _("%(institution)s is already in this consortium (%(status)s).")
            % {"institution": institution, "status": existing.get_status_display().lower()}
        )


@transaction.atomic
def participation_invite(
    *,
    proposal: Proposal,
    actor: User,
    institution: Institution,
    person: User | None = None,
    message: str = "",
) -> Participation:
    """The lead invites an institution, or a researcher of it, to join."""
    proposal = _lock_proposal(proposal)
    if not is_lead.test(actor, proposal):
        raise NotPermitted(_("Only the lead invites partners."))
    _require_joining_stage(proposal)
    if institution.status != InstitutionStatus.MEMBER:
        raise DomainError(
            _("%(institution)s is not an active member of the alliance.")
            % {"institution": institution}
        )
    if person is not None and not _is_active_member(person, institution):
        raise DomainError(
            _("%(person)s is not an active researcher at %(institution)s.")
            % {"person": person, "institution": institution}
        )
    _refuse_if_already_in(proposal, institution)
    return _start(
        proposal=proposal,
        institution=institution,
        person=person,
        status=ParticipationStatus.INVITED,
        actor=actor,
        message=message,
        kind=EventKind.INVITATION,
    )


@dataclass(frozen=True)
class ConsortiumInvitations:
    invited: list[Participation]  # sent now
    already: list[Institution]  # the lead's own, or already invited, asking or in: none sent


@transaction.atomic
def consortium_invite(
    *,
    proposal: Proposal,
    actor: User,
    institutions: Sequence[Institution],
    message: str = "",
) -> ConsortiumInvitations:
    """The lead invites every institution of a suggested consortium that is not in it yet.

    All or nothing: each invitation goes through ``participation_invite``, and if any is
    refused none is sent and the refusal names every institution at fault. Institutions
    already invited, asking to join or in the consortium are left as they are, so sending
    the same consortium twice sends nothing more.
    """
    proposal = _lock_proposal(proposal)
    if not is_lead.test(actor, proposal):
        raise NotPermitted(_("Only the lead invites partners."))
    _require_joining_stage(proposal)
    unique = list({i.pk: i for i in institutions}.values())
    if not unique:
        raise DomainError(_("Choose the institutions to invite."))
    taken = {proposal.lead_institution_id} | set(
        Participation.objects.filter(proposal=proposal, status__in=OPEN_PARTICIPATION)
        .values_list("institution_id", flat=True)
        .order_by()
    )
    invited, problems = [], []
    for institution in unique:
        if institution.pk in taken:
            continue
        try:
            invited.append(
                participation_invite(
                    proposal=proposal, actor=actor, institution=institution, message=message
                )
            )
        except NotPermitted:
            raise
        except DomainError as error:  # its savepoint is undone; keep looking for the others
            problems.append(error.message)
    if problems:
        raise DomainError(
            ngettext(
                "No invitation was sent, because of this: %(problems)s",
                "No invitation was sent, because of these: %(problems)s",
                len(problems),
            )
            % {"problems": " ".join(problems)}
        )
    return ConsortiumInvitations(invited=invited, already=[i for i in unique if i.pk in taken])


@transaction.atomic
def participation_request(
    *, proposal: Proposal, actor: User, institution: Institution, message: str
) -> Participation:
    """A researcher asks to join an open-call proposal with their institution."""
    proposal = _lock_proposal(proposal)
    _require_joining_stage(proposal)
    if not is_open_call.test(actor, proposal):
        raise NotPermitted(_("Only open calls take join requests."))
    if is_lead.test(actor, proposal):
        raise DomainError(_("You lead this proposal; it needs no request from you."))
    if not _is_active_member(actor, institution) or institution.status != InstitutionStatus.MEMBER:
        raise DomainError(
            _("You can only join for an institution where you are an active researcher.")
        )
    if not message.strip():
        raise DomainError(_("Tell the lead what you would bring."))
    _refuse_if_already_in(proposal, institution)
    return _start(
        proposal=proposal,
        institution=institution,
        person=actor,
        status=ParticipationStatus.REQUESTED,
        actor=actor,
        message=message,
        kind=EventKind.JOIN_REQUEST,
    )


def _lock(participation: Participation) -> Participation:
    _lock_proposal(participation.proposal)
    return (
        Participation.objects.select_for_update(of=("self",))
        .select_related("proposal", "institution", "person")
        .get(pk=participation.pk)
    )


def _require_unanswered(participation: Participation) -> None:
    if participation.status not in UNANSWERED_PARTICIPATION:
        raise DomainError(
            _("This is already %(status)s.")
            % {"status": participation.get_status_display().lower()}
        )


# Who may act is asked of projects.rules (the pages offer the same actions from the same
# predicates); a party to the participation is told why a step is not possible now, anyone
# else is refused without detail.


@transaction.atomic
def participation_accept(*, participation: Participation, actor: User) -> Participation:
    participation = _lock(participation)
    if not is_participation_party.test(actor, participation):
        raise NotPermitted(_("This is not yours to answer."))
    _require_unanswered(participation)
    if not answers_participation.test(actor, participation):
        raise NotPermitted(_("This is not yours to answer."))
    _require_joining_stage(participation.proposal)
    if participation.person_id is None:
        participation.person = actor
    return _move(participation=participation, to=ParticipationStatus.ACCEPTED, actor=actor)


@transaction.atomic
def participation_decline(
    *, participation: Participation, actor: User, comment: str = ""
) -> Participation:
    participation = _lock(participation)
    if not is_participation_party.test(actor, participation):
        raise NotPermitted(_("This is not yours to answer."))
    _require_unanswered(participation)
    if not answers_participation.test(actor, participation):
        raise NotPermitted(_("This is not yours to answer."))
    return _move(
        participation=participation,
        to=ParticipationStatus.DECLINED,
        actor=actor,
        comment=comment.strip(),
    )


@transaction.atomic
def participation_confirm(*, participation: Participation, actor: User) -> Participation:
    """The partner institution's representative signs off its commitment."""
    participation = _lock(participation)
    if not is_participation_party.test(actor, participation):
        raise NotPermitted(_("Only the institution's representatives confirm."))
    if participation.status != ParticipationStatus.ACCEPTED:
        raise DomainError(
            _("Only an accepted participation can be confirmed; this one is %(status)s.")
            % {"status": participation.get_status_display().lower()}
        )
    if not represents_participation_institution.test(actor, participation):
        raise NotPermitted(_("Only the institution's representatives confirm."))
    _require_joining_stage(participation.proposal)
    participation.confirmed_by = actor
    return _move(
        participation=participation,
        to=ParticipationStatus.CONFIRMED,
        actor=actor,
        kind=EventKind.CONFIRMATION,
    )


@transaction.atomic
def participation_withdraw(
    *, participation: Participation, actor: User, comment: str, confirmed: bool = False
) -> Participation:
    """Withdraw a partner, with the reason; a confirmed commitment only when ``confirmed``.

    The institution's representative signed a confirmed commitment off, and the consortium
    rules counted it: ending it takes an explicit confirmation (the withdrawal page), and
    the reason stays in the proposal's timeline.
    """
    participation = _lock(participation)
    if not may_withdraw_participation.test(actor, participation):
        raise NotPermitted(_("You cannot withdraw this participation."))
    if participation.proposal.stage in TERMINAL_STAGES:
        raise DomainError(_("The project is over; its consortium stays on record."))
    if not comment.strip():
        raise DomainError(_("Please give a reason."))
    if participation.is_confirmed and not confirmed:
        raise DomainError(
            _(
                "%(institution)s has confirmed its commitment: confirm that you withdraw it "
                "from the consortium."
            )
            % {"institution": participation.institution}
        )
    if participation.proposal.stage in PUBLIC_STAGES:
        matching_invalidate()  # the index lends a public project's summary to its partners
    return _move(
        participation=participation,
        to=ParticipationStatus.WITHDRAWN,
        actor=actor,
        comment=comment.strip(),
    )
