"""Per-user token buckets: a steady rate with a burst, kept in Redis (every process) or in this process."""

import time


class TokenBucket:
    def __init__(self, per_second, burst, clock=time.monotonic):
        self.per_second = per_second
        self.burst = burst
        self.clock = clock
        self._buckets = {}  # key -> (tokens, at)

    def take(self, key):
        """Takes a token: 0 when there was one, else the seconds until there is one."""
        if self.per_second <= 0:
            return 0
        now = self.clock()
        tokens, at = self._buckets.get(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - at) * self.per_second)
        if tokens < 1:
            self._buckets[key] = (tokens, now)
            return (1 - tokens) / self.per_second
        self._buckets[key] = (tokens - 1, now)
        if len(self._buckets) > 10_000:
            self._forget_full(now)
        return 0

    def _forget_full(self, now):
        # A bucket that has refilled is the same as no bucket: drop those to bound memory.
        refill = self.burst / self.per_second
        self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < refill}


# The same bucket kept in Redis, so a user's rate holds across every server process. Redis' own
# clock is used: the processes' clocks need not agree.
_REDIS_BUCKET = """
local rate, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = math.min(burst, (tonumber(state[1]) or burst) + (now - (tonumber(state[2]) or now)) * rate)
local wait_ms = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait_ms = math.ceil((1 - tokens) / rate * 1000)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(burst / rate) + 1)
return wait_ms
"""


async def take_in_redis(redis, key, per_second, burst):
    """TokenBucket.take on the bucket in Redis (to the millisecond: Lua answers whole numbers)."""
    return await redis.eval(_REDIS_BUCKET, 1, key, per_second, burst) / 1000
