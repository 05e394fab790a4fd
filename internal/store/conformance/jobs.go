package conformance

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/custos-id/custos/internal/job"
	"github.com/custos-id/custos/internal/store"
)

func init() {
	register("jobs", testJobs, "Purge", "CreateJob", "Job", "ClaimJob", "SaveJobProgress", "FinishJob",
		"PutJobData", "DeleteJobData", "JobData", "WithJobTx")
}

// A job is taken by one owner at a time; another takes it only once the
// lease ended; progress and the end need the lease; the input goes with
// the end, the output stays.
func testJobs(t *testing.T, db *store.DB) {
	s := NewSite(t, db)
	must := func(step string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
	claim := func(step, owner string, now time.Time, wantOK bool) job.Job {
		t.Helper()
		j, ok, err := db.ClaimJob(ctx, owner, now, now.Add(time.Minute))
		if err != nil || ok != wantOK {
			t.Fatalf("%s: ClaimJob = %v, %v; want ok %v", step, ok, err, wantOK)
		}
		return j
	}
	claim("empty", "a", t0, false)
	in := job.Job{ID: unique("job"), SiteID: s.ID, Kind: job.Import, State: job.Queued, Params: []byte(`{}`),
		Result: []byte(`{}`), Created: t0, Updated: t0}
	must("CreateJob", db.CreateJob(ctx, in, [][]byte{[]byte("l1\n"), []byte("l2\n")}))
	if _, err := db.Job(ctx, s.ID+1, in.ID); !errors.Is(err, job.ErrNotFound) {
		t.Fatalf("Job of another site: %v, want ErrNotFound", err)
	}
	got, err := db.Job(ctx, s.ID, in.ID)
	must("Job", err)
	if got.State != job.Queued || got.Kind != job.Import || !got.Created.Equal(t0) || string(got.Result) != `{}` {
		t.Fatalf("Job = %+v", got)
	}

	j := claim("queued", "a", t0, true)
	if j.ID != in.ID || j.State != job.Running || j.Attempts != 1 {
		t.Fatalf("claimed %+v", j)
	}
	claim("leased", "b", t0.Add(59*time.Second), false)
	must("SaveJobProgress", db.SaveJobProgress(ctx, j.ID, "a", 7, []byte(`{"n":7}`), t0.Add(time.Second), t0.Add(2*time.Minute)))
	claim("lease extended", "b", t0.Add(90*time.Second), false)
	j = claim("lease ended", "b", t0.Add(2*time.Minute), true)
	if j.Progress != 7 || string(j.Result) != `{"n":7}` || j.Attempts != 2 {
		t.Fatalf("taken again: %+v", j)
	}
	if err := db.SaveJobProgress(ctx, j.ID, "a", 8, []byte(`{}`), t0, t0); !errors.Is(err, job.ErrLeaseLost) {
		t.Fatalf("SaveJobProgress by the old owner: %v, want ErrLeaseLost", err)
	}
	if err := db.FinishJob(ctx, j.ID, "a", job.Done, []byte(`{}`), "", t0); !errors.Is(err, job.ErrLeaseLost) {
		t.Fatalf("FinishJob by the old owner: %v, want ErrLeaseLost", err)
	}

	data, err := db.JobData(ctx, j.ID, job.PartInput, 1, 10)
	must("JobData", err)
	if len(data) != 1 || string(data[0]) != "l2\n" {
		t.Fatalf("JobData from 1 = %q", data)
	}
	// Output and progress together, or neither.
	boom := errors.New("boom")
	err = db.WithJobTx(ctx, func(tx job.Store) error {
		must("PutJobData", tx.PutJobData(ctx, j.ID, job.PartOutput, 0, []byte("o0")))
		must("SaveJobProgress in tx", tx.SaveJobProgress(ctx, j.ID, "b", 9, []byte(`{}`), t0, t0.Add(time.Hour)))
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("WithJobTx = %v", err)
	}
	if data, _ := db.JobData(ctx, j.ID, job.PartOutput, 0, 10); len(data) != 0 {
		t.Fatalf("rolled back output: %q", data)
	}
	must("WithJobTx", db.WithJobTx(ctx, func(tx job.Store) error {
		return tx.PutJobData(ctx, j.ID, job.PartOutput, 0, []byte("o0"))
	}))
	must("PutJobData", db.PutJobData(ctx, j.ID, job.PartOutput, 1, []byte("o1")))
	must("FinishJob", db.FinishJob(ctx, j.ID, "b", job.Done, []byte(`{"ok":1}`), "", t0.Add(3*time.Minute)))
	claim("done is not taken", "c", t0.Add(time.Hour), false)
	got, _ = db.Job(ctx, s.ID, j.ID)
	if got.State != job.Done || string(got.Result) != `{"ok":1}` || !got.Updated.Equal(t0.Add(3*time.Minute)) {
		t.Fatalf("finished: %+v", got)
	}
	if data, _ := db.JobData(ctx, j.ID, job.PartInput, 0, 10); len(data) != 0 {
		t.Fatalf("input after the end: %q", data)
	}
	out, _ := db.JobData(ctx, j.ID, job.PartOutput, 0, 10)
	if !slices.EqualFunc(out, []string{"o0", "o1"}, func(b []byte, s string) bool { return string(b) == s }) {
		t.Fatalf("output = %q", out)
	}
	must("DeleteJobData", db.DeleteJobData(ctx, j.ID, job.PartOutput))
	if data, _ := db.JobData(ctx, j.ID, job.PartOutput, 0, 10); len(data) != 0 {
		t.Fatalf("deleted output: %q", data)
	}

	// Purge: an ended job goes a week after its end, with its data; a
	// queued one stays.
	must("PutJobData", db.PutJobData(ctx, j.ID, job.PartOutput, 0, []byte("o0")))
	queued := job.Job{ID: unique("job"), SiteID: s.ID, Kind: job.Export, State: job.Queued, Params: []byte(`{}`),
		Result: []byte(`{}`), Created: t0, Updated: t0}
	must("CreateJob", db.CreateJob(ctx, queued, nil))
	ended := t0.Add(3 * time.Minute)
	if n, err := db.Purge(ctx, ended.Add(store.FinishedJobsKept-time.Millisecond)); err != nil || n != 0 {
		t.Fatalf("Purge within the week = %d, %v", n, err)
	}
	if n, err := db.Purge(ctx, ended.Add(store.FinishedJobsKept)); err != nil || n != 1 {
		t.Fatalf("Purge after the week = %d, %v; want the ended job", n, err)
	}
	if _, err := db.Job(ctx, s.ID, j.ID); !errors.Is(err, job.ErrNotFound) {
		t.Fatalf("purged job: %v", err)
	}
	if data, _ := db.JobData(ctx, j.ID, job.PartOutput, 0, 10); len(data) != 0 {
		t.Fatalf("purged job's output: %q", data)
	}
	if _, err := db.Job(ctx, s.ID, queued.ID); err != nil {
		t.Fatalf("queued job after the purge: %v", err)
	}
}
