"""Bearer tokens for the management API.

A token is shown once, when it is made; only its SHA-256 is stored. The token itself is 32
random bytes, so a plain hash is enough: there is nothing a slow, salted hash would protect
that brute force could reach. Presented tokens are compared against every stored hash in
constant time.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import secrets
from functools import partial

from beatwatch.core.errors import StorageError, TokenNotFound, ValidationError
from beatwatch.core.validation import refuse_control
from beatwatch.engine.clock import Clock
from beatwatch.store.database import Store
from beatwatch.store.token_rows import Token, delete_token, insert_token, touch_token

TOKEN_PREFIX = "bw_"
NAME_MAX = 100
# "Last used" is kept to the minute: a write on every API call would cost an fsync each.
TOUCH_EVERY = 60.0


def new_secret() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def digest_of(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def derive_tag_key(secret: str, tag: str) -> str:
    """`tag`'s badge key: an HMAC of the tag under the instance's secret, as long as a check's
    random key. Nobody without the secret can work out the key of another tag."""
    digest = hmac.new(
        secret.encode(), tag.encode("utf-8", "surrogatepass"), hashlib.sha256
    ).digest()
    return base64.urlsafe_b64encode(digest[:16]).decode().rstrip("=")


def _valid_name(name: str) -> str:
    refuse_control("name", name)
    name = name.strip()
    if not name or len(name) > NAME_MAX:
        raise ValidationError("name", f"a token name is 1 to {NAME_MAX} characters")
    if name.isdigit():
        raise ValidationError(
            "name", "a token name must not be only digits (it would read as an id)"
        )
    return name


class Tokens:
    """Reached as `service.tokens`; the `beatwatch token` commands and the API use it."""

    def __init__(self, db: Store, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def list(self) -> list[Token]:
        return await self._db.tokens()

    async def create(self, name: str | None = None, read_only: bool = False) -> tuple[Token, str]:
        """A new token and its secret, which is not stored and cannot be shown again."""
        if name is None:
            taken = {t.name for t in await self.list()}
            name = next(f"token-{n}" for n in range(1, len(taken) + 2) if f"token-{n}" not in taken)
        name = _valid_name(name)
        secret = new_secret()
        now = self._clock.now()
        token_id = await self._db.write(
            partial(insert_token, name=name, digest=digest_of(secret), read_only=read_only, now=now)
        )
        return Token(token_id, name, digest_of(secret), read_only, now), secret

    async def revoke(self, ref: str) -> Token:
        """Delete a token by id or name; requests carrying it are refused from now on."""
        tokens = await self.list()
        match = next((t for t in tokens if str(t.id) == ref), None) or next(
            (t for t in tokens if t.name == ref), None
        )
        if match is None:
            raise TokenNotFound(ref)
        await self._db.write(partial(delete_token, token_id=match.id))
        return match

    async def verify(self, secret: str) -> Token | None:
        """The token `secret` belongs to, or None. Every stored hash is compared, in constant
        time, so the reply time says nothing about how close a guess came."""
        presented = digest_of(secret)
        found = None
        for token in await self.list():
            if hmac.compare_digest(token.digest, presented):
                found = token
        now = self._clock.now()
        if found is not None and (
            found.last_used_at is None or now - found.last_used_at >= TOUCH_EVERY
        ):
            # A full disk must not lock the API out: reading still works without this note.
            with contextlib.suppress(StorageError):
                await self._db.write(partial(touch_token, token_id=found.id, now=now))
        return found
