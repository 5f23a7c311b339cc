"""What the conversation remembers between messages, each piece with an injected clock.

- `RateLimiter`: a token bucket per user, so one user cannot flood the advisor.
- `Contexts`: the account and question a user was last talking about, forgotten
  after a stretch of inactivity (or on /reset).
- `AnswerCache`: recent answers by exchange id, for the buttons under them.

All three are safe to use from several threads: the bot runs the core in a
thread pool. Over a user store with a database, the conversation keeps contexts
and answers there instead (`advisor.chat.store`: the same methods), so
that every bot process shares them; these in-memory versions serve the rest.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Generic, TypeVar

Clock = Callable[[], float]
T = TypeVar("T")


@dataclass
class _Bucket:
    tokens: float
    at: float
    notified: bool = False


class RateLimiter:
    """A token bucket per user: `capacity` messages at once, refilled at `per_second`."""

    def __init__(self, clock: Clock, capacity: float = 10, per_second: float = 0.5) -> None:
        if capacity < 1 or per_second <= 0:
            raise ValueError("capacity must be at least 1 and the refill rate positive")
        self.clock = clock
        self.capacity = capacity
        self.per_second = per_second
        self._buckets: dict[int, _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, user_id: int) -> tuple[float, bool]:
        """(0, _) when the message may go on; else (seconds to wait, first refusal of this run).

        Only the first refusal of a run of them should be answered: replying to
        every message of a flood would be a flood of our own.
        """
        now = self.clock()
        with self._lock:
            bucket = self._buckets.get(user_id)
            if bucket is None:
                bucket = self._buckets[user_id] = _Bucket(self.capacity, now)
            bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.at) * self.per_second)
            bucket.at = now
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                bucket.notified = False
                return 0.0, False
            first = not bucket.notified
            bucket.notified = True
            return (1 - bucket.tokens) / self.per_second, first

    @staticmethod
    def seconds(wait: float) -> int:
        return max(1, math.ceil(wait))


@dataclass(frozen=True)
class Context:
    account_id: str | None = None
    question: str | None = None
    language: str | None = None  # the language the user last wrote in
    at: float = 0.0


class Contexts:
    """Per-user conversation context that expires after `ttl` seconds of inactivity.

    The language the user writes in is kept beyond the expiry: it only decides
    the language of menus and notices, never what anyone may see.
    """

    def __init__(self, clock: Clock, ttl: float = 30 * 60) -> None:
        self.clock = clock
        self.ttl = ttl
        self._items: dict[int, Context] = {}
        self._lock = threading.Lock()

    def get(self, user_id: int) -> Context:
        with self._lock:
            item = self._items.get(user_id)
            if item is None:
                return Context()
            if self.clock() - item.at > self.ttl:
                item = self._items[user_id] = Context(language=item.language, at=item.at)
            return item

    def update(self, user_id: int, **changes: str | None) -> Context:
        """Set some fields and mark the user active now."""
        with self._lock:
            current = self._items.get(user_id, Context())
            if self.clock() - current.at > self.ttl:
                current = Context(language=current.language)
            item = replace(current, **changes, at=self.clock())  # type: ignore[arg-type]
            self._items[user_id] = item
            return item

    def reset(self, user_id: int) -> None:
        with self._lock:
            current = self._items.get(user_id)
            if current is not None:
                self._items[user_id] = Context(language=current.language, at=current.at)


class AnswerCache(Generic[T]):
    """The most recent answers by exchange id; older ones are rebuilt on demand."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._items: OrderedDict[int, T] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, key: int, value: T) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def get(self, key: int) -> T | None:
        with self._lock:
            return self._items.get(key)
