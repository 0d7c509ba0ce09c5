"""API tokens as rows: the record, its row mapper and the writer jobs that change it. Only
a token's SHA-256 digest is ever stored (see tokens.py)."""

from __future__ import annotations

from dataclasses import dataclass

from beatwatch.core.errors import Conflict
from beatwatch.store.connection import Connection, IntegrityError, Row, inserted_id

TOKEN_COLUMNS = "id, name, digest, read_only, created_at, last_used_at"


@dataclass(frozen=True, slots=True)
class Token:
    id: int
    name: str
    digest: str
    read_only: bool
    created_at: float
    last_used_at: float | None = None


def token_from_row(r: Row) -> Token:
    return Token(
        id=r["id"],
        name=r["name"],
        digest=r["digest"],
        read_only=bool(r["read_only"]),
        created_at=r["created_at"],
        last_used_at=r["last_used_at"],
    )


def insert_token(conn: Connection, name: str, digest: str, read_only: bool, now: float) -> int:
    try:
        return inserted_id(
            conn,
            "INSERT INTO api_tokens (name, digest, read_only, created_at) VALUES (?, ?, ?, ?)",
            (name, digest, int(read_only), now),
        )
    except IntegrityError:
        raise Conflict("name", f"an API token named {name!r} already exists") from None


def delete_token(conn: Connection, token_id: int) -> None:
    conn.execute("DELETE FROM api_tokens WHERE id = ?", (token_id,))


def touch_token(conn: Connection, token_id: int, now: float) -> None:
    conn.execute("UPDATE api_tokens SET last_used_at = ? WHERE id = ?", (now, token_id))
