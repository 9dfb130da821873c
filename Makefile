# `make run` and `make test` work from a fresh clone: they build .venv from the lock files.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench setup clean backup restore

# node_modules holds axe-core for the accessibility tests, exactly as locked (again when the lock changes).
$(STAMP): requirements.lock requirements-dev.lock package-lock.json
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock -r requirements-dev.lock
	test node_modules/.package-lock.json -nt package-lock.json || npm ci --no-audit --no-fund
	touch $(STAMP)

setup: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py import_deck decks/data/fine-tuning-flashcards.txt

run: setup
	@echo "Log-ins:"
	@$(BIN)/python manage.py demo_accounts
	@echo "Flashsite is at http://127.0.0.1:8000/  (Ctrl-C stops it)"
	$(BIN)/python manage.py runserver 127.0.0.1:8000

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: setup lint
	$(BIN)/python -m pytest -n auto

bench: setup
	$(BIN)/python bench/run.py

# The database DATABASE_URL names (else db.sqlite3), copied while the site runs:
# SQLite's online backup API, or pg_dump. BACKUP=path, else backups/flashsite-<time>.
backup:
	$(BIN)/python manage.py backup_db $(BACKUP)

# Into a new, empty database; FORCE=1 replaces one that has data (stop the site first).
restore:
	@test -n "$(BACKUP)" || { echo "usage: make restore BACKUP=path/to/backup [FORCE=1]"; exit 2; }
	$(BIN)/python manage.py restore_db $(BACKUP) $(if $(FORCE),--force)

clean:
	rm -rf $(VENV) staticfiles
