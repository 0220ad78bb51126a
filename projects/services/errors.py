"""Refusals specific to proposals (``core.exceptions.NotPermitted`` covers "you may not")."""

from core.exceptions import DomainError


class ProposalMovedOn(DomainError):
    """Someone else changed the stage first."""
