"""/healthz on a real server with no open socket: a real round trip through the layer, and nothing left behind.

On a Redis of the test's own (tests/throwaway_services.py), so that it can be stopped, and so that
`PUBSUB CHANNELS` counts only this server's channels.
"""

import json
import os
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis

from tests.throwaway_services import ThrowawayRedis

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.environ.get("KC3CHAT_SERVICES"), reason="needs Redis: the services pass of tests/run.py"),
]

REQUESTS = 1000
AT_ONCE = 8
WAIT = 20


def health(server):
    try:
        with urllib.request.urlopen(server.url + "/healthz", timeout=WAIT) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def eventually(check, timeout=WAIT):
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


@pytest.fixture
def own_redis():
    server = ThrowawayRedis()
    yield server
    server.stop()


@pytest.mark.parametrize("layer", ["pubsub", "core"])
def test_a_thousand_health_checks_leave_no_channel_behind_and_still_tell_the_truth(start_server, own_redis, layer):
    server = start_server(REDIS_URL=own_redis.url, REDIS_CHANNEL_LAYER=layer)
    store = redis.Redis.from_url(own_redis.url)
    try:
        assert health(server) == (200, {"status": "ok", "database": "ok", "channel_layer": "ok"})
        channels_before = store.pubsub_channels()
        with ThreadPoolExecutor(AT_ONCE) as pool:
            answers = list(pool.map(lambda _: health(server), range(REQUESTS)))
        assert [status for status, _ in answers] == [200] * REQUESTS
        assert {body["channel_layer"] for _, body in answers} == {"ok"}
        # Every check was a round trip through Redis, and not one subscription stayed behind.
        assert sorted(store.pubsub_channels()) == sorted(channels_before)
    finally:
        store.close()

    own_redis.stop()
    status, body = health(server)
    assert status == 503 and body["channel_layer"].startswith("error")
    own_redis.start()
    eventually(lambda: health(server) == (200, {"status": "ok", "database": "ok", "channel_layer": "ok"}))
