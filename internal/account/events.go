package account

import (
	"context"
	"time"

	"github.com/custos-id/custos/internal/site"
)

// EventType is what happened to an account, as the change feed tells it.
type EventType string

// The events of the change feed.
const (
	EventCreated EventType = "created" // registered, imported, created by notifyLogin
	EventUpdated EventType = "updated" // setAccountInfo, the REST update, an import's upsert
	EventDeleted EventType = "deleted"
	EventLogin   EventType = "login" // a session opened
)

// Event is one entry of the change feed.
type Event struct {
	ID     int64
	SiteID int64
	UID    string
	Type   EventType
	At     time.Time
}

// EventStore keeps the change feed.
type EventStore interface {
	// AddAccountEvent appends e (e.ID is not set).
	AddAccountEvent(ctx context.Context, e Event) error
	// AccountEvents returns up to limit events of the site whose id is
	// above afterID, in id order.
	AccountEvents(ctx context.Context, siteID, afterID int64, limit int) ([]Event, error)
	// LastAccountEventBefore returns the id of the site's last event before
	// t (0 when none): a cursor from which reading gives the events since t.
	LastAccountEventBefore(ctx context.Context, siteID int64, t time.Time) (int64, error)
}

// event records, in tx, that t happened to a now: the one hook of each
// write path, in the transaction of the change.
func (s *Service) event(ctx context.Context, tx Store, a Account, t EventType) error {
	return tx.AddAccountEvent(ctx, Event{SiteID: a.SiteID, UID: a.UID, Type: t, At: s.clock()})
}

// StreamFrom returns the cursor of the site's events since t.
func (s *Service) StreamFrom(ctx context.Context, st site.Site, t time.Time) (int64, error) {
	return s.store.LastAccountEventBefore(ctx, st.ID, t)
}

// Events returns up to limit events of the site after the cursor.
func (s *Service) Events(ctx context.Context, st site.Site, after int64, limit int) ([]Event, error) {
	return s.store.AccountEvents(ctx, st.ID, after, limit)
}
