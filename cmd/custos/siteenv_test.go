package main

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// site show --env prints the credentials that --json prints, as shell
// assignments a shell evaluates back to the same values.
func TestSiteEnv(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "custos.db")
	created := mustCustos(t, "site", "create", "--db", db, "--name", "shop", "--env")
	var site struct {
		SiteID         int64
		APIKey, Secret string
	}
	if err := json.Unmarshal([]byte(mustCustos(t, "site", "show", "--db", db, "--id", "1", "--json")), &site); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("SITE_ID=%d\nAPI_KEY='%s'\nSECRET='%s'\n", site.SiteID, site.APIKey, site.Secret)
	if shown := mustCustos(t, "site", "show", "--db", db, "--id", "1", "--env"); created != want || shown != want {
		t.Fatalf("create --env = %q, show --env = %q, want %q", created, shown, want)
	}
	rotated := mustCustos(t, "site", "rotate-secret", "--db", db, "--id", "1", "--env")
	if rotated == want || !strings.HasPrefix(rotated, "SITE_ID=1\nAPI_KEY='"+site.APIKey+"'\nSECRET='") {
		t.Fatalf("rotate-secret --env = %q", rotated)
	}
	if _, err := custos(t, "site", "show", "--db", db, "--id", "1", "--json", "--env"); err == nil {
		t.Fatal("--json with --env was accepted")
	}
}

func TestShellQuote(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	for _, s := range []string{"", "a+b/c==", "it's", `"$HOME" \ ; *`} {
		out, err := exec.Command(bash, "-c", "printf %s "+shellQuote(s)).Output()
		if err != nil || string(out) != s {
			t.Errorf("bash read %s as %q (%v), want %q", shellQuote(s), out, err, s)
		}
	}
}
