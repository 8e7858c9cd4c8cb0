"""Settings come from the environment, with safe defaults and no committed secret."""

import os
import subprocess
import sys

from tests.conftest import ROOT

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
