package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/custos-id/custos/internal/store"
	"github.com/custos-id/custos/internal/store/storetest"
)

// The command makes real keys: two rotations per engine generate four.
func TestSiteRotateKey(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
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
					SiteID int64    `json:"siteId"`
					KID    string   `json:"kid"`
					Live   []string `json:"liveKids"`
				}
				if err := json.Unmarshal([]byte(mustCustos(t, append([]string{"site", "rotate-key", "--id", "1", "--json"}, args...)...)), &out); err != nil || out.SiteID != 1 {
					t.Fatalf("rotate-key --json: %+v, %v", out, err)
				}
				return out.KID, out.Live
			}
			first, live := rotate()
			if !slices.Equal(live, []string{first}) {
				t.Fatalf("first rotation: kid %s, live %v", first, live)
			}
			second, live := rotate()
			if second == first || !slices.Equal(live, []string{second, first}) {
				t.Fatalf("second rotation: kid %s, live %v; want [%s %s]", second, live, second, first)
			}
			for _, bad := range [][]string{{"site", "rotate-key"}, {"site", "rotate-key", "--id", "99"}} {
				if _, err := custos(t, append(bad, args...)...); err == nil {
					t.Errorf("%v succeeded", bad)
				}
			}
		})
	}
}
