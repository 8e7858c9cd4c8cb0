# kc3chat: `make run` serves the chat, `make test` checks it. Both start from a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export DEBUG ?= true

.PHONY: run test migrate bench soak clean serve collectstatic messages

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

migrate: $(BIN)/.installed
	$(BIN)/python manage.py migrate --noinput

run: migrate
	$(BIN)/uvicorn config.asgi:application --host $(HOST) --port $(PORT) --ws-max-size 65536 \
	--ws-per-message-deflate false

# Production: several worker processes, static files collected for WhiteNoise, migrations left to
# `make migrate` (run once per deploy, not per process). Needs SECRET_KEY and ALLOWED_HOSTS
# (.env.example). On SIGTERM uvicorn closes every socket with 1012 (service restart): pages reconnect.
# No per-message compression: chat frames are small, and deflate cost 1.5-2x the CPU per delivery
# and about 46 KiB per connection (bench/RESULTS.md).
WORKERS ?= 2
WS_IMPLEMENTATION ?= websockets-sansio
SERVE_COMMAND = uvicorn config.asgi:application --host $(HOST) --port $(PORT) --workers $(WORKERS) \
	--ws $(WS_IMPLEMENTATION) --ws-max-size 65536 --ws-per-message-deflate false \
	--timeout-graceful-shutdown 10 --no-access-log

collectstatic: $(BIN)/.installed
	DEBUG=false $(BIN)/python manage.py collectstatic --noinput -v0

serve: export DEBUG = false
serve: collectstatic
	$(BIN)/$(SERVE_COMMAND)

# Needs PostgreSQL and Redis on 127.0.0.1 (bench/run.py); BENCH_ARGS=--quick for a shorter run.
bench: $(BIN)/.installed
	$(BIN)/pip install --quiet -e '.[test,bench]'
	$(BIN)/python -m bench.run $(BENCH_ARGS)

# 10 minutes of 1000 clients and 50 messages/s on two server processes (SOAK_ARGS="--minutes 1").
soak: $(BIN)/.installed
	$(BIN)/pip install --quiet -e '.[test,bench]'
	$(BIN)/python -m bench.soak $(SOAK_ARGS)

test: $(BIN)/.installed
	$(BIN)/python -m tests.run

# After changing translatable text: update locale/*/django.po, translate, then commit .po and .mo.
messages: $(BIN)/.installed
	command -v msgfmt >/dev/null || (apt-get update && apt-get install -y gettext)
	$(BIN)/python manage.py makemessages -l ja -l en --ignore '.venv/*' --ignore 'tests/*' --ignore 'staticfiles/*'
	$(BIN)/python manage.py compilemessages --ignore '.venv/*'

clean:
	rm -rf $(VENV) db staticfiles
