# throttlelab — run `make help` for the targets.
SHELL := /bin/bash
GO    ?= go
BIN   := bin/throttlelab
NAME  ?= burst
MODE  ?=
ARGS  ?=
# How long `make fuzz` runs each fuzz target (`make test` runs them 5s each). Minimizing a new
# input is capped at 5s: the default, 60s, would take a short run's whole time.
FUZZTIME ?= 10s
FUZZ  := ./scenarios:FuzzLoadBytes ./cfnimport:FuzzImport ./fakeapi:FuzzHandler \
         ./trace:FuzzParseAPIGWJSON ./trace:FuzzParseAPIGWCLF ./trace:FuzzParseALB \
         ./trace:FuzzParseVegeta ./trace:FuzzParseCSV
# The profile that guides the compiler's optimizations (go build picks it up by itself for
# the binary; the simulator's benchmarks use it too, so they measure what users run).
PGO   := cmd/throttlelab/default.pgo

# The commit the binary is built from, for `throttlelab version`: Go records none itself in a
# linked git worktree or under GOFLAGS=-buildvcs=false. Empty outside a git checkout.
COMMIT   := $(shell git rev-parse HEAD 2>/dev/null)
MODIFIED := $(shell test -n "$$(git status --porcelain 2>/dev/null)" && echo true)
LDFLAGS  := -X main.commit=$(COMMIT) -X main.modified=$(MODIFIED)

.DEFAULT_GOAL := help
.PHONY: help build test race agree fuzz tools docker scenario bench pgo lint list validate clean

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

build: ## build bin/throttlelab (`bin/throttlelab version` names the commit)
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/throttlelab

test: tools docker ## vet, then run every test (what CI runs); installs or starts what they need first
	$(GO) vet ./...
	$(GO) test -p 1 -count=1 -timeout 25m ./...
	$(MAKE) --no-print-directory race
	$(MAKE) --no-print-directory agree
	$(MAKE) --no-print-directory fuzz FUZZTIME=5s

race: ## the race detector on the engine, the simulator and the live driver (live: its race smoke runs)
	$(GO) test -race -short -p 1 -count=1 -timeout 15m ./engine/ ./sim/
	$(GO) test -race -count=1 -timeout 10m -run 'TestRace|TestConformance|TestLiveOnSQSAndDynamoDB' ./live/

agree: ## sim and live held together on every catalog scenario, shortened, and the engine's hard paths
	THROTTLELAB_AGREE=1 $(GO) test -count=1 -timeout 25m -run '^TestAgree$$' -v ./live/ | grep -v '^=== RUN'; exit $${PIPESTATUS[0]}

fuzz: ## run each fuzz target for FUZZTIME (default 10s); a crasher is saved under testdata/fuzz
	@for t in $(FUZZ); do \
		echo "fuzz $${t#*:} ($${t%%:*}, $(FUZZTIME))"; \
		$(GO) test -run '^$$' -fuzz "^$${t#*:}$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 5s $${t%%:*} || exit 1; \
	done

tools: ## install the SQS and DynamoDB emulators (npm fauxqs, dynalite) into .tools/
	bash scripts/tools.sh

docker: ## make sure a Docker engine answers (as root on Debian: install docker.io, start dockerd)
	bash scripts/docker.sh

scenario: build ## run a scenario: make scenario NAME=burst [MODE=sim] [ARGS="--seed 7"]
	./$(BIN) run $(NAME) $(if $(MODE),--mode $(MODE)) $(ARGS)

list: build ## list the scenario catalog
	./$(BIN) list

validate: build ## validate every catalog scenario (or FILES="a.yaml b.yaml")
	./$(BIN) validate $(or $(FILES),$(wildcard scenarios/*.yaml))

bench: ## benchmarks, including a simulated day of 172.8 M requests
	$(GO) test -run '^$$' -bench . -benchmem ./model/ ./metrics/
	$(GO) test -run '^$$' -bench . -benchtime 1x -timeout 30m -pgo=$(CURDIR)/$(PGO) ./sim/
	$(GO) test -run '^$$' -bench 'Live' -benchtime 1x -timeout 10m ./live/

pgo: ## refresh cmd/throttlelab/default.pgo from three simulated hours (after changing hot code)
	$(GO) test -run '^$$' -bench 'Hour' -benchtime 1x -count 3 -cpuprofile $(CURDIR)/$(PGO) -o /tmp/throttlelab-pgo.test ./sim/

lint: ## gofmt and go vet
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

clean: ## remove the binary and run results
	rm -rf bin results
