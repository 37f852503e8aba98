"""The amoCRM OAuth 2.0 token pair: stored encrypted, renewed by one worker at a time.

amoCRM issues an access token (valid about 24 hours) and a refresh token that works
exactly once: renewing returns a new pair and invalidates the old refresh token. Two
workers renewing with the same refresh token would leave one of them with a dead
pair, so renewal goes through :meth:`leadgate.core.secrets.SecretStore.refresh`,
which lets one worker renew, commits the new pair before anyone uses it, and hands
the stored pair to the workers that waited.

The first pair comes from the section's ``auth_code`` (an authorisation code, valid
20 minutes and single-use) or ``refresh_token``. The stored pair remembers a SHA-256
fingerprint of that value, so an owner who puts a new code into the environment
and restarts gets it exchanged, while an unchanged code is never sent twice.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import dataclass
from typing import Any

import httpx

from leadgate.core.secrets import SecretStore, StoredSecret
from leadgate.errors import PermanentError, RetryableError
from leadgate.locales import text

logger = logging.getLogger(__name__)

TOKEN_PATH = "/oauth2/access_token"  # noqa: S105 - an endpoint path, not a password
RENEW_MARGIN = 300.0
"""Seconds before expiry at which a token is renewed without waiting for a 401."""


@dataclass(frozen=True)
class OAuthSettings:
    """Credentials for the token endpoint: the integration's ids and the first grant."""

    client_id: str
    client_secret: str
    redirect_uri: str
    auth_code: str = ""
    refresh_token: str = ""
    locale: str = "ru"

    def __repr__(self) -> str:
        return f"OAuthSettings(client_id={self.client_id!r})"

    @property
    def seed(self) -> str:
        """A fingerprint of the configured grant, stored with the pair it produced."""
        grant = self.auth_code or self.refresh_token
        return hashlib.sha256(grant.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class TokenPair:
    """An access token, its refresh token, expiry (Unix time) and seed fingerprint."""

    access_token: str
    refresh_token: str
    expires_at: float
    seed: str

    def __repr__(self) -> str:
        return f"TokenPair(expires_at={self.expires_at!r})"

    def to_json(self) -> str:
        """Serialise the pair for the secret store."""
        return json.dumps(self.__dict__)

    @classmethod
    def from_json(cls, value: str) -> TokenPair:
        """Parse a pair written by :meth:`to_json`."""
        return cls(**json.loads(value))


class TokenManager:
    """Hands out a valid access token for one amoCRM account."""

    def __init__(self, store: SecretStore, secret_name: str, settings: OAuthSettings) -> None:
        self.store = store
        self.secret_name = secret_name
        self.settings = settings

    async def access_token(self, http: httpx.AsyncClient) -> tuple[str, int]:
        """Return a usable access token and the version of the stored pair it is from."""
        stored = await self.store.get(self.secret_name)
        pair = _parse(stored)
        due = pair is None or pair.seed != self.settings.seed
        if pair is not None and pair.expires_at - RENEW_MARGIN < time.time():
            due = True
        if due:
            stored = await self._renew(http, stored.version if stored else 0)
            pair = _parse(stored)
        if pair is None or stored is None:
            raise RetryableError(f"secret {self.secret_name!r} contains no valid amoCRM token pair")
        return pair.access_token, stored.version

    async def renew(self, http: httpx.AsyncClient, seen_version: int) -> tuple[str, int]:
        """Renew the pair that amoCRM rejected (``seen_version``) and return the new token."""
        stored = await self._renew(http, seen_version)
        pair = _parse(stored)
        if pair is None:
            raise RetryableError(f"secret {self.secret_name!r} contains no valid amoCRM token pair")
        return pair.access_token, stored.version

    async def _renew(self, http: httpx.AsyncClient, seen_version: int) -> StoredSecret:
        async def produce(current: StoredSecret | None) -> str:
            return (await self._grant(http, _parse(current))).to_json()

        return await self.store.refresh(self.secret_name, seen_version, produce)

    async def _grant(self, http: httpx.AsyncClient, current: TokenPair | None) -> TokenPair:
        """Exchange the configured grant (new seed) or the stored refresh token."""
        settings = self.settings
        body: dict[str, Any] = {
            "client_id": settings.client_id,
            "client_secret": settings.client_secret,
            "redirect_uri": settings.redirect_uri,
        }
        if current is not None and current.seed == settings.seed:
            body.update(grant_type="refresh_token", refresh_token=current.refresh_token)
            grant_key = "crm.amocrm_grant_refresh"
        elif settings.auth_code:
            body.update(grant_type="authorization_code", code=settings.auth_code)
            grant_key = "crm.amocrm_grant_code"
        else:
            body.update(grant_type="refresh_token", refresh_token=settings.refresh_token)
            grant_key = "crm.amocrm_grant_refresh"

        response = await self._post(http, body)
        if response.status_code in (400, 401, 403):
            grant = text(grant_key, settings.locale)
            raise PermanentError(
                text(
                    "crm.amocrm_grant_rejected",
                    settings.locale,
                    grant=grant,
                    status=response.status_code,
                )
            )
        if response.status_code != 200:
            raise RetryableError(
                text(
                    "crm.outage",
                    settings.locale,
                    crm="amoCRM",
                    status=response.status_code,
                    code="",
                ),
                retry_after=None,
            )
        return self._pair_from(response)

    async def _post(self, http: httpx.AsyncClient, body: dict[str, Any]) -> httpx.Response:
        started = time.monotonic()
        try:
            response = await http.post(TOKEN_PATH, json=body)
        except httpx.HTTPError as error:
            raise RetryableError(
                text(
                    "crm.transport_failed",
                    self.settings.locale,
                    crm="amoCRM",
                    reason=type(error).__name__,
                )
            ) from error
        logger.info(
            "amocrm token %s: HTTP %d in %.2fs",
            body["grant_type"],
            response.status_code,
            time.monotonic() - started,
        )
        return response

    def _pair_from(self, response: httpx.Response) -> TokenPair:
        try:
            data = response.json()
            return TokenPair(
                access_token=str(data["access_token"]),
                refresh_token=str(data["refresh_token"]),
                expires_at=time.time() + float(data.get("expires_in", 86400)),
                seed=self.settings.seed,
            )
        except (ValueError, KeyError, TypeError) as error:
            # NOTE: the grant was used up by this call, so a malformed response leaves no
            # usable pair; the retry will fail until the owner authorises again.
            raise RetryableError(
                text("crm.not_json", self.settings.locale, crm="amoCRM", status=200)
            ) from error


def _parse(stored: StoredSecret | None) -> TokenPair | None:
    if stored is None:
        return None
    try:
        return TokenPair.from_json(stored.value)
    except (ValueError, TypeError):
        logger.warning("secret %s does not hold a token pair; renewing it", stored.name)
        return None
