"""GET /api/messages/: keyset pages by id, oldest first, and a 400 naming any bad parameter."""

import pytest

from chat.posting import store_message

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def signed_in(client, make_user):
    alice = make_user("alice")
    client.force_login(alice)
    for n in range(1, 121):
        store_message(alice, f"m{n}", None)
    return client


def ids(response):
    return [m["id"] for m in response.json()["messages"]]


def test_the_newest_page_is_the_last_fifty_oldest_first(signed_in):
    response = signed_in.get("/api/messages/")
    assert response.status_code == 200
    assert ids(response) == list(range(71, 121))
    assert response.json()["has_more"] is True
    first = response.json()["messages"][0]
    assert set(first) >= {"type", "id", "user", "message", "ts", "client_id"}
    assert (first["type"], first["user"], first["message"]) == ("chat", "alice", "m71")


def test_before_pages_back_until_the_first_message(signed_in):
    assert ids(signed_in.get("/api/messages/?before=71&limit=50")) == list(range(21, 71))
    last = signed_in.get("/api/messages/?before=21&limit=50")
    assert ids(last) == list(range(1, 21)) and last.json()["has_more"] is False


def test_after_catches_up_with_newer_messages(signed_in):
    page = signed_in.get("/api/messages/?after=100&limit=10")
    assert ids(page) == list(range(101, 111)) and page.json()["has_more"] is True
    end = signed_in.get("/api/messages/?after=110&limit=10")
    assert ids(end) == list(range(111, 121)) and end.json()["has_more"] is False


def test_limit_is_at_most_two_hundred(signed_in):
    assert len(ids(signed_in.get("/api/messages/?limit=200"))) == 120


@pytest.mark.parametrize(
    "query, parameter",
    [
        ("before=abc", "before"),
        ("before=0", "before"),
        ("before=-5", "before"),
        ("after=-1", "after"),
        ("after=1.5", "after"),
        ("after=99999999999999999999999", "after"),
        ("limit=-1", "limit"),
        ("limit=0", "limit"),
        ("limit=100000", "limit"),
        ("limit=ten", "limit"),
        ("before=5&after=2", "before/after"),
    ],
)
def test_a_bad_parameter_is_a_400_naming_it(signed_in, query, parameter):
    response = signed_in.get(f"/api/messages/?{query}")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["parameter"] == parameter and response.json()["detail"]


def test_an_anonymous_request_gets_401_json(client):
    response = client.get("/api/messages/")
    assert response.status_code == 401 and response.json()["error"] == "not_authenticated"


def test_only_get_is_allowed(signed_in):
    assert signed_in.post("/api/messages/").status_code in (403, 405)


def test_healthz_says_ok_when_the_database_and_the_channel_layer_answer(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "channel_layer": "ok"}


def test_text_is_sent_as_written_so_a_browser_shows_it_in_any_language(client, make_user):
    # The guide has participants read these answers in the browser: Japanese must not come as \u escapes.
    alice = make_user("alice")
    client.force_login(alice)
    store_message(alice, "こんにちは", None)
    page = client.get("/api/messages/?limit=1").content.decode("utf-8")
    assert '"message": "こんにちは"' in page
    refused = client.get("/api/messages/?limit=1000", HTTP_ACCEPT_LANGUAGE="ja").content.decode("utf-8")
    assert '"detail": "この値は 200 以下でなければなりません。"' in refused


def test_every_api_endpoint_answers_401_json_to_someone_not_signed_in(client, transactional_db):
    from chat.urls import urlpatterns

    endpoints = [str(p.pattern).replace("<int:message_id>", "1") for p in urlpatterns if str(p.pattern).startswith("api/")]
    assert len(endpoints) >= 5
    for endpoint in endpoints:
        response = client.get(f"/{endpoint}")
        assert (response.status_code, response.json()["error"]) == (401, "not_authenticated"), endpoint
