"""Settings come from the environment, with safe defaults and no committed secret."""

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.stack_independent

PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "a-production-secret-" + "x" * 50,
    "ALLOWED_HOSTS": "chat.example.org",
    "HTTPS": "true",
    "DATABASE_URL": "",
    "REDIS_URL": "",
}


def manage(*args, **env):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True
    )


def test_production_settings_pass_check_deploy_with_nothing_to_report():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_without_debug_a_secret_key_is_required():
    result = manage("check", **{**PRODUCTION, "SECRET_KEY": ""})
    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr


def test_a_malformed_rate_limit_is_named_in_the_error():
    result = manage("check", **{**PRODUCTION, "CHAT_RATE_LIMIT": "fast"})
    assert result.returncode != 0 and "CHAT_RATE_LIMIT='fast'" in result.stderr


def test_a_setting_by_its_former_name_is_refused_naming_the_new_one():
    result = manage("check", **{**PRODUCTION, "CHAT_POSTS_IN_FLIGHT": "8"})
    assert result.returncode != 0 and "CHAT_POSTS_IN_FLIGHT is now called CHAT_CHANGES_IN_FLIGHT" in result.stderr


def test_a_half_configured_redis_is_refused_saying_what_to_set():
    result = manage("check", **{**PRODUCTION, "REDIS_SENTINELS": "10.0.0.1:26379,10.0.0.2:26379"})
    assert result.returncode != 0 and "REDIS_SENTINELS needs REDIS_SENTINEL_MASTER" in result.stderr
    both = {"REDIS_URL": "redis://10.0.0.1:6379/0", "REDIS_SENTINELS": "10.0.0.1:26379", "REDIS_SENTINEL_MASTER": "m"}
    result = manage("check", **{**PRODUCTION, **both})
    assert result.returncode != 0 and "REDIS_URL (one Redis) or REDIS_SENTINELS (Sentinel), not both" in result.stderr
    result = manage("check", **{**PRODUCTION, "REDIS_SENTINELS": "10.0.0.1", "REDIS_SENTINEL_MASTER": "m"})
    assert result.returncode != 0 and "REDIS_SENTINELS: '10.0.0.1' is not host:port" in result.stderr


def test_the_environment_sets_the_chat_limits():
    from config import environment

    os.environ["KC3_TEST_RATE"] = "3/7"
    try:
        assert environment.rate("KC3_TEST_RATE", "5/10") == (3.0, 7)
        os.environ["KC3_TEST_RATE"] = "0"
        assert environment.rate("KC3_TEST_RATE", "5/10")[0] == 0
    finally:
        del os.environ["KC3_TEST_RATE"]


def test_migrations_are_checked_in():
    result = manage("makemigrations", "--check", "--dry-run", DEBUG="true")
    assert result.returncode == 0, result.stdout


def test_a_database_url_naming_a_primary_and_its_standby_reaches_psycopg_as_libpq_host_lists():
    # libpq's multi-host form: the pool tries the hosts in order and keeps the one that takes writes.
    script = (
        "import json\n"
        "from django.db import connection\n"
        "params = connection.get_connection_params()\n"
        "print(json.dumps({key: params.get(key) for key in ('host', 'port', 'dbname', 'user', 'password',"
        " 'target_session_attrs', 'connect_timeout')}))\n"
    )
    url = "postgres://chat:s%40cret@10.0.0.1:5433,db-two,[::1]:5434/kc3chat?target_session_attrs=read-write&connect_timeout=3"
    result = manage("shell", "-c", script, DEBUG="true", DATABASE_URL=url)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {
        "host": "10.0.0.1,db-two,::1",
        "port": "5433,5432,5434",
        "dbname": "kc3chat",
        "user": "chat",
        "password": "s@cret",
        "target_session_attrs": "read-write",
        "connect_timeout": 3,
    }


def test_several_hosts_are_refused_for_a_database_other_than_postgresql():
    result = manage("check", DEBUG="true", DATABASE_URL="mysql://u@a:3306,b:3306/chat")
    assert result.returncode != 0 and "several hosts work with PostgreSQL only" in result.stderr
