# The two commands: `make run` (the bot on embedded defaults) and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-real chat bench clean

$(STAMP): requirements.txt requirements-dev.txt
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/flask --app app dev

chat: $(STAMP)
	$(BIN)/flask --app app sim chat

test: $(STAMP)
	$(BIN)/python -m pytest

# The same suite against real PostgreSQL and Redis (what CI runs second).
test-real: $(STAMP)
	TEST_DATABASE_URL=$${TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/cp_test} \
	TEST_REDIS_URL=$${TEST_REDIS_URL:-redis://127.0.0.1:6379/15} $(BIN)/python -m pytest

clean:
	rm -rf $(VENV) instance
