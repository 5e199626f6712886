# The two commands in the README: `make run` builds omeprov and shows its
# help; `make test` runs every test (unit, fuzz seeds, integration).
GO ?= go

.PHONY: build run test unit fuzz vet bench

build:
	$(GO) build -o bin/omeprov ./cmd/omeprov

run: build
	./bin/omeprov --help

vet:
	gofmt -l . | (! grep .)
	$(GO) vet ./...

unit:
	$(GO) test -count=1 -short ./...

# Brief fuzzing of the parsers (the seeds also run in every `go test`).
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzINI$$' -fuzztime 10s ./inventory/
	$(GO) test -run '^$$' -fuzz '^FuzzYAML$$' -fuzztime 10s ./inventory/
	$(GO) test -run '^$$' -fuzz '^FuzzUnmarshal$$' -fuzztime 10s ./internal/yaml11/
	$(GO) test -run '^$$' -fuzz '^FuzzTemplate$$' -fuzztime 10s ./template/
	$(GO) test -run '^$$' -fuzz '^FuzzLoad$$' -fuzztime 10s ./playbook/

test: vet
	$(GO) test -count=1 -timeout 60m ./...
	$(MAKE) fuzz

bench:
	bench/bench.sh
