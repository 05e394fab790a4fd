# The two commands of the README: `make run` (or `go run ./cmd/custos serve`)
# and `make test`, which starts everything the tests need by itself.
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2

.PHONY: run test check docs build bench

run:
	go run ./cmd/custos serve

# The whole suite with the race detector, on SQLite and on a throwaway
# PostgreSQL that scripts/with-postgres.sh installs, starts and removes,
# with Chromium for the browser tests (scripts/with-chromium.sh installs
# Debian's when missing); then the 10,000-account round trip of legacy hashes, which the race
# detector would make take minutes (with it, the test does 1,000).
test:
	./scripts/with-chromium.sh ./scripts/with-postgres.sh go test -race -count=1 -timeout 20m ./...
	go test -count=1 -run '^TestLegacyHashesRoundTrip$$' ./cmd/custos/

# Formatting, go vet and staticcheck.
check:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
		if [ -n "$$unformatted" ]; then echo "gofmt would change:"; echo "$$unformatted"; exit 1; fi
	go vet ./...
	go run $(STATICCHECK) ./...

# Regenerates docs/errors.md from the catalog.
docs:
	go run ./cmd/custos errors --markdown > docs/errors.md

build:
	go build -o custos ./cmd/custos

bench:
	go test -run '^$$' -bench . -benchmem ./...
