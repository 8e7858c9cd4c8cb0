"""The container files are not run here (no Docker engine); this checks what can be checked: they
parse, and they name the same commands and settings as the Makefile and .env.example."""

import re
import shlex

import pytest
import yaml

from tests.conftest import ROOT

pytestmark = pytest.mark.stack_independent

READS = re.compile(r'env\.(?:text|flag|integer|words|rate)\("([A-Z_]+)"')


def _compose():
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def _env_example():
    lines = (ROOT / ".env.example").read_text().splitlines()
    return {line.split("=", 1)[0] for line in lines if line and not line.startswith("#")}


def _makefile_serve_command():
    text = (ROOT / "Makefile").read_text().replace("\\\n", " ")
    return shlex.split(re.search(r"^SERVE_COMMAND = (.*)$", text, re.M).group(1))


def _dockerfile_command():
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    return shlex.split(re.search(r"^CMD (.*)$", text, re.M).group(1))


def test_every_setting_the_app_reads_is_documented_in_env_example():
    read = set()
    for path in (ROOT / "config").glob("*.py"):
        read |= set(READS.findall(path.read_text()))
    assert read, "no env reads found: has config/environment.py changed its names?"
    assert read - _env_example() == set()


def test_compose_runs_two_app_replicas_on_one_redis_and_one_postgresql_with_health_checks():
    services = _compose()["services"]
    assert {"app", "migrate", "redis", "postgres"} <= set(services)
    assert services["app"]["deploy"]["replicas"] == 2
    for name in ("app", "redis", "postgres"):
        assert services[name]["healthcheck"]["test"], name
    assert "/healthz" in " ".join(services["app"]["healthcheck"]["test"])
    assert services["app"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_compose_migrates_with_the_makefiles_migrate_command():
    migrate = _compose()["services"]["migrate"]["command"]
    recipe = re.search(r"^migrate:.*\n\t(.*)$", (ROOT / "Makefile").read_text(), re.M).group(1)
    assert recipe.endswith(migrate.removeprefix("python ")), (recipe, migrate)


def test_compose_sets_only_documented_variables():
    compose = _compose()
    named = set()
    for service in ("app", "migrate"):
        named |= set(compose["services"][service].get("environment", {}))
    assert named and named - _env_example() == set()


def test_the_container_serves_with_the_same_command_as_make_serve():
    make, docker = _makefile_serve_command(), _dockerfile_command()
    assert make[:2] == docker[:2] == ["uvicorn", "config.asgi:application"]
    flags = lambda words: {w: words[i + 1] for i, w in enumerate(words) if w.startswith("--") and i + 1 < len(words) and not words[i + 1].startswith("--")}
    make_flags, docker_flags = flags(make), flags(docker)
    assert set(make_flags) == set(docker_flags)
    for flag in ("--ws-max-size", "--ws-per-message-deflate", "--timeout-graceful-shutdown"):
        assert make_flags[flag] == docker_flags[flag]
    # Both take the process count and WebSocket implementation from the same documented variables.
    assert docker_flags["--workers"] == "${WORKERS}" and make_flags["--workers"] == "$(WORKERS)"
    assert docker_flags["--ws"] == "${WS_IMPLEMENTATION}" and make_flags["--ws"] == "$(WS_IMPLEMENTATION)"
    assert {"WORKERS", "WS_IMPLEMENTATION"} <= _env_example()
