"""Slack events a bot replica has claimed, in the PostgreSQL database every replica shares.

Slack redelivers an event it thinks was not acknowledged in time, possibly to another replica,
and several replicas see the same channel message; the first replica to claim a key (an event
id, a message's channel and timestamp) answers, the others drop it. A claim older than the TTL
may be taken again (Slack stops retrying within minutes), and such claims are deleted now and
then so the table stays small. The embedded default keeps claims in memory (`bot.slack.core`).
"""

from __future__ import annotations

import threading
from typing import Any

from newsdesk.index.postgres import connect, require_schema

PRUNE_EVERY = 1000  # claims between two deletions of expired ones


class SharedClaims:
    """`claim(key)` is true for exactly one caller across every process on the database, until
    `ttl` seconds have passed. Thread-safe: one connection, used one claim at a time."""

    def __init__(self, url: str, ttl: float = 6 * 3600) -> None:
        self.url, self.ttl = url, ttl
        self._lock = threading.Lock()
        self._connection: Any = None
        self._claims = 0
        with self._lock:
            require_schema(url, self._connected())

    def _connected(self) -> Any:
        """The connection, made again after the server dropped it (a restart, a failover)."""
        if self._connection is None or self._connection.closed or self._connection.broken:
            self._connection = connect(self.url)
        return self._connection

    def claim(self, key: str) -> bool:
        """True the first time `key` is claimed (within the TTL), by any replica."""
        with self._lock:
            connection = self._connected()
            self._claims += 1
            if self._claims % PRUNE_EVERY == 0:
                connection.execute(
                    "DELETE FROM slack_events WHERE claimed_at < now() - make_interval(secs => %s)",
                    (self.ttl,),
                )
            row = connection.execute(
                "INSERT INTO slack_events(key) VALUES (%s) ON CONFLICT (key) DO UPDATE "
                "SET claimed_at = now() "
                "WHERE slack_events.claimed_at < now() - make_interval(secs => %s) RETURNING key",
                (key, self.ttl),
            ).fetchone()
            return row is not None

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None
