# The portal's two everyday commands are `make run` and `make test`; both set up what they need themselves.
SHELL := /bin/bash
GO ?= go
DATA ?= .data

.PHONY: run test test-repeat fuzz build generate check-generated lint conformance conformance-peer record bench bench-load migration clean-data

## run: start the portal on http://127.0.0.1:8080 (a local PostgreSQL under ./.data unless DATABASE_URL is set)
run: build
	scripts/run.sh bin/portal

## test: every test (unit, Postgres, HTTP end-to-end, browser), race detector on
TEST_CMD = scripts/test-env.sh $(GO) test -race -count=1 -timeout 30m ./...
test: check-generated lint
	$(TEST_CMD)

## test-repeat: make test's test command N times in a row (default 10), each with its own fresh environment,
## stopping at the first failure: make test-repeat N=10
N ?= 10
test-repeat: check-generated lint
	@for i in $$(seq 1 $(N)); do echo "=== test-repeat: run $$i of $(N)"; \
		$(TEST_CMD) || { echo "=== test-repeat: run $$i of $(N) failed"; exit 1; }; \
	done; echo "=== test-repeat: all $(N) runs passed"

## fuzz: every Go fuzz test (validators, form parsers) for FUZZTIME each (default 30s); make test runs only their
## seed corpora. A failure leaves its input under the package's testdata/fuzz/ for a regression test.
FUZZTIME ?= 30s
fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
		for fn in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
			echo "=== fuzz $$pkg $$fn ($(FUZZTIME))"; \
			$(GO) test -run '^$$' -fuzz "^$$fn\$$" -fuzztime $(FUZZTIME) $$pkg; \
		done; \
	done

build: generate
	CGO_ENABLED=0 $(GO) build -trimpath -o bin/portal ./cmd/portal

## generate: regenerate templ output (committed)
generate:
	$(GO) tool templ generate -log-level error

## check-generated: fail when committed *_templ.go files differ from their .templ sources
check-generated: generate
	@if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
		if [ -n "$$(git status --porcelain -- '*_templ.go')" ]; then \
			echo "generated templ files are out of date; run 'make generate' and commit:"; \
			git status --porcelain -- '*_templ.go'; exit 1; fi; \
	fi

## lint: go vet and gofmt
lint:
	$(GO) vet ./...
	@out=$$(gofmt -l $$(find . -name '*.go' -not -name '*_templ.go' -not -path './.data/*')); \
		if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

## conformance: the ispapi conformance suite against a real ISPConfig
## (needs ISPCONFIG_TEST_URL, ISPCONFIG_TEST_USER, ISPCONFIG_TEST_PASSWORD)
conformance:
	@[ -n "$$ISPCONFIG_TEST_URL" ] && [ -n "$$ISPCONFIG_TEST_USER" ] && [ -n "$$ISPCONFIG_TEST_PASSWORD" ] || \
		{ echo "set ISPCONFIG_TEST_URL (the json.php URL), ISPCONFIG_TEST_USER and ISPCONFIG_TEST_PASSWORD"; exit 2; }
	$(GO) test -count=1 -v -run 'Conformance' ./internal/ispapi/

## conformance-peer: conformance suite and differential test against a real ISPConfig built from
## ../shared/ispconfig/peer in a temporary directory (CI runs this after make test when ../shared exists)
conformance-peer:
	scripts/with-peer.sh scripts/peer-checks.sh

## record: re-record the real API's answers to the differential corpus (internal/ispapi/testdata/differential.json)
## from a freshly built peer; then make test replays them against the simulator
record:
	scripts/with-peer.sh env ISPAPI_DIFF_RECORD=1 $(GO) test -count=1 -run '^TestDifferentialPeer$$' ./internal/ispapi/

## bench: the benchmarks (ISPConfig client against the simulator; list pages against Postgres)
bench:
	scripts/test-env.sh $(GO) test -run '^$$' -bench . -benchmem $$($(GO) list ./... | grep -v /loadbench)

## bench-load: signed-in pages at 64 concurrent sessions with 100 and 100,000 rows, against their own SQL run
## directly, then 200 sessions for 60 s (PORTAL_BENCH_SECONDS, PORTAL_BENCH_ROUNDS, PORTAL_SOAK_SECONDS); see docs/load-bench.md
bench-load:
	scripts/test-env.sh $(GO) test -run '^$$' -bench '^Benchmark(Pages|Soak)$$' -benchtime=1x -timeout 60m ./internal/loadbench/

## migration: create a new numbered SQL migration, e.g. make migration name=add_plans
migration:
	@[ -n "$(name)" ] || { echo "usage: make migration name=NAME"; exit 2; }
	@n=$$(ls migrations/*.sql | wc -l); f=$$(printf "migrations/%05d_%s.sql" $$((n+1)) "$(name)"); \
		printf -- "-- +goose Up\n\n-- +goose Down\n" > $$f; echo "created $$f"

## clean-data: stop and delete the local development database under ./.data
clean-data:
	scripts/pg.sh stop $(DATA) || true
	rm -rf $(DATA)
