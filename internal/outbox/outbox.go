// Package outbox delivers mail from a durable queue in the database. A
// message is written in the same transaction as the change it tells of (a
// verification token, a reset token), so that neither exists without the
// other; a worker in every server process sends what is due, with retries.
package outbox

import (
	"context"
	"encoding/json"
	"errors"
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
	// MailEntries returns up to limit messages of status with an id below
	// beforeID (0: from the newest), newest first.
	MailEntries(ctx context.Context, status Status, beforeID int64, limit int) ([]Record, error)
	// MailCounts counts the messages queued (not sent, not given up) and
	// failed (given up), each up to limit.
	MailCounts(ctx context.Context, limit int) (queued, failed int, err error)
	// RetryMail makes a message given up on due at now again, with its
	// attempts counted from 0; ok is false when id is not such a message.
	RetryMail(ctx context.Context, id int64, now time.Time) (ok bool, err error)
}

// Status is where a message stands.
type Status string

// The statuses of a message.
const (
	// Queued: not sent yet, to be tried (again).
	Queued Status = "queued"
	// Failed: given up on after MaxAttempts (or a body that did not open).
	Failed Status = "failed"
	// Sent: delivered; its body is gone.
	Sent Status = "sent"
)

// Record is a message as the queue keeps it.
type Record struct {
	ID            int64
	Sealed        []byte // empty once sent
	CreatedAt     time.Time
	NextAttemptAt time.Time
	SentAt        time.Time
	Attempts      int
	LastError     string
}

// Status is where r stands.
func (r Record) Status() Status {
	switch {
	case !r.SentAt.IsZero():
		return Sent
	case !r.NextAttemptAt.Before(GiveUp):
		return Failed
	}
	return Queued
}

// Message is a message as an operator sees it: the recipient, subject and
// kind (while the body is kept), never the body, which holds tokens.
type Message struct {
	Record
	To, Subject string
	Kind        mail.Kind
}

// ErrNotFailed answers Retry for a message that is not given up on.
var ErrNotFailed = errors.New("outbox: no such message given up on")

// Messages returns up to limit messages of status (all when "") with an id
// below beforeID (0: the newest), newest first.
func (o *Outbox) Messages(ctx context.Context, status Status, beforeID int64, limit int) ([]Message, error) {
	recs, err := o.store.MailEntries(ctx, status, beforeID, limit)
	if err != nil {
		return nil, err
	}
	out := make([]Message, len(recs))
	for i, r := range recs {
		out[i].Record = r
		if len(r.Sealed) == 0 {
			continue
		}
		var m mail.Message
		if body, err := o.box.Open(r.Sealed, aad); err == nil && json.Unmarshal(body, &m) == nil {
			out[i].To, out[i].Subject, out[i].Kind = m.To, m.Subject, m.Kind
		}
		out[i].Sealed = nil
	}
	return out, nil
}

// Counts are the messages queued and given up on, each up to
// MaxQueuedCount.
func (o *Outbox) Counts(ctx context.Context) (queued, failed int, err error) {
	return o.store.MailCounts(ctx, MaxQueuedCount)
}

// Retry queues a message given up on again, for MaxAttempts more tries.
func (o *Outbox) Retry(ctx context.Context, id int64) error {
	ok, err := o.store.RetryMail(ctx, id, o.now())
	if err != nil {
		return err
	}
	if !ok {
		return ErrNotFailed
	}
	o.Notify()
	return nil
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
