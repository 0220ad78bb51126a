"""Refusals specific to proposals (``core.exceptions.NotPermitted`` covers "you may not")."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.exceptions import DomainError

if TYPE_CHECKING:
    from projects.services.consortium import RuleResult


class ProposalMovedOn(DomainError):
    """Someone else changed the stage first."""


class PreconditionsFail(DomainError):
    """The step's preconditions do not hold; ``blockers`` are the rules that fail."""

    def __init__(self, message: str, *, blockers: list[RuleResult]) -> None:
        super().__init__(message)
        self.blockers = blockers
