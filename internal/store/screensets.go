package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"

	"github.com/custos-id/custos/internal/screenset"
)

var (
	_ screenset.Reader = (*DB)(nil)
	_ screenset.Writer = (*DB)(nil)
)

const screenSetColumns = `screen_set_id, html, css, javascript, translations, metadata, updated_at`

// ScreenSets implements screenset.Reader: with ids, one indexed lookup per
// id (a page asks for one or two), so that the statement is always the same.
func (db *DB) ScreenSets(ctx context.Context, siteID int64, ids []string) ([]screenset.Record, error) {
	if len(ids) == 0 {
		rows, err := db.rows(ctx, `SELECT `+screenSetColumns+` FROM screen_sets WHERE site_id = $1 ORDER BY screen_set_id`, siteID)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []screenset.Record
		for rows.Next() {
			r, err := scanScreenSet(rows)
			if err != nil {
				return nil, err
			}
			out = append(out, r)
		}
		return out, rows.Err()
	}
	var out []screenset.Record
	for _, id := range ids {
		r, err := scanScreenSet(db.row(ctx, `SELECT `+screenSetColumns+` FROM screen_sets WHERE site_id = $1 AND screen_set_id = $2`, siteID, id))
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// PutScreenSet implements screenset.Writer.
func (db *DB) PutScreenSet(ctx context.Context, siteID int64, r screenset.Record) error {
	_, err := db.exec(ctx,
		`INSERT INTO screen_sets (site_id, screen_set_id, html, css, javascript, translations, metadata, updated_at)
		 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		 ON CONFLICT (site_id, screen_set_id) DO UPDATE SET html = excluded.html, css = excluded.css,
		   javascript = excluded.javascript, translations = excluded.translations, metadata = excluded.metadata,
		   updated_at = excluded.updated_at`,
		siteID, r.ID, r.HTML, r.CSS, r.JavaScript, cmp.Or(r.Translations, "{}"), cmp.Or(r.Metadata, "{}"), millis(r.UpdatedAt))
	return err
}

// DeleteScreenSet implements screenset.Writer.
func (db *DB) DeleteScreenSet(ctx context.Context, siteID int64, id string) (bool, error) {
	res, err := db.exec(ctx, `DELETE FROM screen_sets WHERE site_id = $1 AND screen_set_id = $2`, siteID, id)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// ScreenSetUsage implements screenset.Writer: SQLite's length() counts
// the characters of text, so it measures the text as a blob.
func (db *DB) ScreenSetUsage(ctx context.Context, siteID int64) (int, int64, error) {
	size := `length(CAST(html AS BLOB)) + length(CAST(css AS BLOB)) + length(CAST(javascript AS BLOB)) +
	   length(CAST(translations AS BLOB)) + length(CAST(metadata AS BLOB))`
	if db.engine == Postgres {
		size = `octet_length(html) + octet_length(css) + octet_length(javascript) + octet_length(translations) +
		   octet_length(metadata)`
	}
	var (
		n     int
		bytes int64
	)
	err := db.row(ctx, `SELECT COUNT(*), COALESCE(SUM(`+size+`), 0) FROM screen_sets WHERE site_id = $1`, siteID).Scan(&n, &bytes)
	return n, bytes, err
}

func scanScreenSet(row scanner) (screenset.Record, error) {
	var (
		r       screenset.Record
		updated int64
	)
	if err := row.Scan(&r.ID, &r.HTML, &r.CSS, &r.JavaScript, &r.Translations, &r.Metadata, &updated); err != nil {
		return screenset.Record{}, err
	}
	r.UpdatedAt = fromMillis(updated)
	return r, nil
}
