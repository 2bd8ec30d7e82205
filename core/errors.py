"""Errors the domain raises; the edges turn them into HTTP codes, CLI messages or chat replies."""

from __future__ import annotations


class LiaisonError(Exception):
    """Base for errors with a message fit to show a user."""


class NotFoundError(LiaisonError):
    pass


class IllegalTransitionError(LiaisonError):
    def __init__(self, current: str, target: str, reason: str) -> None:
        super().__init__(f"cannot go from {current} to {target}: {reason}")
        self.current = current
        self.target = target
        self.reason = reason


class ValidationProblem(LiaisonError):
    pass


class PermissionDeniedError(LiaisonError):
    pass


class DatabaseNotMigratedError(LiaisonError):
    pass
