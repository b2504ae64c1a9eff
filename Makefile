# Shortcuts for the scripts in scripts/ (which need only Python and a POSIX shell).
.PHONY: run test test-real chat
run:
	./scripts/run
chat:
	./scripts/chat
test:
	./scripts/test
# The same suite against real PostgreSQL and Redis (what CI runs second).
test-real:
	TEST_DATABASE_URL=$${TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/cp_test} \
	TEST_REDIS_URL=$${TEST_REDIS_URL:-redis://127.0.0.1:6379/15} ./scripts/test
