# kc3chat: `make run` serves the chat, `make test` checks it. Both start from a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export DEBUG ?= true

.PHONY: run test migrate admin bench soak clean serve serve-workers collectstatic messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Running the chat installs what it runs; `make test` adds the test tools (pytest, Playwright...).
# One stamp each, so either is brought up to date after the other.
$(VENV)/.installed-app: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

migrate: $(VENV)/.installed-app
	$(BIN)/python manage.py migrate --noinput

run: migrate
	$(BIN)/uvicorn config.asgi:application --host $(HOST) --port $(PORT) --ws-max-size 65536 \
	--ws-per-message-deflate false

# With DEBUG off, pages name the collected, hashed static files (staticfiles/staticfiles.json).
ifeq ($(filter 1 true yes on,$(shell echo '$(DEBUG)' | tr A-Z a-z)),)
run: collectstatic
endif

# An administrator for /admin/: asks for a name and a password.
admin: migrate
	$(BIN)/python manage.py createsuperuser

# Production: several worker processes, static files collected for WhiteNoise, migrations left to
# `make migrate` (run once per deploy, not per process). Needs SECRET_KEY and ALLOWED_HOSTS
# (.env.example). On SIGTERM uvicorn closes every socket with 1012 (service restart): pages reconnect.
# No per-message compression: chat frames are small, and deflate cost 1.5-2x the CPU per delivery
# and about 46 KiB per connection (bench/RESULTS.md).
# Without Redis the channel layer lives in one process: two workers would be two rooms, messages
# crossing only through the 2 s database poll, typing, presence and the rate limit per process. So
# without REDIS_URL (or REDIS_SENTINELS) `make serve` runs one worker and refuses more.
ifneq ($(REDIS_URL)$(REDIS_SENTINELS),)
WORKERS ?= 2
else
WORKERS ?= 1
endif
WS_IMPLEMENTATION ?= websockets-sansio
SERVE_COMMAND = uvicorn config.asgi:application --host $(HOST) --port $(PORT) --workers $(WORKERS) \
	--ws $(WS_IMPLEMENTATION) --ws-max-size 65536 --ws-per-message-deflate false \
	--timeout-graceful-shutdown 10 --no-access-log

collectstatic: $(VENV)/.installed-app
	DEBUG=false $(BIN)/python manage.py collectstatic --noinput -v0

serve: export DEBUG = false
serve: serve-workers collectstatic
	$(BIN)/$(SERVE_COMMAND)

serve-workers:
ifeq ($(REDIS_URL)$(REDIS_SENTINELS),)
ifneq ($(WORKERS),1)
	@echo "make serve: WORKERS=$(WORKERS) needs REDIS_URL (or REDIS_SENTINELS): without Redis each process would be a room of its own. Set REDIS_URL, or WORKERS=1." >&2; exit 1
endif
	@echo "make serve: REDIS_URL is not set: one server process, with the in-memory channel layer. Set REDIS_URL (or REDIS_SENTINELS) to run several (WORKERS)."
endif

# Needs PostgreSQL and Redis on 127.0.0.1 (bench/run.py); BENCH_ARGS=--quick for a shorter run.
bench: $(VENV)/.installed-test
	$(BIN)/pip install --quiet -e '.[test,bench]'
	$(BIN)/python -m bench.run $(BENCH_ARGS)

# 10 minutes of 1000 clients and 50 messages/s on two server processes (SOAK_ARGS="--minutes 1").
soak: $(VENV)/.installed-test
	$(BIN)/pip install --quiet -e '.[test,bench]'
	$(BIN)/python -m bench.soak $(SOAK_ARGS)

# Both stamps first: the tests run `make run` from passes that run at once, which must not install.
test: $(VENV)/.installed-test $(VENV)/.installed-app
	$(BIN)/python -m tests.run

# After changing translatable text: update locale/*/django.po, translate, then commit .po and .mo.
messages: $(VENV)/.installed-app
	command -v msgfmt >/dev/null || (apt-get update && apt-get install -y gettext)
	$(BIN)/python manage.py makemessages -l ja -l en --ignore '.venv/*' --ignore 'tests/*' --ignore 'staticfiles/*'
	$(BIN)/python manage.py compilemessages --ignore '.venv/*'

clean:
	rm -rf $(VENV) db staticfiles
