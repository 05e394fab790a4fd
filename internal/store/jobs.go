package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/custos-id/custos/internal/job"
)

var _ job.Store = (*DB)(nil)

const jobColumns = `id, site_id, kind, state, params, progress, result, error, attempts, created_at, updated_at`

func scanJob(s scanner) (job.Job, error) {
	var j job.Job
	var params, result string
	var created, updated int64
	err := s.Scan(&j.ID, &j.SiteID, &j.Kind, &j.State, &params, &j.Progress, &result, &j.Error, &j.Attempts, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return job.Job{}, job.ErrNotFound
	}
	j.Params, j.Result, j.Created, j.Updated = []byte(params), []byte(result), fromMillis(created), fromMillis(updated)
	return j, err
}

// CreateJob implements job.Store.
func (db *DB) CreateJob(ctx context.Context, j job.Job, input [][]byte) error {
	return db.withTx(ctx, func(tx *DB) error {
		_, err := tx.exec(ctx, `INSERT INTO jobs (id, site_id, kind, state, params, result, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			j.ID, j.SiteID, string(j.Kind), string(j.State), string(j.Params), string(j.Result), millis(j.Created), millis(j.Updated))
		if err != nil {
			return err
		}
		for i, c := range input {
			if err := tx.PutJobData(ctx, j.ID, job.PartInput, i, c); err != nil {
				return err
			}
		}
		return nil
	})
}

// Job implements job.Store.
func (db *DB) Job(ctx context.Context, siteID int64, id string) (job.Job, error) {
	return scanJob(db.row(ctx, `SELECT `+jobColumns+` FROM jobs WHERE id = $1 AND site_id = $2`, id, siteID))
}

// ClaimJob implements job.Store. As with ClaimMail, the conditions stand in
// the outer WHERE too, so that on PostgreSQL a job another process took
// meanwhile is re-checked and skipped.
func (db *DB) ClaimJob(ctx context.Context, owner string, now, leaseUntil time.Time) (job.Job, bool, error) {
	const due = `(state = 'queued' OR state = 'running' AND lease_until <= $3)`
	j, err := scanJob(db.writeRow(ctx, `UPDATE jobs SET state = 'running', lease_owner = $1, lease_until = $2,
		  attempts = attempts + 1, updated_at = $3
		WHERE `+due+` AND id = (SELECT id FROM jobs WHERE `+due+` ORDER BY created_at, id LIMIT 1)
		RETURNING `+jobColumns, owner, millis(leaseUntil), millis(now)))
	if errors.Is(err, job.ErrNotFound) {
		return job.Job{}, false, nil
	}
	return j, err == nil, err
}

// SaveJobProgress implements job.Store.
func (db *DB) SaveJobProgress(ctx context.Context, id, owner string, progress int64, result []byte, now, leaseUntil time.Time) error {
	res, err := db.exec(ctx, `UPDATE jobs SET progress = $1, result = $2, updated_at = $3, lease_until = $4
		WHERE id = $5 AND lease_owner = $6 AND state = 'running'`,
		progress, string(result), millis(now), millis(leaseUntil), id, owner)
	return affected(res, err, job.ErrLeaseLost)
}

// FinishJob implements job.Store: the input goes, the output stays.
func (db *DB) FinishJob(ctx context.Context, id, owner string, state job.State, result []byte, errMsg string, now time.Time) error {
	return db.withTx(ctx, func(tx *DB) error {
		res, err := tx.exec(ctx, `UPDATE jobs SET state = $1, result = $2, error = $3, updated_at = $4,
			  lease_owner = '', lease_until = 0
			WHERE id = $5 AND lease_owner = $6 AND state = 'running'`,
			string(state), string(result), errMsg, millis(now), id, owner)
		if err := affected(res, err, job.ErrLeaseLost); err != nil {
			return err
		}
		return tx.DeleteJobData(ctx, id, job.PartInput)
	})
}

// PutJobData implements job.Store.
func (db *DB) PutJobData(ctx context.Context, id, part string, seq int, data []byte) error {
	_, err := db.exec(ctx, `INSERT INTO job_data (job_id, part, seq, data) VALUES ($1, $2, $3, $4)`, id, part, seq, data)
	return err
}

// DeleteJobData implements job.Store.
func (db *DB) DeleteJobData(ctx context.Context, id, part string) error {
	_, err := db.exec(ctx, `DELETE FROM job_data WHERE job_id = $1 AND part = $2`, id, part)
	return err
}

// JobData implements job.Store.
func (db *DB) JobData(ctx context.Context, id, part string, seq, limit int) ([][]byte, error) {
	rows, err := db.rows(ctx, `SELECT data FROM job_data WHERE job_id = $1 AND part = $2 AND seq >= $3
		ORDER BY seq LIMIT $4`, id, part, seq, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out [][]byte
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// WithJobTx implements job.Store.
func (db *DB) WithJobTx(ctx context.Context, fn func(job.Store) error) error {
	return db.withTx(ctx, func(tx *DB) error { return fn(tx) })
}
