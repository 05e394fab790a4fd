// Package job runs long work that a client starts over the API (an import
// of many accounts, an export) as jobs kept in the database: a job survives
// a restart, and a job whose process died is taken again by another once
// its lease ends. Its progress is committed with its work, so a resumed job
// repeats nothing.
package job

import (
	"context"
	"encoding/json"
	"errors"
	"time"
)

// Kind is what a job does.
type Kind string

// The kinds of job.
const (
	// Import imports the JSON lines of its input (one importFullAccount
	// document a line) through account.ImportBatch.
	Import Kind = "import"
	// Export writes every account of the site as JSON lines, importable
	// again, to its output.
	Export Kind = "export"
)

// State is where a job stands.
type State string

// The states of a job.
const (
	Queued  State = "queued"
	Running State = "running"
	Done    State = "done"
	Failed  State = "failed"
)

// Finished tells whether the job will not run again.
func (s State) Finished() bool { return s == Done || s == Failed }

// The parts of a job's data.
const (
	PartInput  = "input"
	PartOutput = "output"
)

// Job is one job as stored.
type Job struct {
	ID     string
	SiteID int64
	Kind   Kind
	State  State
	// Params are the job's options (JSON).
	Params json.RawMessage
	// Progress is the work committed: input lines settled (import),
	// accounts written (export).
	Progress int64
	// Result is the summary (JSON): counts so far while the job runs.
	Result json.RawMessage
	// Error is why a failed job failed.
	Error            string
	Attempts         int
	Created, Updated time.Time
}

// Errors of the store.
var (
	// ErrNotFound: no such job on the site.
	ErrNotFound = errors.New("job: not found")
	// ErrLeaseLost: the job is no longer this process's to run (its lease
	// ended and another took it).
	ErrLeaseLost = errors.New("job: lease lost")
)

// Store keeps jobs and their data.
type Store interface {
	// CreateJob stores a queued job with its input chunks.
	CreateJob(ctx context.Context, j Job, input [][]byte) error
	// Job returns a job of the site.
	Job(ctx context.Context, siteID int64, id string) (Job, error)
	// ClaimJob takes the oldest job that is queued, or running under a
	// lease that ended before now, for owner until leaseUntil, counting an
	// attempt. ok is false when there is none.
	ClaimJob(ctx context.Context, owner string, now, leaseUntil time.Time) (j Job, ok bool, err error)
	// SaveJobProgress records progress and result and extends the lease,
	// if owner still holds it (ErrLeaseLost otherwise).
	SaveJobProgress(ctx context.Context, id, owner string, progress int64, result []byte, now, leaseUntil time.Time) error
	// FinishJob ends the job (Done or Failed), if owner still holds it.
	FinishJob(ctx context.Context, id, owner string, state State, result []byte, errMsg string, now time.Time) error
	// PutJobData stores chunk seq of a part of the job's data.
	PutJobData(ctx context.Context, id, part string, seq int, data []byte) error
	// DeleteJobData deletes a part of the job's data.
	DeleteJobData(ctx context.Context, id, part string) error
	// JobData returns up to limit chunks of a part from seq on, in order.
	JobData(ctx context.Context, id, part string, seq, limit int) ([][]byte, error)
	// WithJobTx runs fn in one transaction.
	WithJobTx(ctx context.Context, fn func(Store) error) error
}
