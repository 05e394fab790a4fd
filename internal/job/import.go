package job

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/site"
)

// ImportResult is the summary of an import job, kept with its progress.
type ImportResult struct {
	// Lines is the number of input lines settled (blank ones included).
	Lines    int64 `json:"lines"`
	Imported int   `json:"imported"`
	Updated  int   `json:"updated"`
	Failed   int   `json:"failed"`
	// Failures are the first failed lines.
	Failures []LineFailure `json:"failures,omitempty"`
}

// LineFailure is a line that was not imported.
type LineFailure struct {
	Line      int64        `json:"line"`
	UID       string       `json:"UID,omitempty"`
	ErrorCode errcode.Code `json:"errorCode"`
	Error     string       `json:"error"`
}

// line is an input line read, with its document or its failure.
type line struct {
	n   int64
	uid string
	in  account.ImportInput
	err error
}

// runImport imports the input lines after those already settled, a batch
// at a time; each batch's transaction records the lines it settled.
func (r *Runner) runImport(ctx context.Context, st site.Site, j Job) ([]byte, error) {
	var sum ImportResult
	if err := json.Unmarshal(j.Result, &sum); err != nil {
		return nil, err
	}
	sum.Lines = j.Progress
	var n int64
	var batch []line
	for seq := 0; ; seq++ {
		data, err := r.o.Store.JobData(ctx, j.ID, PartInput, seq, 1)
		if err != nil {
			return nil, err
		}
		if len(data) == 0 {
			break
		}
		for text := range bytes.Lines(data[0]) {
			if n++; n <= j.Progress {
				continue
			}
			text = bytes.TrimSpace(text)
			if len(text) == 0 {
				continue
			}
			batch = append(batch, parseLine(n, text))
			if len(batch) >= r.o.Batch {
				if err := r.importBatch(ctx, st, j.ID, &sum, batch, n); err != nil {
					return nil, err
				}
				batch = batch[:0]
			}
		}
	}
	if err := r.importBatch(ctx, st, j.ID, &sum, batch, n); err != nil {
		return nil, err
	}
	return json.Marshal(sum)
}

// parseLine reads one import document.
func parseLine(n int64, text []byte) line {
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil || m == nil || dec.More() {
		return line{n: n, err: errcode.InvalidFormat("line", "not a JSON object")}
	}
	in, _, err := account.ParseImport(m)
	return line{n: n, uid: in.UID, in: in, err: err}
}

// importBatch writes a batch whose last line read is last and records, in
// each transaction, the summary of the lines it settles.
func (r *Runner) importBatch(ctx context.Context, st site.Site, id string, sum *ImportResult, batch []line, last int64) error {
	var ins []account.ImportInput
	var at []int // at[k]: the index in batch of ins[k]
	for i, l := range batch {
		if l.err == nil {
			ins = append(ins, l.in)
			at = append(at, i)
		}
	}
	base := *sum
	// settled is the summary once ins[:done] are settled with their lines
	// before, and through last when all are.
	settled := func(done int, res []account.ImportResult, errs []error) ImportResult {
		s := base
		s.Failures = append([]LineFailure(nil), base.Failures...)
		upTo := last
		if done < len(ins) {
			upTo = batch[at[done]].n - 1
		}
		k := 0
		for i, l := range batch {
			if l.n > upTo {
				break
			}
			err := l.err
			if err == nil {
				if k < len(at) && at[k] == i {
					err = errs[k]
					if err == nil && res[k].Updated {
						s.Updated++
					} else if err == nil {
						s.Imported++
					}
				}
				k++
			}
			if err != nil {
				s.Failed++
				if len(s.Failures) < maxFailures {
					code, msg := r.o.Explain(err)
					s.Failures = append(s.Failures, LineFailure{l.n, l.uid, code, msg})
				}
			}
		}
		s.Lines = upTo
		return s
	}
	commit := func(ctx context.Context, tx account.Store, done int, res []account.ImportResult, errs []error) error {
		js, ok := tx.(Store) // the same database: the accounts' transaction holds the job's progress
		if !ok {
			return fmt.Errorf("job: the account store %T keeps no jobs", tx)
		}
		s := settled(done, res, errs)
		b, _ := json.Marshal(s)
		return r.save(ctx, js, id, s.Lines, b)
	}
	var res []account.ImportResult
	var errs []error
	if len(ins) > 0 {
		var stop error
		if res, errs, stop = r.o.Accounts.ImportBatchCommit(ctx, st, ins, commit); stop != nil {
			return stop
		}
		for _, err := range errs {
			if err != nil && !lineError(err) {
				return err // the database, not the line
			}
		}
	}
	// Again for the lines after the last transaction, which wrote nothing.
	*sum = settled(len(ins), res, errs)
	b, _ := json.Marshal(sum)
	if err := r.save(ctx, r.o.Store, id, sum.Lines, b); err != nil {
		return err
	}
	return r.paused(ctx, sum.Lines)
}

// lineError tells the failures of a line from those of the database.
func lineError(err error) bool {
	_, domain := errors.AsType[*account.Error](err)
	_, catalog := errors.AsType[*errcode.Error](err)
	return domain || catalog
}
