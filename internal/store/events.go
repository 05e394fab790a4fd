package store

import (
	"context"
	"time"

	"github.com/custos-id/custos/internal/account"
)

// eventsLock is the class of the PostgreSQL advisory locks that order a
// site's events.
const eventsLock = 0x65766e74 // "evnt"

// AddAccountEvent implements account.EventStore. A reader pages on the
// event id, so ids must become visible in their order: an id taken by a
// transaction that commits after a later id's would be skipped. SQLite's
// single writer does that by itself; on PostgreSQL the writers of a site's
// events queue on a lock held from the insert to the commit: a change waits
// at most for the rest of another's transaction (an import batch's, the
// longest).
func (db *DB) AddAccountEvent(ctx context.Context, e account.Event) error {
	if db.engine == Postgres {
		if _, err := db.exec(ctx, `SELECT pg_advisory_xact_lock($1::int, $2::int)`, eventsLock, int32(e.SiteID)); err != nil {
			return err
		}
	}
	_, err := db.exec(ctx, `INSERT INTO account_events (site_id, uid, type, at) VALUES ($1, $2, $3, $4)`,
		e.SiteID, e.UID, string(e.Type), millis(e.At))
	return err
}

// AccountEvents implements account.EventStore, on the index account_events_site.
func (db *DB) AccountEvents(ctx context.Context, siteID, afterID int64, limit int) ([]account.Event, error) {
	rows, err := db.rows(ctx, `SELECT id, site_id, uid, type, at FROM account_events
		WHERE site_id = $1 AND id > $2 ORDER BY id LIMIT $3`, siteID, afterID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []account.Event
	for rows.Next() {
		var e account.Event
		var at int64
		if err := rows.Scan(&e.ID, &e.SiteID, &e.UID, &e.Type, &at); err != nil {
			return nil, err
		}
		e.At = fromMillis(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// LastAccountEventBefore implements account.EventStore. (Two transactions
// in flight at once may commit their events out of time order by a few
// milliseconds: a stream from t is exact to that.)
func (db *DB) LastAccountEventBefore(ctx context.Context, siteID int64, t time.Time) (int64, error) {
	var id int64
	err := db.row(ctx, `SELECT COALESCE(MAX(id), 0) FROM account_events WHERE site_id = $1 AND at < $2`,
		siteID, millis(t)).Scan(&id)
	return id, err
}

// purgeEventsBatch is how many events one statement of PurgeEvents deletes:
// a month of a busy site's events goes in short transactions.
const purgeEventsBatch = 5000

// purgeEvents is the expiry of PurgeEvents, over the index account_events_at.
var purgeEvents = expiry{table: "account_events", key: "id", where: "at < $1", order: "at", batch: purgeEventsBatch,
	args: func(before time.Time) []any { return []any{millis(before)} }}

// PurgeEvents deletes the change feed's events older than before, a batch
// at a time, each its own transaction, and returns how many went. It stops
// between two batches when ctx ends.
func (db *DB) PurgeEvents(ctx context.Context, before time.Time) (int64, error) {
	stmt, args := purgeEvents.statement(db.engine, before)
	return db.purgeBatches(ctx, "account_events", stmt, purgeEventsBatch, args...)
}
