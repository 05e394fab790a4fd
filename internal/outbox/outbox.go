// Package outbox delivers mail from a durable queue in the database. A
// message is written in the same transaction as the change it tells of (a
// verification token, a reset token), so that neither exists without the
// other; a worker in every server process sends what is due, with retries.
package outbox

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/custos-id/custos/internal/mail"
	"github.com/custos-id/custos/internal/secretbox"
)

// Entry is a queued message, its body sealed.
type Entry struct {
	ID       int64
	Sealed   []byte
	Attempts int
}

// Store keeps the queue.
type Store interface {
	// ClaimMail leases up to limit due messages until leaseUntil, so that
	// workers in several processes do not send one message twice.
	ClaimMail(ctx context.Context, now, leaseUntil time.Time, limit int) ([]Entry, error)
	MarkMailSent(ctx context.Context, id int64, at time.Time) error
	MarkMailFailed(ctx context.Context, id int64, attempts int, next time.Time, lastErr string) error
	// QueuedMail counts the messages not sent yet that will still be tried
	// (next attempt before GiveUp), up to limit.
	QueuedMail(ctx context.Context, limit int) (int, error)
}

// Observer learns the outcome of every delivery attempt, for metrics. kind
// is the message's mail.Kind, "" for messages queued before it was kept.
type Observer interface {
	// Sent: the message was delivered.
	Sent(kind string)
	// Failed: the attempt failed; final when no attempt follows.
	Failed(kind string, final bool)
	// Queued: a message was queued.
	Queued()
}

// GiveUp is the next attempt of a message given up on: never.
var GiveUp = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

// MaxQueuedCount bounds the count of Queued, so that a scrape of a huge
// queue stays cheap.
const MaxQueuedCount = 100000

// Tuning of the worker.
const (
	MaxAttempts  = 10
	lease        = 2 * time.Minute
	batch        = 20
	pollInterval = 2 * time.Second
)

// aad binds sealed bodies to this use of the master key.
var aad = []byte("mail-outbox")

// Outbox seals messages for the queue and delivers them.
type Outbox struct {
	store  Store
	box    *secretbox.Box
	sender mail.Sender
	now    func() time.Time
	log    *slog.Logger
	wake   chan struct{}
	obs    Observer
}

// New returns an Outbox; Run must be started to deliver.
func New(store Store, box *secretbox.Box, sender mail.Sender, now func() time.Time, log *slog.Logger) *Outbox {
	return &Outbox{store: store, box: box, sender: sender, now: now, log: log, wake: make(chan struct{}, 1), obs: noObserver{}}
}

// Observe reports every delivery attempt to obs; call it before Run.
func (o *Outbox) Observe(obs Observer) { o.obs = obs }

// Queued counts the messages waiting to be sent, at most MaxQueuedCount.
func (o *Outbox) Queued(ctx context.Context) (int, error) {
	return o.store.QueuedMail(ctx, MaxQueuedCount)
}

type noObserver struct{}

func (noObserver) Sent(string)         {}
func (noObserver) Failed(string, bool) {}
func (noObserver) Queued()             {}

// Seal turns a message into the sealed body the queue keeps.
func (o *Outbox) Seal(m mail.Message) []byte {
	b, _ := json.Marshal(m)
	return o.box.Seal(b, aad)
}

// Notify wakes the worker: a message was just queued.
func (o *Outbox) Notify() {
	o.obs.Queued()
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// Run delivers due messages until ctx ends: at once when notified, and every
// few seconds for messages queued by other processes or due for a retry.
func (o *Outbox) Run(ctx context.Context) {
	t := time.NewTicker(pollInterval)
	defer t.Stop()
	for {
		o.Flush(ctx)
		select {
		case <-ctx.Done():
			return
		case <-o.wake:
		case <-t.C:
		}
	}
}

// Flush delivers what is due now, batch after batch, as the worker of Run
// does each time it wakes: for tests that drive the outbox themselves.
func (o *Outbox) Flush(ctx context.Context) {
	for o.deliver(ctx) == batch {
	}
}

// deliver sends one batch and returns how many messages it claimed.
func (o *Outbox) deliver(ctx context.Context) int {
	now := o.now()
	entries, err := o.store.ClaimMail(ctx, now, now.Add(lease), batch)
	if err != nil {
		if ctx.Err() == nil {
			o.log.Error("outbox: claim", "err", err)
		}
		return 0
	}
	for _, e := range entries {
		o.send(ctx, e)
	}
	return len(entries)
}

func (o *Outbox) send(ctx context.Context, e Entry) {
	var m mail.Message
	body, err := o.box.Open(e.Sealed, aad)
	if err == nil {
		err = json.Unmarshal(body, &m)
	}
	if err != nil {
		// A body that does not open will never send: give up on it now.
		o.fail(ctx, e, "", MaxAttempts, fmt.Errorf("open: %w", err))
		return
	}
	sctx, cancel := context.WithTimeout(ctx, time.Minute)
	err = o.sender.Send(sctx, m)
	cancel()
	if err != nil {
		o.fail(ctx, e, string(m.Kind), e.Attempts+1, err)
		return
	}
	o.obs.Sent(string(m.Kind))
	if err := o.store.MarkMailSent(ctx, e.ID, o.now()); err != nil {
		o.log.Error("outbox: mark sent", "id", e.ID, "err", err)
	}
}

// fail schedules a retry with exponential backoff (5s, 10s, 20s … at most an
// hour), or gives up after MaxAttempts.
func (o *Outbox) fail(ctx context.Context, e Entry, kind string, attempts int, err error) {
	o.obs.Failed(kind, attempts >= MaxAttempts)
	next := o.now().Add(Backoff(attempts))
	if attempts >= MaxAttempts {
		next = GiveUp
		o.log.Error("outbox: giving up on a message", "id", e.ID, "attempts", attempts, "err", err)
	} else {
		o.log.Warn("outbox: send failed, will retry", "id", e.ID, "attempts", attempts, "retry_at", next, "err", err)
	}
	if err := o.store.MarkMailFailed(ctx, e.ID, attempts, next, err.Error()); err != nil {
		o.log.Error("outbox: mark failed", "id", e.ID, "err", err)
	}
}

// Backoff is the wait before the next attempt after attempts failures.
func Backoff(attempts int) time.Duration {
	d := 5 * time.Second << min(attempts-1, 10)
	return min(d, time.Hour)
}
