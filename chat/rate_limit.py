"""Per-user token buckets: a steady rate with a burst, kept in the serving process."""

import time


class TokenBucket:
    def __init__(self, per_second, burst, clock=time.monotonic):
        self.per_second = per_second
        self.burst = burst
        self.clock = clock
        self._buckets = {}  # key -> (tokens, at)

    def allow(self, key):
        if self.per_second <= 0:
            return True
        now = self.clock()
        tokens, at = self._buckets.get(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - at) * self.per_second)
        if tokens < 1:
            self._buckets[key] = (tokens, now)
            return False
        self._buckets[key] = (tokens - 1, now)
        if len(self._buckets) > 10_000:
            self._forget_full(now)
        return True

    def _forget_full(self, now):
        # A bucket that has refilled is the same as no bucket: drop those to bound memory.
        refill = self.burst / self.per_second
        self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < refill}
