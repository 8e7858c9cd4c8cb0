# kc3chat: `make run` serves the chat, `make test` checks it. Both start from a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export DEBUG ?= true

.PHONY: run test migrate bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

migrate: $(BIN)/.installed
	$(BIN)/python manage.py migrate --noinput

run: migrate
	$(BIN)/uvicorn config.asgi:application --host $(HOST) --port $(PORT) --ws-max-size 65536

test: $(BIN)/.installed
	$(BIN)/python -m tests.run

clean:
	rm -rf $(VENV) db staticfiles
