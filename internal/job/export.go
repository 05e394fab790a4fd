package job

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/site"
)

// ExportResult is the summary of an export job.
type ExportResult struct {
	Accounts int64 `json:"accounts"`
	// Parts is the number of chunks of the output.
	Parts int `json:"parts"`
}

// runExport writes every account of the site as JSON lines (custos
// export's), a chunk and its progress in one transaction. A resumed export
// starts again: what an earlier attempt wrote goes first.
func (r *Runner) runExport(ctx context.Context, st site.Site, j Job) ([]byte, error) {
	if err := r.o.Store.DeleteJobData(ctx, j.ID, PartOutput); err != nil {
		return nil, err
	}
	var sum ExportResult
	var buf bytes.Buffer
	size := 0
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	flush := func() error {
		if buf.Len() == 0 {
			return nil
		}
		if size += buf.Len(); size > MaxOutput {
			return &Failure{errcode.LimitReached, fmt.Sprintf("the export is larger than %d MiB: use custos export", MaxOutput>>20)}
		}
		err := r.o.Store.WithJobTx(ctx, func(tx Store) error {
			if err := tx.PutJobData(ctx, j.ID, PartOutput, sum.Parts, bytes.Clone(buf.Bytes())); err != nil {
				return err
			}
			return r.save(ctx, tx, j.ID, sum.Accounts, []byte(`{}`))
		})
		if err != nil {
			return err
		}
		sum.Parts++
		buf.Reset()
		return r.paused(ctx, sum.Accounts)
	}
	err := r.o.Accounts.Export(ctx, st, 1000, func(a account.ExportedAccount) error {
		sum.Accounts++
		if err := enc.Encode(account.ExportDocument(a)); err != nil {
			return err
		}
		if buf.Len() >= chunkSize {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		return nil, err
	}
	return json.Marshal(sum)
}
