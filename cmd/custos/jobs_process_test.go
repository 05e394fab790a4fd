package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/custos-id/custos/internal/store"
	"github.com/custos-id/custos/internal/store/storetest"
)

// An import job whose process is killed (SIGKILL) after its first batch is
// taken again by the next process on the same database once its lease
// ends, and finishes from where the batch left it: every line imported
// once (createUID lines, which would be imported twice if repeated).
func TestJobResumesAfterKill(t *testing.T) {
	const lines, batch = 1200, 500
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			args := []string{"--db", storetest.URL(t, engine)}
			if engine == store.Postgres {
				key := filepath.Join(t.TempDir(), "master.key")
				os.WriteFile(key, []byte(base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{5}, 32))), 0o600)
				args = append(args, "--master-key-file", key)
			}
			var site struct{ APIKey, Secret string }
			if err := json.Unmarshal([]byte(mustCustos(t, append([]string{"site", "create", "--name", "p", "--json"}, args...)...)), &site); err != nil {
				t.Fatal(err)
			}
			args = append(args, "--job-lease", "1s", "--rate-limit", "0") // the test polls
			call := func(base, method string, params url.Values) map[string]any {
				t.Helper()
				params.Set("apiKey", site.APIKey)
				params.Set("secret", site.Secret)
				res, err := http.PostForm(base+"/"+method, params)
				if err != nil {
					t.Fatal(err)
				}
				defer res.Body.Close()
				var out map[string]any
				if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
					t.Fatal(err)
				}
				return out
			}
			// wait polls the job's status until done says so (at most a minute).
			wait := func(base, id string, done func(map[string]any) bool) map[string]any {
				t.Helper()
				for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
					if st := call(base, "accounts.getJobStatus", url.Values{"jobId": {id}}); done(st) {
						return st
					}
				}
				t.Fatalf("job %s: no end in sight", id)
				return nil
			}
			var in strings.Builder
			for i := range lines {
				fmt.Fprintf(&in, `{"createUID":true,"loginIDs":{"emails":["u%d@example.com"]},"emails":{"verified":["u%d@example.com"]}}`+"\n", i, i)
			}

			t.Setenv("CUSTOS_TEST_JOB_PAUSE_AFTER", fmt.Sprint(batch))
			first, proc := startProcessCmd(t, args...)
			os.Unsetenv("CUSTOS_TEST_JOB_PAUSE_AFTER")
			sub := call(first, "accounts.importJob", url.Values{"accounts": {in.String()}})
			id, _ := sub["jobId"].(string)
			if sub["errorCode"] != 0.0 || id == "" {
				t.Fatalf("importJob: %v", sub)
			}
			st := wait(first, id, func(st map[string]any) bool { return st["progress"] == float64(batch) })
			if st["errorCode"] != 100001.0 || st["statusCode"] != 100.0 || st["state"] != "running" {
				t.Fatalf("paused job: %v", st)
			}
			if err := proc.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			proc.Wait()

			second := startProcess(t, args...)
			st = wait(second, id, func(st map[string]any) bool { return st["errorCode"] != 100001.0 })
			if st["errorCode"] != 0.0 || st["state"] != "done" || st["imported"] != float64(lines) ||
				st["failed"] != 0.0 || st["lines"] != float64(lines) {
				t.Fatalf("resumed job: %v", st)
			}

			// The accounts, read back by an export job: each line once.
			sub = call(second, "accounts.exportJob", url.Values{})
			st = wait(second, sub["jobId"].(string), func(st map[string]any) bool { return st["errorCode"] != 100001.0 })
			if st["errorCode"] != 0.0 || st["accounts"] != float64(lines) {
				t.Fatalf("export: %v", st)
			}
			seen := map[string]bool{}
			for _, l := range strings.Split(strings.TrimSpace(st["data"].(string)), "\n") {
				var doc struct{ LoginIDs struct{ Emails []string } }
				if err := json.Unmarshal([]byte(l), &doc); err != nil || len(doc.LoginIDs.Emails) != 1 {
					t.Fatalf("export line %q: %v", l, err)
				}
				seen[doc.LoginIDs.Emails[0]] = true
			}
			if len(seen) != lines {
				t.Fatalf("%d distinct accounts exported, want %d", len(seen), lines)
			}
		})
	}
}
