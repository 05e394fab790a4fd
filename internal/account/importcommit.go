package account

import (
	"context"

	"github.com/custos-id/custos/internal/site"
)

// Commit records, in the transaction that writes them, that the first done
// inputs of a batch are settled, with res and errs filled up to done: a
// resumable import (a job) keeps its progress there, so that after a crash
// it neither repeats nor skips an input. An error of Commit stops the batch.
type Commit func(ctx context.Context, tx Store, done int, res []ImportResult, errs []error) error

// ImportBatchCommit is ImportBatch calling commit (when not nil) in every
// transaction it makes. Inputs that fail before any write are settled by the
// next transaction; those after the last one are not: they wrote nothing,
// and the caller records them. stop is commit's error: the batch stopped
// there and the transaction commit was called in was rolled back.
func (s *Service) ImportBatchCommit(ctx context.Context, st site.Site, ins []ImportInput, commit Commit) (res []ImportResult, errs []error, stop error) {
	res, errs = make([]ImportResult, len(ins)), make([]error, len(ins))
	plans := make([]*plannedImport, len(ins))
	for i, in := range ins {
		p, err := s.planImport(ctx, &st, in)
		if err != nil {
			errs[i] = err
			continue
		}
		plans[i] = &p
	}
	err := s.store.WithTx(ctx, func(tx Store) error {
		for i, p := range plans {
			if p == nil {
				continue
			}
			if err := s.writeImport(ctx, tx, p); err != nil {
				return err
			}
			res[i] = ImportResult{Account: p.a, LoginIDs: p.ids, Updated: p.existing}
		}
		if commit != nil {
			if stop = commit(ctx, tx, len(ins), res, errs); stop != nil {
				return stop
			}
		}
		return nil
	})
	if stop != nil || err == nil {
		return res, errs, stop
	}
	// One at a time, each planned again against what is stored now.
	for i, in := range ins {
		if plans[i] == nil {
			continue
		}
		res[i] = ImportResult{}
		var one func(ctx context.Context, tx Store, r ImportResult) error
		if commit != nil {
			one = func(ctx context.Context, tx Store, r ImportResult) error {
				res[i] = r
				return commit(ctx, tx, i+1, res, errs)
			}
		}
		if res[i], errs[i], stop = s.importOne(ctx, st, in, one); stop != nil {
			return res, errs, stop
		}
	}
	return res, errs, nil
}

// importOne is Import calling commit (when not nil) in its transaction, with
// what it wrote; stop is commit's error.
func (s *Service) importOne(ctx context.Context, st site.Site, in ImportInput,
	commit func(ctx context.Context, tx Store, r ImportResult) error) (res ImportResult, err, stop error) {
	p, err := s.planImport(ctx, &st, in)
	if err != nil {
		return ImportResult{}, err, nil
	}
	r := ImportResult{Account: p.a, LoginIDs: p.ids, Updated: p.existing}
	err = s.store.WithTx(ctx, func(tx Store) error {
		if err := s.writeImport(ctx, tx, &p); err != nil {
			return err
		}
		if commit != nil {
			stop = commit(ctx, tx, r)
		}
		return stop
	})
	switch {
	case stop != nil:
		return ImportResult{}, nil, stop
	case err != nil:
		return ImportResult{}, s.importError(ctx, st, p, err), nil
	}
	return r, nil, nil
}
