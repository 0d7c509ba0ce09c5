"""The outbox as rows: claiming due messages with a conditional UPDATE (so two dispatchers
never send the same one), recording each attempt, folding storm messages into digests, and
pruning what is done. Writer jobs only; the dispatcher decides when to run them.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from beatwatch.core import alert_text
from beatwatch.core.alert_policy import (
    DIGEST_AT_MOST_EVERY,
    GIVE_UP_AFTER,
    STORM_WINDOW,
    retry_delay,
)
from beatwatch.store import alert_rows
from beatwatch.store.alert_rows import DIGESTED, EXPIRED, HELD, PENDING, SENT
from beatwatch.store.connection import Connection

KEEP_DELIVERED = 30 * 86400.0
KEEP_RESOLVED = 90 * 86400.0


@dataclass(frozen=True, slots=True)
class Claimed:
    id: int
    channel_id: int
    channel_name: str
    url: str
    kind: str
    title: str
    body: str
    created_at: float
    attempts: int
    # The dispatch duty's epoch the claim was made under: only that claim may record it.
    epoch: int = 0


def claim_due(
    conn: Connection,
    now: float,
    limit: int,
    lease: float,
    sending_to: Collection[int] = (),
    epoch: int = 0,
) -> list[Claimed]:
    """Claim the next due message of each channel for `lease` seconds, except those in
    `sending_to`: a channel gets its messages one at a time, the oldest first, so a recovery
    never lands before the alert it answers. A claim made under an older `epoch` of the
    dispatch duty is void: its node lost the duty (it died), and its messages go out now
    rather than when its claims run out."""
    rows = conn.execute(
        "SELECT id, channel_id, name, url, kind, title, body, created_at, attempts FROM ("
        "SELECT o.id, o.channel_id, c.name, c.url, o.kind, o.title, o.body, o.created_at, "
        "o.attempts, o.next_attempt_at, row_number() OVER "
        "(PARTITION BY o.channel_id ORDER BY o.next_attempt_at, o.id) AS place "
        "FROM outbox o JOIN channels c ON c.id = o.channel_id "
        "WHERE o.status = ? AND o.next_attempt_at <= ? "
        "AND (o.claimed_until IS NULL OR o.claimed_until < ? OR o.claim_epoch < ?)"
        ") AS due WHERE place = 1 ORDER BY next_attempt_at, id",
        (PENDING, now, now, epoch),
    ).fetchall()
    claimed: list[Claimed] = []
    for row in rows:
        if row[1] in sending_to:
            continue
        if len(claimed) == limit:
            break
        cursor = conn.execute(
            "UPDATE outbox SET claimed_until = ?, claim_epoch = ? WHERE id = ? AND status = ? "
            "AND (claimed_until IS NULL OR claimed_until < ? OR claim_epoch < ?)",
            (now + lease, epoch, row[0], PENDING, now, epoch),
        )
        if cursor.rowcount == 1:
            claimed.append(Claimed(*row, epoch=epoch))
    return claimed


def finish_delivery(conn: Connection, message: Claimed, error: str | None, now: float) -> bool:
    """Record a send attempt; returns True if the message was given up on. Where another
    node has claimed the message since (this one lost the dispatch duty while sending), the
    newer claim's outcome stands and this attempt changes nothing of the message."""
    alert_rows.record_delivery(conn, message.channel_id, error, now)
    attempts = message.attempts + 1
    mine = "WHERE id = ? AND claim_epoch = ?"
    if error is None:
        conn.execute(
            f"UPDATE outbox SET status = ?, sent_at = ?, attempts = ?, claimed_until = NULL {mine}",
            (SENT, now, attempts, message.id, message.epoch),
        )
        return False
    if now - message.created_at >= GIVE_UP_AFTER:
        conn.execute(
            "UPDATE outbox SET status = ?, attempts = ?, last_error = ?, claimed_until = NULL "
            + mine,
            (EXPIRED, attempts, error, message.id, message.epoch),
        )
        return True
    conn.execute(
        "UPDATE outbox SET attempts = ?, last_error = ?, next_attempt_at = ?, "
        f"claimed_until = NULL {mine}",
        (attempts, error, now + retry_delay(attempts), message.id, message.epoch),
    )
    return False


def release_digests(conn: Connection, now: float) -> int:
    """Fold each channel's held storm messages into one digest once its storm is over (it
    held nothing new for a storm window), or once the oldest has waited
    DIGEST_AT_MOST_EVERY in a storm that goes on."""
    ready = conn.execute(
        "SELECT channel_id FROM outbox WHERE status = ? GROUP BY channel_id "
        "HAVING max(created_at) <= ? OR min(created_at) <= ?",
        (HELD, now - STORM_WINDOW, now - DIGEST_AT_MOST_EVERY),
    ).fetchall()
    for (channel_id,) in ready:
        held = conn.execute(
            "SELECT id, kind, title FROM outbox WHERE status = ? AND channel_id = ? ORDER BY id",
            (HELD, channel_id),
        ).fetchall()
        title, body = alert_text.digest([(r[1], r[2]) for r in held])
        alert_rows.enqueue(conn, channel_id, None, "digest", title, body, now)
        conn.executemany(
            "UPDATE outbox SET status = ? WHERE id = ?", [(DIGESTED, r[0]) for r in held]
        )
    return len(ready)


def next_due(conn: Connection, sending_to: Collection[int], sends: bool = True) -> float | None:
    """When the dispatcher next has something to do, short of a poke: a message to send
    (to a channel not in `sending_to`, and only if `sends`), a claim running out, a digest
    to fold, an escalation or reminder. None: nothing at all."""
    moments = [
        conn.execute(
            "SELECT min(CASE WHEN latest < oldest THEN latest ELSE oldest END) FROM "
            "(SELECT max(created_at) + ? AS latest, min(created_at) + ? AS oldest "
            "FROM outbox WHERE status = ? GROUP BY channel_id) AS storms",
            (STORM_WINDOW, DIGEST_AT_MOST_EVERY, HELD),
        ).fetchone()[0],
        alert_rows.next_incident_action(conn),
    ]
    if sends:
        # An empty IN () is SQLite's alone; no channel has the id -1.
        busy = ",".join("?" * len(sending_to)) or "-1"
        moments.append(
            conn.execute(
                "SELECT min(CASE WHEN claimed_until > next_attempt_at THEN claimed_until "
                "ELSE next_attempt_at END) FROM outbox "
                f"WHERE status = ? AND channel_id NOT IN ({busy})",
                (PENDING, *sending_to),
            ).fetchone()[0]
        )
    return min((m for m in moments if m is not None), default=None)


def prune(conn: Connection, now: float) -> None:
    conn.execute(
        "DELETE FROM outbox WHERE status IN (?, ?, ?) AND created_at < ?",
        (SENT, EXPIRED, DIGESTED, now - KEEP_DELIVERED),
    )
    conn.execute(
        "DELETE FROM incidents WHERE resolved_at IS NOT NULL AND resolved_at < ?",
        (now - KEEP_RESOLVED,),
    )


def release_claim(conn: Connection, message_id: int) -> None:
    """Hand back a message whose send was abandoned at shutdown, for the next start to send
    at once rather than after the claim runs out. Not an attempt: nothing was refused."""
    conn.execute(
        "UPDATE outbox SET claimed_until = NULL WHERE id = ? AND status = ?",
        (message_id, PENDING),
    )
