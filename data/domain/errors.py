"""Domain errors: what went wrong, in the product's words, with no HTTP in sight.

Each carries a machine `code`, a `message` that tells the caller how to fix it, and `details`
(the first offenders). The HTTP edge (api/errors.py) maps each class to a status code; callbacks
show the message to a person.
"""

from __future__ import annotations


class DomainError(Exception):
    """A problem the caller can fix."""

    def __init__(self, code: str, message: str, details: list | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details or []

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"

    def body(self) -> dict:
        return {"error": self.code, "message": self.message, "details": self.details}


class MalformedBody(DomainError):
    """The body cannot be decoded at all (not JSON, not CSV, broken compression)."""


class BodyTooLarge(DomainError):
    """The body, as sent or once decompressed, is over the size limit of its route."""


class InvalidPayload(DomainError):
    """The body decodes but says something unusable (wrong shape, bad values); nothing stored."""


class MissingDataset(DomainError):
    """The request does not say which business and image source it means."""


class UnknownDataset(DomainError):
    """No such business / image source."""


class NoBuild(DomainError):
    """The image source exists but has no build yet."""


class UnknownBuild(DomainError):
    """The build asked for does not belong to the image source."""


class UnknownImage(DomainError):
    """An image name asked about (not sent) that the build does not have."""


class IdempotencyConflict(DomainError):
    """An Idempotency-Key reused with a different request."""


class NotAuthenticated(DomainError):
    """No credentials, or credentials this server does not accept."""


class NotAllowed(DomainError):
    """Known credentials that may not do this."""


class NotReadable(NotAllowed):
    """The business may not be read by this caller, or does not exist: one answer for both, so
    that a refusal says nothing about which businesses exist."""


class EmbedRefused(NotAllowed):
    """A signed embed link that is expired, forged, malformed, or not accepted here."""


class QualityRejected(DomainError):
    """A build whose quality checks raised an alarm that REJECT_ON_ALARM refuses; not stored."""


class UnknownDelivery(DomainError):
    """The metrics delivery asked for does not belong to the image source."""


class NoPreviousBuild(DomainError):
    """A comparison needs a build before the one named, and there is none."""


class DatabaseUnavailable(DomainError):
    """The database cannot be opened or reached, or does not accept writes (a read-only file or
    file system, a read-only PostgreSQL database, a full disk): an operator must fix it, and a
    request can be retried once it is."""
