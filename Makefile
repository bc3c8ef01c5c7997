# Two commands do all the set-up: `make run` (the app on a demo clinic) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-package package lint demo clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/casemgr demo --if-missing
	$(BIN)/casemgr

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q

test-package: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q -m packaging -s

package: $(STAMP)
	$(BIN)/pyinstaller --noconfirm --log-level WARN packaging/casemgr.spec
	@du -sh dist/casemgr

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

demo: $(STAMP)
	$(BIN)/casemgr demo --force

clean:
	rm -rf $(VENV) build *.egg-info
