"""User names: one name per spelling whatever its case, held by the database itself, and no name
that passes for another by mixing alphabets whose letters look alike."""

import re
import threading

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.db.models.functions import Lower

from tests.conftest import PASSWORD
from tests.test_account_abuse import Browser

pytestmark = pytest.mark.django_db(transaction=True)

CASE_VARIANTS = ["alice", "Alice", "ALICE", "aLiCe", "alicE"]


def sign_up(client, username):
    return client.post("/accounts/signup/", {"username": username, "password1": PASSWORD, "password2": PASSWORD})


def names_like(username):
    return get_user_model().objects.annotate(folded=Lower("username")).filter(folded=username.lower()).count()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL: SQLite writes one at a time")
def test_five_sign_ups_at_once_of_one_name_in_different_cases_make_one_account(start_server):
    server = start_server()
    browsers = [Browser(server.url) for _ in CASE_VARIANTS]
    tokens = []
    for browser in browsers:
        status, page = browser.request("/accounts/signup/")
        assert status == 200
        tokens.append(re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1))
    start = threading.Barrier(len(browsers))
    answers = [None] * len(browsers)

    def sign_up_over_http(index):
        form = {"csrfmiddlewaretoken": tokens[index], "username": CASE_VARIANTS[index],
                "password1": PASSWORD, "password2": PASSWORD}
        start.wait()
        answers[index] = browsers[index].request("/accounts/signup/", form)

    threads = [threading.Thread(target=sign_up_over_http, args=(i,)) for i in range(len(browsers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    statuses = sorted(status for status, _ in answers)
    assert statuses == [302, 400, 400, 400, 400], statuses
    # The refused were told why, on the form, not with a server error.
    assert all("already exists" in page for status, page in answers if status == 400)
    assert names_like("alice") == 1


def test_the_database_refuses_a_second_name_differing_only_in_case(make_user):
    make_user("alice")
    with pytest.raises(IntegrityError), transaction.atomic():
        get_user_model().objects.create_user("ALICE", password=PASSWORD)
    assert names_like("alice") == 1


def test_a_case_variant_of_a_taken_name_is_refused_with_a_form_error(client, make_user):
    make_user("alice")
    response = sign_up(client, "Alice")
    assert response.status_code == 400 and "already exists" in response.content.decode()


@pytest.mark.parametrize("lookalike", ["\u0430lice", "\u0391laskaJazz", "p\u0430ypal_2"])  # Cyrillic а, Greek Α
def test_a_name_mixing_lookalike_letters_of_two_alphabets_is_refused_with_a_clear_message(client, lookalike):
    response = sign_up(client, lookalike)
    assert response.status_code == 400
    page = response.content.decode()
    assert "mixes letters of different alphabets" in page and "Write it in one alphabet" in page
    assert not get_user_model().objects.filter(username=lookalike).exists()


@pytest.mark.parametrize("name", ["たろう", "山田たろう", "ヤマダ太郎", "kenta_たろう", "Алиса", "Ελένη"])
def test_names_in_one_alphabet_or_in_japanese_writing_are_allowed(client, name):
    assert sign_up(client, name).status_code == 302
    assert get_user_model().objects.filter(username=name).exists()


def test_signing_in_ignores_the_case_of_the_name(client, make_user):
    make_user("alice")
    response = client.post("/accounts/login/", {"username": "ALICE", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_wrong_passwords_count_against_the_name_whatever_its_case(client, make_user):
    make_user("alice")
    for attempt in range(10):
        client.post("/accounts/login/", {"username": CASE_VARIANTS[attempt % 5], "password": "wrong"})
    assert client.post("/accounts/login/", {"username": "alice", "password": PASSWORD}).status_code == 429
