package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/custos-id/custos/internal/apitest"
	"github.com/custos-id/custos/internal/password"
)

// BenchmarkImport100k imports 100,000 generated accounts into a new SQLite
// database with custos import, in batches of 500, and exports them again
// (docs/benchmarks.md):
//
//	go test ./cmd/custos -run '^$' -bench Import100k -benchtime 1x
func BenchmarkImport100k(b *testing.B) {
	const n = 100_000
	dir := b.TempDir()
	h, err := password.NewHasher(apitest.CheapHashing, 1)
	if err != nil {
		b.Fatal(err)
	}
	hash, err := h.Hash(context.Background(), "pw") // stored, never computed by the import
	if err != nil {
		b.Fatal(err)
	}
	file := filepath.Join(dir, "users.jsonl")
	f, err := os.Create(file)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	for i := range n {
		fmt.Fprintf(w, `{"UID":"u%d","created":"2020-01-02T03:04:05.000Z","lastLogin":"2024-05-06T07:08:09.000Z",`+
			`"loginIDs":{"emails":["user%d@example.com"],"username":"user%d"},"emails":{"verified":["user%d@example.com"]},`+
			`"profile":{"firstName":"First%d","lastName":"Last"},"data":{"plan":"gold","n":%d},"password":{"compoundHashedPassword":%q}}`+"\n",
			i, i, i, i, i, i, hash)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	f.Close()
	for i := 0; b.Loop(); i++ {
		db, site, _ := newSiteDB(b, filepath.Join(dir, fmt.Sprintf("bench%d.db", i)))
		out, err := custos(b, "import", "--db", db, "--site", site, "--progress", "1000000", file)
		if err != nil || out != fmt.Sprintf("imported %d, updated 0, failed 0\n", n) {
			b.Fatalf("import: %q %v", out, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/100k-accounts")
}
