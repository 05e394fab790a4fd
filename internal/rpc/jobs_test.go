package rpc_test

// accounts.importJob, exportJob and getJobStatus: every answer, through
// HTTP on both engines. The tests run the jobs themselves (Jobs.RunDue):
// no runner works in the background of apitest's apps.

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/custos-id/custos/internal/apitest"
	"github.com/custos-id/custos/internal/job"
)

func jobStatus(t *testing.T, e *apitest.App, id string, kv ...string) map[string]any {
	t.Helper()
	return e.Call(t, "accounts.getJobStatus", e.Secret(append([]string{"jobId", id}, kv...)...))
}

func TestImportJob(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		lines := strings.Join([]string{
			`{"UID":"job-1","loginIDs":{"emails":["one@job.example"]}}`,
			``,
			`not json`,
			`{"UID":"job-2","loginIDs":{"emails":["two@job.example"]},"profile":{"firstName":"Two"}}`,
			`{"UID":"job-3","loginIDs":{"emails":["one@job.example"]}}`,
			`{"UID":"job-1","importPolicy":"upsert","profile":{"firstName":"One"}}`,
		}, "\n")
		m := e.Call(t, "accounts.importJob", e.Secret("accounts", lines))
		apitest.ExpectRPC(t, m, 0, "")
		id, _ := m["jobId"].(string)
		if id == "" {
			t.Fatalf("no jobId: %s", apitest.Dump(m))
		}
		m = jobStatus(t, e, id)
		apitest.ExpectRPC(t, m, 100001, "Data pending: the job is queued; query again")
		// statusCode 100 is no final HTTP status: asked for, the HTTP status is 200.
		if r, hm := e.RPC(t, "accounts.getJobStatus", e.Secret("jobId", id, "httpStatusCodes", "true"), nil); r.Status != 200 || hm["statusCode"] != 100.0 {
			t.Errorf("httpStatusCodes: HTTP %d, statusCode %v", r.Status, hm["statusCode"])
		}
		apitest.ExpectFields(t, m, map[string]any{"jobId": id, "kind": "import", "state": "queued", "progress": 0})
		if info := e.Call(t, "accounts.getAccountInfo", e.Secret("UID", "job-1")); info["errorCode"] == 0.0 {
			t.Fatal("a queued job imported")
		}

		if n := e.Jobs.RunDue(context.Background()); n != 1 {
			t.Fatalf("RunDue ran %d jobs", n)
		}
		m = jobStatus(t, e, id)
		apitest.ExpectRPC(t, m, 0, "")
		apitest.ExpectFields(t, m, map[string]any{"jobId": id, "kind": "import", "state": "done", "progress": 6,
			"lines": 6, "imported": 2, "updated": 1, "failed": 2})
		failures, _ := m["failures"].([]any)
		if len(failures) != 2 {
			t.Fatalf("failures %s", apitest.Dump(m["failures"]))
		}
		apitest.ExpectFields(t, failures[0].(map[string]any), map[string]any{"line": 3, "errorCode": 400004,
			"error": "Invalid parameter format: line: not a JSON object"})
		apitest.ExpectFields(t, failures[1].(map[string]any), map[string]any{"line": 5, "UID": "job-3", "errorCode": 400009,
			"error": "email has already been taken"})
		info := e.Call(t, "accounts.getAccountInfo", e.Secret("UID", "job-1"))
		apitest.ExpectRPC(t, info, 0, "")
		if p := apitest.Object(t, info, "profile"); p["firstName"] != "One" {
			t.Errorf("upserted profile %s", apitest.Dump(p))
		}
		if e.Jobs.RunDue(context.Background()) != 0 {
			t.Error("a done job ran again")
		}
	})
}

func TestExportJob(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		m := e.Call(t, "accounts.exportJob", e.Secret())
		apitest.ExpectRPC(t, m, 0, "")
		id := m["jobId"].(string)
		apitest.ExpectRPC(t, jobStatus(t, e, id), 100001, "Data pending: the job is queued; query again")
		e.Jobs.RunDue(context.Background())
		m = jobStatus(t, e, id)
		apitest.ExpectRPC(t, m, 0, "")
		apitest.ExpectFields(t, m, map[string]any{"state": "done", "kind": "export", "accounts": 1, "parts": 1, "progress": 1})
		apitest.ExpectAbsent(t, m, "nextCursorId")
		data, _ := m["data"].(string)
		if !strings.Contains(data, `"UID":"`+apitest.AnnUID+`"`) || strings.Count(data, "\n") != 1 {
			t.Errorf("data %q", data)
		}
		// A part past the end is empty.
		m = jobStatus(t, e, id, "cursorId", "1")
		apitest.ExpectRPC(t, m, 0, "")
		apitest.ExpectFields(t, m, map[string]any{"data": ""})
	})
}

// A job taken MaxAttempts times without finishing (its process died each
// time) fails, and its status is its error.
func TestJobGivesUp(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		id := e.Call(t, "accounts.exportJob", e.Secret())["jobId"].(string)
		// Each attempt's lease ended before the next, all before now.
		at := apitest.Now.Add(-10 * time.Hour)
		for range job.MaxAttempts {
			if _, ok, err := e.DB.ClaimJob(context.Background(), "dead", at, at.Add(time.Minute)); !ok || err != nil {
				t.Fatalf("ClaimJob: %v, %v", ok, err)
			}
			at = at.Add(time.Hour)
		}
		m := jobStatus(t, e, id)
		apitest.ExpectRPC(t, m, 100001, "Data pending: the job is running; query again")
		if n := e.Jobs.RunDue(context.Background()); n != 1 {
			t.Fatalf("RunDue ran %d jobs", n)
		}
		m = jobStatus(t, e, id)
		apitest.ExpectRPC(t, m, 500001, "the job stopped 5 times without finishing")
		apitest.ExpectFields(t, m, map[string]any{"jobId": id, "state": "failed", "kind": "export"})
	})
}

func TestJobStatusErrors(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		id := e.Call(t, "accounts.exportJob", e.Secret())["jobId"].(string)
		st2, err := e.App.Sites.Create(context.Background(), "other", nil)
		if err != nil {
			t.Fatal(err)
		}
		other := e.With(st2)
		for _, tt := range []struct {
			name    string
			call    map[string]any
			code    float64
			details string
		}{
			{"no jobId", e.Call(t, "accounts.getJobStatus", e.Secret()), 400002, "Missing required parameter: jobId"},
			{"unknown jobId", jobStatus(t, e, "nope"), 400006, "Invalid parameter value: jobId: no such job"},
			{"another site's job", jobStatus(t, other, id), 400006, "Invalid parameter value: jobId: no such job"},
			{"bad cursorId", jobStatus(t, e, id, "cursorId", "x"), 400004, "Invalid parameter format: cursorId: not a cursorId of this job"},
			{"no accounts", e.Call(t, "accounts.importJob", e.Secret()), 400002, "Missing required parameter: accounts"},
		} {
			t.Run(tt.name, func(t *testing.T) { apitest.ExpectRPC(t, tt.call, tt.code, tt.details) })
		}
	})
}

// A job under another process's lease waits for the lease to end, then
// this process takes it and finishes it.
func TestJobLeasedElsewhere(t *testing.T) {
	t.Parallel()
	apitest.ForEachClockEngine(t, func(t *testing.T, e *apitest.App, clock *apitest.Clock) {
		id := e.Call(t, "accounts.importJob", e.Secret("accounts", `{"UID":"leased-1"}`))["jobId"].(string)
		ctx := context.Background()
		if _, ok, err := e.DB.ClaimJob(ctx, "elsewhere", clock.Now(), clock.Now().Add(time.Minute)); !ok || err != nil {
			t.Fatalf("ClaimJob: %v, %v", ok, err)
		}
		if n := e.Jobs.RunDue(ctx); n != 0 {
			t.Fatalf("ran a job leased elsewhere (%d)", n)
		}
		apitest.ExpectRPC(t, jobStatus(t, e, id), 100001, "Data pending: the job is running; query again")
		clock.Advance(time.Minute)
		if n := e.Jobs.RunDue(ctx); n != 1 {
			t.Fatalf("RunDue after the lease ran %d jobs", n)
		}
		m := jobStatus(t, e, id)
		apitest.ExpectRPC(t, m, 0, "")
		apitest.ExpectFields(t, m, map[string]any{"state": "done", "imported": 1, "lines": 1})
	})
}
