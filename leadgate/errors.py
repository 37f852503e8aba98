"""The leadgate exception hierarchy.

::

    LeadgateError
    ├── ConfigError            a bundle or setting is invalid; carries file, line, key, value
    │   └── ConfigErrors       several ConfigError found in one pass of ``leadgate check``
    ├── PluginError            a plugin or component is broken or missing
    ├── StorageError           the database cannot be opened, migrated or written
    │   └── TamperError        a hash-chained record was edited or deleted
    ├── CryptoError            a key is missing or wrong, or a ciphertext is damaged
    ├── ChannelError           a channel request failed verification or parsing
    │   ├── SignatureError     a webhook signature or secret is missing or wrong
    │   └── PayloadError       a webhook body is too large or malformed
    └── DeliveryError          an outbound call failed
        ├── RetryableError     worth another attempt, maybe after ``retry_after`` seconds
        └── PermanentError     never worth another attempt; the outbox item goes dead
            └── UnreachableError   the client blocked the bot; the contact is marked unreachable

Every message says what failed, on which value, and what to do next. Messages meant
for integrators and owners are localised through ``leadgate.locales``; none carries
personal data.
"""

from __future__ import annotations

from dataclasses import dataclass


class LeadgateError(Exception):
    """Base class of every error leadgate raises on purpose."""


@dataclass(eq=False)
class ConfigError(LeadgateError):
    """An invalid bundle value, located as precisely as the loader can.

    ``message`` is already localised; ``file`` and ``line`` are ``None`` when the value
    does not come from a file (an environment variable, say).
    """

    message: str
    file: str | None = None
    line: int | None = None
    key: str | None = None
    value: str | None = None

    def __post_init__(self) -> None:
        super().__init__(self.__str__())

    def location(self) -> str:
        """Return ``file:line`` (or just the file) for the start of a report line."""
        if self.file is None:
            return ""
        if self.line is None:
            return self.file
        return f"{self.file}:{self.line}"

    def __str__(self) -> str:
        where = self.location()
        return f"{where}: {self.message}" if where else self.message


class ConfigErrors(LeadgateError):
    """Several configuration errors, reported together so an owner fixes them in one go."""

    def __init__(self, errors: list[ConfigError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(error) for error in errors))


class PluginError(LeadgateError):
    """A plugin failed to load, declared a bad hook or component, or is missing."""


class StorageError(LeadgateError):
    """The database could not be opened, migrated or written."""


class TamperError(StorageError):
    """A hash chain does not verify, because a chained record was edited or deleted."""


class CryptoError(LeadgateError):
    """A key is missing or wrong, or a stored ciphertext cannot be decrypted."""


class ChannelError(LeadgateError):
    """A channel rejected an inbound request."""

    status_code = 400


class SignatureError(ChannelError):
    """A webhook secret or signature is missing or does not match."""

    status_code = 403


class PayloadError(ChannelError):
    """A webhook body is malformed (400) or too large (413)."""

    def __init__(self, message: str, status_code: int = 400) -> None:
        super().__init__(message)
        self.status_code = status_code


class DeliveryError(LeadgateError):
    """An outbound call to a channel, CRM or answerer failed."""


class RetryableError(DeliveryError):
    """A failure worth retrying; ``retry_after`` is the provider's wait in seconds, if given."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentError(DeliveryError):
    """A failure that another attempt cannot fix, such as a revoked webhook URL."""


class UnreachableError(PermanentError):
    """The client cannot be reached in this channel (blocked the bot, say)."""
