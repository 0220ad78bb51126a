"""Refusals the views turn into a 404 or a message."""

from alliance.exceptions import DomainError


class TransitionRefused(DomainError):
    """The actor may not make this transition (views answer 404 or hide the action)."""


class ProposalMovedOn(DomainError):
    """Someone else changed the stage first."""
