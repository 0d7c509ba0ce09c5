"""Bearer tokens for the management API.

A token is shown once, when it is made; only its SHA-256 is stored. The token itself is 32
random bytes, so a plain hash is enough: there is nothing a slow, salted hash would protect
that brute force could reach. Presented tokens are compared against every stored hash in
constant time.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import secrets
import sqlite3
import time
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from beatwatch.engine.validation import refuse_control
from beatwatch.errors import Conflict, StorageError, TokenNotFound, ValidationError

if TYPE_CHECKING:
    from beatwatch.engine.store import Store

TOKEN_PREFIX = "bw_"
NAME_MAX = 100
# "Last used" is kept to the minute: a write on every API call would cost an fsync each.
TOUCH_EVERY = 60.0
TOKEN_COLUMNS = "id, name, digest, read_only, created_at, last_used_at"


@dataclass(frozen=True, slots=True)
class Token:
    id: int
    name: str
    digest: str
    read_only: bool
    created_at: float
    last_used_at: float | None = None


def new_secret() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def digest_of(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def token_from_row(r: sqlite3.Row) -> Token:
    return Token(
        id=r["id"],
        name=r["name"],
        digest=r["digest"],
        read_only=bool(r["read_only"]),
        created_at=r["created_at"],
        last_used_at=r["last_used_at"],
    )


# -- writer jobs ---------------------------------------------------------------------------


def insert_token(
    conn: sqlite3.Connection, name: str, digest: str, read_only: bool, now: float
) -> int:
    try:
        cursor = conn.execute(
            "INSERT INTO api_tokens (name, digest, read_only, created_at) VALUES (?, ?, ?, ?)",
            (name, digest, int(read_only), now),
        )
    except sqlite3.IntegrityError:
        raise Conflict("name", f"an API token named {name!r} already exists") from None
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def delete_token(conn: sqlite3.Connection, token_id: int) -> None:
    conn.execute("DELETE FROM api_tokens WHERE id = ?", (token_id,))


def touch_token(conn: sqlite3.Connection, token_id: int, now: float) -> None:
    conn.execute("UPDATE api_tokens SET last_used_at = ? WHERE id = ?", (now, token_id))


# -- the service side ----------------------------------------------------------------------


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

    def __init__(self, db: Store) -> None:
        self._db = db

    async def list(self) -> list[Token]:
        return await self._db.tokens()

    async def create(self, name: str | None = None, read_only: bool = False) -> tuple[Token, str]:
        """A new token and its secret, which is not stored and cannot be shown again."""
        if name is None:
            taken = {t.name for t in await self.list()}
            name = next(f"token-{n}" for n in range(1, len(taken) + 2) if f"token-{n}" not in taken)
        name = _valid_name(name)
        secret = new_secret()
        now = time.time()
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
        now = time.time()
        if found is not None and (
            found.last_used_at is None or now - found.last_used_at >= TOUCH_EVERY
        ):
            # A full disk must not lock the API out: reading still works without this note.
            with contextlib.suppress(StorageError):
                await self._db.write(partial(touch_token, token_id=found.id, now=now))
        return found
