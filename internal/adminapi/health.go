package adminapi

import (
	"context"
	"strconv"
	"time"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/job"
	"github.com/custos-id/custos/internal/outbox"
	"github.com/custos-id/custos/internal/session"
	"github.com/custos-id/custos/internal/store"
)

// Stats are the reads of the admin views that no domain service answers:
// the counts of the overview, the jobs of every site, a user's sessions
// and recent events; *store.DB has them.
type Stats interface {
	CountAccounts(ctx context.Context, siteID int64) (int, error)
	CountEvents(ctx context.Context, siteID int64, since time.Time, step time.Duration) ([]store.EventCount, error)
	CountLoginFailures(ctx context.Context, siteID int64, since time.Time, step time.Duration) ([]store.EventCount, error)
	ListJobs(ctx context.Context, before time.Time, limit int) ([]job.Job, error)
	CountJobs(ctx context.Context, state job.State) (int, error)
	AccountSessions(ctx context.Context, accountID int64, now time.Time, limit int) ([]session.Session, error)
	AccountEventsOf(ctx context.Context, siteID int64, uid string, limit int) ([]account.Event, error)
}

// series is a count per step of logins, failed logins and registrations.
type series struct {
	Start         time.Time `json:"start"`
	Step          string    `json:"step"`
	Logins        []int     `json:"logins"`
	Failures      []int     `json:"failures"`
	Registrations []int     `json:"registrations"`
}

func (h *Handler) series(ctx context.Context, siteID int64, start time.Time, step time.Duration, n int, name string) (series, error) {
	s := series{Start: start, Step: name, Logins: make([]int, n), Failures: make([]int, n), Registrations: make([]int, n)}
	counts, err := h.o.Stats.CountEvents(ctx, siteID, start, step)
	if err != nil {
		return s, err
	}
	failures, err := h.o.Stats.CountLoginFailures(ctx, siteID, start, step)
	if err != nil {
		return s, err
	}
	for _, c := range append(counts, failures...) {
		if c.Step < 0 || c.Step >= n {
			continue
		}
		switch account.EventType(c.Type) {
		case account.EventLogin:
			s.Logins[c.Step] += c.Count
		case account.EventCreated:
			s.Registrations[c.Step] += c.Count
		case "login_failed":
			s.Failures[c.Step] += c.Count
		}
	}
	return s, nil
}

func (h *Handler) overview(ctx context.Context, r *Request) (Response, error) {
	var siteID int64
	if v := r.URL.Query().Get("siteId"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return Response{}, errcode.InvalidValue("siteId", "not a site's id")
		}
		if _, err := h.o.Sites.ByID(ctx, id); err != nil {
			return Response{}, err
		}
		siteID = id
	}
	now := h.o.Now().UTC()
	accounts, err := h.o.Stats.CountAccounts(ctx, siteID)
	if err != nil {
		return Response{}, err
	}
	hourly, err := h.series(ctx, siteID, now.Truncate(time.Hour).Add(-23*time.Hour), time.Hour, 24, "hour")
	if err != nil {
		return Response{}, err
	}
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	daily, err := h.series(ctx, siteID, day.AddDate(0, 0, -29), 24*time.Hour, 30, "day")
	if err != nil {
		return Response{}, err
	}
	queued, failed, err := h.o.Outbox.Counts(ctx)
	if err != nil {
		return Response{}, err
	}
	running, err := h.o.Stats.CountJobs(ctx, job.Running)
	if err != nil {
		return Response{}, err
	}
	jobsFailed, err := h.o.Stats.CountJobs(ctx, job.Failed)
	if err != nil {
		return Response{}, err
	}
	return Response{Body: obj{"accounts": accounts, "hourly": hourly, "daily": daily,
		"mail": obj{"queued": queued, "failed": failed}, "jobs": obj{"running": running, "failed": jobsFailed}}}, nil
}

func viewMessage(m outbox.Message) obj {
	v := obj{"id": m.ID, "status": m.Status(), "to": m.To, "subject": m.Subject, "kind": m.Kind,
		"attempts": m.Attempts, "lastError": m.LastError, "createdAt": m.CreatedAt}
	switch m.Status() {
	case outbox.Queued:
		v["nextAttemptAt"] = m.NextAttemptAt
	case outbox.Sent:
		v["sentAt"] = m.SentAt
	}
	return v
}

func (h *Handler) listOutbox(ctx context.Context, r *Request) (Response, error) {
	limit, err := limitParam(r)
	if err != nil {
		return Response{}, err
	}
	q := r.URL.Query()
	status := outbox.Status(q.Get("status"))
	switch status {
	case "", outbox.Queued, outbox.Failed, outbox.Sent:
	default:
		return Response{}, errcode.InvalidValue("status", "want queued, failed or sent")
	}
	var before int64
	if c := q.Get("cursor"); c != "" {
		if before, err = strconv.ParseInt(c, 10, 64); err != nil || before <= 0 {
			return Response{}, errcode.InvalidValue("cursor", "not a cursor of this list")
		}
	}
	ms, err := h.o.Outbox.Messages(ctx, status, before, limit+1)
	if err != nil {
		return Response{}, err
	}
	body := obj{}
	if len(ms) > limit {
		ms = ms[:limit]
		body["nextCursor"] = strconv.FormatInt(ms[limit-1].ID, 10)
	}
	out := make([]obj, len(ms))
	for i, m := range ms {
		out[i] = viewMessage(m)
	}
	body["entries"] = out
	return Response{Body: body}, nil
}

func (h *Handler) retryMail(ctx context.Context, r *Request) (Response, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return Response{}, outbox.ErrNotFailed
	}
	if err := h.o.Outbox.Retry(ctx, id); err != nil {
		return Response{}, err
	}
	target := "mail:" + strconv.FormatInt(id, 10)
	h.audit(ctx, r, "mail.retry", target, obj{"status": outbox.Failed}, obj{"status": outbox.Queued})
	return Response{Body: obj{"id": id, "status": outbox.Queued}}, nil
}

func (h *Handler) listJobs(ctx context.Context, r *Request) (Response, error) {
	limit, err := limitParam(r)
	if err != nil {
		return Response{}, err
	}
	var before time.Time
	if c := r.URL.Query().Get("cursor"); c != "" {
		ms, err := strconv.ParseInt(c, 10, 64)
		if err != nil || ms <= 0 {
			return Response{}, errcode.InvalidValue("cursor", "not a cursor of this list")
		}
		before = time.UnixMilli(ms).UTC()
	}
	js, err := h.o.Stats.ListJobs(ctx, before, limit+1)
	if err != nil {
		return Response{}, err
	}
	body := obj{}
	if len(js) > limit {
		js = js[:limit]
		body["nextCursor"] = strconv.FormatInt(js[limit-1].Created.UnixMilli(), 10)
	}
	out := make([]obj, len(js))
	for i, j := range js {
		out[i] = obj{"id": j.ID, "siteId": j.SiteID, "kind": j.Kind, "status": j.State, "progress": j.Progress,
			"result": rawOrNull(j.Result), "error": j.Error, "attempts": j.Attempts, "createdAt": j.Created, "updatedAt": j.Updated}
	}
	body["jobs"] = out
	return Response{Body: body}, nil
}
