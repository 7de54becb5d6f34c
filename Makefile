# 教研流 Jiaoyan Flow. Two commands: `make run` (everything up on embedded defaults), `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install bootstrap worker api system-deps bench chaos soak soak-short patches lock clean backup restore backup-verify upgrade compose-backup compose-restore

run: $(STAMP)
	$(BIN)/python -m scripts.run_stack

test: $(STAMP) system-deps
	bash scripts/test.sh

install: $(STAMP)

# Reinstall only when the pins change. The locks pin the whole tree (make lock rebuilds them).
$(STAMP): requirements.lock requirements-dev.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.lock
	touch $(STAMP)

# Debian packages some tests use (PostgreSQL server, Chromium + Chinese fonts); installs when root.
system-deps:
	bash scripts/system-deps.sh

bootstrap: $(STAMP)
	$(BIN)/python -m scripts.bootstrap

worker: $(STAMP)
	$(BIN)/python worker.py

api: $(STAMP)
	$(BIN)/python -m scripts.serve_api

bench: $(STAMP)
	for b in benchmarks/bench_*.py; do $(BIN)/python -m benchmarks.$$(basename $$b .py) || exit 1; done

# The notification fault tests at county size and with the production timings (20 s claims, 5 s
# between rounds: the resume time is the real one); figures in test-artifacts/faults/figures.txt.
chaos: $(STAMP) system-deps
	FAULT_TEACHERS=10000 FAULT_LEASE_SECONDS=20 FAULT_ROUND_RETRY_SECONDS=5 \
		bash scripts/test.sh -q tests/test_notification_faults.py

# A county term (5,000 teachers, 30 clusters, three campaigns, a series per cluster) compressed to ~25
# minutes under faults drawn from the seed, every promise checked at the end: README, Soak. The
# report: test-artifacts/soak/report.html. `make soak DB=postgres SEED=7`.
DB ?= sqlite
SEED ?= 1
soak: $(STAMP) system-deps
	$(BIN)/python -m soak --profile term --db $(DB) --seed $(SEED)

# The short soak (about 3 minutes) as a test, alone: beside the rest of the suite on 2 cores it would
# take `make test` past its 15 minutes (README, Soak).
soak-short: $(STAMP) system-deps
	SOAK_SHORT=1 bash scripts/test.sh -q tests/test_soak.py

# Which workflow patches can be retired: open runs started before each one's release, counted on
# the configured Temporal server (the table GET /api/v1/runs/patches answers).
patches: $(STAMP)
	$(BIN)/python -m scripts.patches

# Operations (README, Operations). A backup of both databases while everything runs; a restore only
# while stopped (it keeps what was there first); a verify into a scratch directory; an upgrade after
# pulling: stop, backup, migrate once, run.
backup: $(STAMP)
	$(BIN)/python -m scripts.backup

restore: $(STAMP)
	$(BIN)/python -m scripts.backup restore "$(FILE)"

backup-verify: $(STAMP)
	$(BIN)/python -m scripts.backup verify "$(FILE)"

upgrade: $(STAMP)
	$(BIN)/python -m scripts.upgrade

# The same on compose (PostgreSQL): API, workers and Temporal stopped for the seconds the dumps take,
# so the three databases are of one instant; started again whatever happened.
COMPOSE_QUIESCE := api worker temporal
compose-backup:
	docker compose stop $(COMPOSE_QUIESCE)
	docker compose run --rm backup; status=$$?; docker compose start $(COMPOSE_QUIESCE); exit $$status

compose-restore:
	docker compose stop $(COMPOSE_QUIESCE)
	docker compose run --rm backup python -m scripts.backup restore "/app/var/backups/$(notdir $(FILE))"; \
		status=$$?; docker compose start $(COMPOSE_QUIESCE); exit $$status

# After changing pyproject.toml: rebuild both locks from a clean venv.
lock:
	PYTHON=$(PYTHON) bash scripts/lock.sh

clean:
	rm -rf $(VENV) var .pytest_cache
