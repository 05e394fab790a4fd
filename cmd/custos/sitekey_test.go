package main

import (
	"bytes"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/custos-id/custos/internal/store"
	"github.com/custos-id/custos/internal/store/storetest"
	"github.com/custos-id/custos/internal/token"
	"github.com/custos-id/custos/internal/token/tokentest"
)

// rotate-key makes its keys with the generator it is given: here
// tokentest's, so that the test generates no RSA key. A site's first key
// signs at once; a later one is published at once and signs CacheTTL later.
func TestSiteRotateKey(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			made, next := 0, tokentest.KeyGen()
			keyGen := func() (*rsa.PrivateKey, error) { made++; return next() }
			args := []string{"--db", storetest.URL(t, engine)}
			if engine == store.Postgres {
				key := filepath.Join(t.TempDir(), "master.key")
				os.WriteFile(key, []byte(base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{3}, 32))+"\n"), 0o600)
				args = append(args, "--master-key-file", key)
			}
			mustCustos(t, append([]string{"site", "create", "--name", "Keys"}, args...)...)
			rotate := func() (kid string, live []string) {
				t.Helper()
				var out struct {
					SiteID     int64     `json:"siteId"`
					KID        string    `json:"kid"`
					ActivateAt time.Time `json:"activateAt"`
					Live       []string  `json:"liveKids"`
				}
				start := time.Now().Truncate(time.Millisecond)
				text, err := custosWith(t, keyGen, append([]string{"site", "rotate-key", "--id", "1", "--json"}, args...)...)
				if err != nil {
					t.Fatal(err)
				}
				end := time.Now()
				if err := json.Unmarshal([]byte(text), &out); err != nil || out.SiteID != 1 {
					t.Fatalf("rotate-key --json: %+v, %v", out, err)
				}
				if pending := len(out.Live) > 1; out.ActivateAt.Before(start) ||
					pending && out.ActivateAt.Before(start.Add(token.CacheTTL)) ||
					!pending && out.ActivateAt.After(end) {
					t.Fatalf("rotated between %v and %v: activateAt %v, live %v", start, end, out.ActivateAt, out.Live)
				}
				return out.KID, out.Live
			}
			first, live := rotate()
			if !slices.Equal(live, []string{first}) {
				t.Fatalf("first rotation: kid %s, live %v", first, live)
			}
			second, live := rotate()
			// The signing key first, then the pending one.
			if second == first || !slices.Equal(live, []string{first, second}) {
				t.Fatalf("second rotation: kid %s, live %v; want [%s %s]", second, live, first, second)
			}
			// Text: a third key, queued after the pending second.
			text, err := custosWith(t, keyGen, append([]string{"site", "rotate-key", "--id", "1"}, args...)...)
			lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
			if err != nil || len(lines) != 4 || !strings.HasPrefix(lines[1], "kid:       ") ||
				!strings.HasPrefix(lines[2], "signs at:  ") || lines[3] != "live kids: "+first+", "+second+", "+strings.TrimPrefix(lines[1], "kid:       ") {
				t.Fatalf("rotate-key: %q, %v", text, err)
			}
			for _, bad := range [][]string{{"site", "rotate-key"}, {"site", "rotate-key", "--id", "99"}} {
				if _, err := custosWith(t, keyGen, append(bad, args...)...); err == nil {
					t.Errorf("%v succeeded", bad)
				}
			}
			if made != 3 {
				t.Errorf("the key generator made %d keys for 3 rotations", made)
			}
		})
	}
}
