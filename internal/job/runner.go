package job

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/site"
)

// Limits of a job.
const (
	// MaxInput bounds the input of an import job.
	MaxInput = 64 << 20
	// MaxOutput bounds the output of an export job: a larger export fails
	// (400124); custos export has no bound.
	MaxOutput = 64 << 20
	// MaxAttempts is how often a job is taken before it fails: a job that
	// brings its process down must not do so forever.
	MaxAttempts = 5
	// chunkSize is the size of a chunk of a job's data, at most: input
	// and output are cut at line ends.
	chunkSize = 1 << 20
	// maxFailures bounds the failed lines an import's result lists.
	maxFailures = 100
	// poll is how often an idle runner looks for jobs other processes
	// queued, or left when they died.
	poll = time.Second
)

// Options configure a Runner; zero values take defaults.
type Options struct {
	Store    Store
	Accounts *account.Service
	Sites    interface {
		ByID(ctx context.Context, id int64) (site.Site, error)
	}
	// Explain gives the catalog code and message of a line's failure.
	Explain func(error) (errcode.Code, string)
	// Lease is how long a job stays with the process that took it without
	// news of progress (default 1 minute): after a crash, the job waits
	// that long.
	Lease time.Duration
	// Batch is the number of lines an import writes in one transaction
	// (default 500).
	Batch int
	Now   func() time.Time
	Log   *slog.Logger
	// PauseAfter, for tests only, stops the work once this much progress
	// is committed (0: never), leaving the job running: a test kills the
	// process there.
	PauseAfter int64
}

// Runner runs the jobs, one at a time, in one goroutine (Run).
type Runner struct {
	o     Options
	owner string
	wake  chan struct{}
}

// New returns a Runner whose leases name a new, random owner.
func New(o Options) *Runner {
	if o.Lease <= 0 {
		o.Lease = time.Minute
	}
	if o.Batch <= 0 {
		o.Batch = 500
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return &Runner{o: o, owner: rand.Text(), wake: make(chan struct{}, 1)}
}

// Failure is why a job failed: a catalog code and a message.
type Failure struct {
	Code    errcode.Code
	Message string
}

func (f *Failure) Error() string { return f.Message }

// ErrTooLarge: the input of an import is larger than MaxInput.
var ErrTooLarge = errors.New("job: input too large")

// Submit queues a job of the site with its input and wakes the runner.
func (r *Runner) Submit(ctx context.Context, siteID int64, kind Kind, input []byte) (Job, error) {
	if len(input) > MaxInput {
		return Job{}, ErrTooLarge
	}
	now := r.o.Now()
	j := Job{ID: rand.Text(), SiteID: siteID, Kind: kind, State: Queued, Params: json.RawMessage(`{}`),
		Result: json.RawMessage(`{}`), Created: now, Updated: now}
	if err := r.o.Store.CreateJob(ctx, j, chunks(input)); err != nil {
		return Job{}, err
	}
	select {
	case r.wake <- struct{}{}:
	default:
	}
	return j, nil
}

// Job returns a job of the site.
func (r *Runner) Job(ctx context.Context, siteID int64, id string) (Job, error) {
	return r.o.Store.Job(ctx, siteID, id)
}

// Output returns up to limit chunks of a job's output from seq on.
func (r *Runner) Output(ctx context.Context, id string, seq, limit int) ([][]byte, error) {
	return r.o.Store.JobData(ctx, id, PartOutput, seq, limit)
}

// chunks cuts data into chunks of at most chunkSize at line ends (a line
// longer than that is a chunk of its own).
func chunks(data []byte) [][]byte {
	var out [][]byte
	for len(data) > 0 {
		n := min(len(data), chunkSize)
		if n < len(data) {
			if i := lastNewline(data[:n]); i >= 0 {
				n = i + 1
			} else if j := nextNewline(data[n:]); j >= 0 {
				n += j + 1
			} else {
				n = len(data)
			}
		}
		out = append(out, data[:n])
		data = data[n:]
	}
	return out
}

func lastNewline(b []byte) int {
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] == '\n' {
			return i
		}
	}
	return -1
}

func nextNewline(b []byte) int {
	for i, c := range b {
		if c == '\n' {
			return i
		}
	}
	return -1
}

// Run runs jobs until ctx ends: those submitted here at once, those of
// other processes and those left by a process that died within a second.
func (r *Runner) Run(ctx context.Context) {
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		r.RunDue(ctx)
		select {
		case <-ctx.Done():
			return
		case <-r.wake:
		case <-t.C:
		}
	}
}

// RunDue runs the jobs due now, one after the other, until none is left,
// and returns how many it took.
func (r *Runner) RunDue(ctx context.Context) int {
	n := 0
	for ctx.Err() == nil && r.runOne(ctx) {
		n++
	}
	return n
}

// runOne takes a job and runs it; false when there was none.
func (r *Runner) runOne(ctx context.Context) bool {
	now := r.o.Now()
	j, ok, err := r.o.Store.ClaimJob(ctx, r.owner, now, now.Add(r.o.Lease))
	if err != nil {
		if ctx.Err() == nil {
			r.o.Log.Error("claim job", "err", err)
		}
		return false
	}
	if !ok {
		return false
	}
	r.o.Log.Info("job started", "job", j.ID, "kind", j.Kind, "attempt", j.Attempts, "progress", j.Progress)
	result, err := r.run(ctx, j)
	var f *Failure
	switch {
	case err == nil:
		err = r.o.Store.FinishJob(ctx, j.ID, r.owner, Done, result, "", r.o.Now())
		if err == nil {
			r.o.Log.Info("job done", "job", j.ID, "kind", j.Kind)
		}
	case ctx.Err() != nil, errors.Is(err, ErrLeaseLost):
		r.o.Log.Warn("job stopped", "job", j.ID, "err", err)
		return ctx.Err() == nil
	case errors.As(err, &f):
	default:
		// The database, not the job's input: the job stays running and is
		// taken again, where it stopped, once its lease ends (it fails after
		// MaxAttempts takes).
		r.o.Log.Error("job interrupted: it is taken again after its lease", "job", j.ID, "kind", j.Kind, "err", err)
		return true
	}
	if f != nil {
		res, _ := json.Marshal(map[string]any{"errorCode": f.Code})
		err = r.o.Store.FinishJob(ctx, j.ID, r.owner, Failed, res, f.Message, r.o.Now())
	}
	if err != nil && ctx.Err() == nil {
		r.o.Log.Error("finish job", "job", j.ID, "err", err)
	}
	return true
}

// run does a job's work and returns its result.
func (r *Runner) run(ctx context.Context, j Job) ([]byte, error) {
	if j.Attempts > MaxAttempts {
		return nil, &Failure{errcode.GeneralServerError, fmt.Sprintf("the job stopped %d times without finishing", MaxAttempts)}
	}
	st, err := r.o.Sites.ByID(ctx, j.SiteID)
	if err != nil {
		return nil, err
	}
	switch j.Kind {
	case Import:
		return r.runImport(ctx, st, j)
	case Export:
		return r.runExport(ctx, st, j)
	}
	return nil, fmt.Errorf("job %s: unknown kind %q", j.ID, j.Kind)
}

// save records progress and extends the lease; in tests it may pause.
func (r *Runner) save(ctx context.Context, s Store, id string, progress int64, result []byte) error {
	now := r.o.Now()
	return s.SaveJobProgress(ctx, id, r.owner, progress, result, now, now.Add(r.o.Lease))
}

// paused blocks, in tests, once progress reaches PauseAfter.
func (r *Runner) paused(ctx context.Context, progress int64) error {
	if r.o.PauseAfter > 0 && progress >= r.o.PauseAfter {
		r.o.Log.Info("job paused", "progress", progress)
		<-ctx.Done()
		return ctx.Err()
	}
	return nil
}
