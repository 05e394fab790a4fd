package catalogdoc_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"testing"

	"github.com/custos-id/custos/internal/catalogdoc"
)

var update = flag.Bool("update", false, "rewrite docs/errors.md")

const docPath = "../../docs/errors.md"

// docs/errors.md must be what the catalog generates.
func TestErrorsMarkdownIsCurrent(t *testing.T) {
	var b bytes.Buffer
	if err := catalogdoc.WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(docPath, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, b.Bytes()) {
		t.Fatal("docs/errors.md is stale: run `make docs`")
	}
}

func TestJSON(t *testing.T) {
	var b bytes.Buffer
	if err := catalogdoc.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	var codes []map[string]any
	if err := json.Unmarshal(b.Bytes(), &codes); err != nil {
		t.Fatal(err)
	}
	if len(codes) < 108 {
		t.Fatalf("%d codes", len(codes))
	}
	for _, c := range codes {
		for _, k := range []string{"errorCode", "errorMessage", "description", "statusCode", "statusReason", "error"} {
			if _, ok := c[k]; !ok {
				t.Fatalf("code %v lacks %s", c["errorCode"], k)
			}
		}
	}
}
