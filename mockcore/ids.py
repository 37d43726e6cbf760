"""One seeded source for every id and every random choice a model makes."""

from __future__ import annotations

import random
import threading
import uuid
from typing import TYPE_CHECKING

from mockcore.clock import Clock

if TYPE_CHECKING:  # Faker is slow to import; only load it when asked for.
    from faker import Faker

# Offset between the UUID epoch (1582-10-15) and the Unix epoch, in 100 ns units.
_UUID_EPOCH_OFFSET = 0x01B21DD213814000


class IdSource:
    """Seeded ids: version-4 UUIDs, time-based version-1 UUIDs, hex tokens, Faker data."""

    def __init__(self, clock: Clock, seed: int = 0) -> None:
        self.clock = clock
        self.seed = seed
        self._lock = threading.Lock()
        self._faker: Faker | None = None
        self.reset()

    def reset(self) -> None:
        """Back to the first id of the seed, so a reset double repeats itself exactly."""
        self.random = random.Random(self.seed)
        self._last_uuid1_ticks = 0
        self._node = self.random.getrandbits(48) | 0x010000000000  # multicast bit: not a real MAC
        self._clock_seq = self.random.getrandbits(14)
        if self._faker is not None:
            self._faker.seed_instance(self.seed)

    def uuid4(self) -> uuid.UUID:
        with self._lock:
            return uuid.UUID(int=self.random.getrandbits(128), version=4)

    def uuid1(self) -> uuid.UUID:
        """A version-1 UUID stamped with the virtual clock (unique even within one tick)."""
        with self._lock:
            ticks = int(self.clock.time() * 10_000_000) + _UUID_EPOCH_OFFSET
            ticks = max(ticks, self._last_uuid1_ticks + 1)
            self._last_uuid1_ticks = ticks
            time_low = ticks & 0xFFFFFFFF
            time_mid = (ticks >> 32) & 0xFFFF
            time_hi = (ticks >> 48) & 0x0FFF
            return uuid.UUID(
                fields=(
                    time_low,
                    time_mid,
                    time_hi | 0x1000,
                    0x80 | (self._clock_seq >> 8),
                    self._clock_seq & 0xFF,
                    self._node,
                )
            )

    def hex(self, nbytes: int = 16) -> str:
        with self._lock:
            return self.random.getrandbits(nbytes * 8).to_bytes(nbytes, "big").hex()

    def token(self, nbytes: int = 32) -> str:
        """URL-safe opaque token text."""
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
        with self._lock:
            return "".join(self.random.choice(alphabet) for _ in range(int(nbytes * 1.35)))

    def bits(self, k: int) -> int:
        """A uniform integer of ``k`` random bits (``randint(0, 2**k - 1)`` in one call)."""
        with self._lock:
            return self.random.getrandbits(k)

    def randint(self, low: int, high: int) -> int:
        with self._lock:
            return self.random.randint(low, high)

    def uniform(self, low: float, high: float) -> float:
        with self._lock:
            return self.random.uniform(low, high)

    @property
    def faker(self) -> Faker:
        if self._faker is None:
            from faker import Faker

            self._faker = Faker()
            self._faker.seed_instance(self.seed)
        return self._faker
