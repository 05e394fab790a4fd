package adminapi

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/admin"
	"github.com/custos-id/custos/internal/search"
	"github.com/custos-id/custos/internal/site"
)

// Page sizes of the lists.
const (
	defaultLimit = 50
	maxLimit     = 100
	maxQuery     = 4096
	// searchTimeout bounds one search of the users page.
	searchTimeout = 10 * time.Second
)

// limitParam reads the limit parameter: 1 to maxLimit, defaultLimit when
// absent.
func limitParam(r *Request) (int, error) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return defaultLimit, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxLimit {
		return 0, errcode.InvalidValue("limit", "want 1 to "+strconv.Itoa(maxLimit))
	}
	return n, nil
}

type userView struct {
	UID           string         `json:"UID"`
	IsActive      bool           `json:"isActive"`
	IsRegistered  bool           `json:"isRegistered"`
	IsVerified    bool           `json:"isVerified"`
	IsLocked      bool           `json:"isLocked"`
	Created       time.Time      `json:"created"`
	LastLogin     *time.Time     `json:"lastLogin,omitempty"`
	LoginIDs      loginIDs       `json:"loginIDs"`
	Profile       map[string]any `json:"profile"`
	Data          map[string]any `json:"data"`
	Preferences   map[string]any `json:"preferences"`
	Subscriptions map[string]any `json:"subscriptions"`
}

type loginIDs struct {
	Emails           []string `json:"emails"`
	UnverifiedEmails []string `json:"unverifiedEmails"`
	Username         string   `json:"username,omitempty"`
}

func nonNil(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

func (h *Handler) viewUser(ctx context.Context, a account.Account) (userView, error) {
	v := userView{UID: a.UID, IsActive: a.Active, IsRegistered: a.Registered, IsVerified: a.EmailVerified,
		IsLocked: h.o.Accounts.Locked(a), Created: a.CreatedAt,
		LoginIDs: loginIDs{Emails: []string{}, UnverifiedEmails: []string{}, Username: a.Username},
		Profile:  nonNil(a.Profile), Data: nonNil(a.Data), Preferences: nonNil(a.Preferences), Subscriptions: nonNil(a.Subscriptions)}
	if !a.LastLoginAt.IsZero() {
		t := a.LastLoginAt
		v.LastLogin = &t
	}
	ids, err := h.o.Accounts.LoginIDsOf(ctx, a)
	if err != nil {
		return userView{}, err
	}
	for _, id := range ids {
		if id.Kind != account.Email {
			continue
		}
		if id.VerifiedAt.IsZero() {
			v.LoginIDs.UnverifiedEmails = append(v.LoginIDs.UnverifiedEmails, id.Display)
		} else {
			v.LoginIDs.Emails = append(v.LoginIDs.Emails, id.Display)
		}
	}
	return v, nil
}

// searchUsers runs an accounts.search query (or only its WHERE part) over
// the site's users, a page at a time; the cursor is the offset of the page.
func (h *Handler) searchUsers(ctx context.Context, r *Request) (Response, error) {
	s, err := h.site(ctx, r)
	if err != nil {
		return Response{}, err
	}
	limit, err := limitParam(r)
	if err != nil {
		return Response{}, err
	}
	offset := 0
	if c := r.URL.Query().Get("cursor"); c != "" {
		if offset, err = strconv.Atoi(c); err != nil || offset < 0 || offset > 1_000_000 {
			return Response{}, errcode.InvalidValue("cursor", "not a cursor of this list")
		}
	}
	text := strings.TrimSpace(r.URL.Query().Get("q"))
	if len(text) > maxQuery {
		return Response{}, errcode.InvalidValue("q", "longer than "+strconv.Itoa(maxQuery)+" bytes")
	}
	switch {
	case text == "":
		text = "SELECT * FROM accounts ORDER BY created DESC"
	case !strings.HasPrefix(strings.ToUpper(text), "SELECT"):
		text = "SELECT * FROM accounts WHERE " + text
	}
	q, err := search.Parse(text)
	if err != nil {
		if e, ok := err.(*search.Error); ok {
			return Response{}, errcode.InvalidValue("q", e.Error())
		}
		return Response{}, err
	}
	if q.Count || q.Aggregate != nil {
		return Response{}, errcode.InvalidValue("q", "lists users: no count(*) or aggregate")
	}
	sctx, cancel := context.WithTimeout(ctx, searchTimeout)
	defer cancel()
	res, err := h.o.Accounts.Search(sctx, s, q, account.SearchPage{Offset: q.Start + offset, Limit: limit + 1})
	if sctx.Err() == context.DeadlineExceeded {
		return Response{}, errcode.InvalidValue("q", "the search took longer than "+searchTimeout.String()+": narrow it (start with a login ID, UID or a contains joined by AND)")
	}
	if err != nil {
		if e, ok := err.(*search.Error); ok {
			return Response{}, errcode.InvalidValue("q", e.Error())
		}
		return Response{}, err
	}
	found := res.Accounts
	body := obj{"totalCount": res.Total}
	if len(found) > limit {
		found = found[:limit]
		body["nextCursor"] = strconv.Itoa(offset + limit)
	}
	out := make([]userView, 0, len(found))
	for _, a := range found {
		v, err := h.viewUser(ctx, a)
		if err != nil {
			return Response{}, err
		}
		out = append(out, v)
	}
	body["results"] = out
	return Response{Body: body}, nil
}

func (h *Handler) user(ctx context.Context, r *Request) (site.Site, account.Account, error) {
	s, err := h.site(ctx, r)
	if err != nil {
		return site.Site{}, account.Account{}, err
	}
	uid := r.PathValue("uid")
	if uid == "" || len(uid) > 128 {
		return site.Site{}, account.Account{}, errcode.New(errcode.NotFound, "Not found: no such user")
	}
	a, err := h.o.Accounts.ByUID(ctx, s.ID, uid)
	return s, a, err
}

func userTarget(siteID int64, uid string) string { return siteTarget(siteID) + "/user:" + uid }

// The user page shows at most so many sessions and events.
const (
	maxUserSessions = 50
	maxUserEvents   = 50
)

// userDetail is the user page: the user, their live sessions (never a
// token), their social identities and their recent events.
func (h *Handler) userDetail(ctx context.Context, a account.Account) (obj, error) {
	v, err := h.viewUser(ctx, a)
	if err != nil {
		return nil, err
	}
	sessions, err := h.o.Stats.AccountSessions(ctx, a.ID, h.o.Now(), maxUserSessions)
	if err != nil {
		return nil, err
	}
	ss := make([]obj, len(sessions))
	for i, s := range sessions {
		ss[i] = obj{"id": s.ID, "createdAt": s.CreatedAt}
		if !s.ExpiresAt.IsZero() {
			ss[i]["expiresAt"] = s.ExpiresAt
		}
	}
	events, err := h.o.Stats.AccountEventsOf(ctx, a.SiteID, a.UID, maxUserEvents)
	if err != nil {
		return nil, err
	}
	es := make([]obj, len(events))
	for i, e := range events {
		es[i] = obj{"type": e.Type, "at": e.At}
	}
	ids, err := h.o.Accounts.Identities(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	is := make([]obj, len(ids))
	for i, id := range ids {
		is[i] = obj{"provider": id.Provider, "providerUID": id.ProviderUID, "issuer": id.Issuer, "email": id.Email,
			"emailVerified": id.EmailVerified, "createdAt": id.CreatedAt, "lastLoginAt": id.LastLoginAt}
	}
	return obj{"user": v, "sessions": ss, "identities": is, "events": es}, nil
}

func (h *Handler) getUser(ctx context.Context, r *Request) (Response, error) {
	_, a, err := h.user(ctx, r)
	if err != nil {
		return Response{}, err
	}
	body, err := h.userDetail(ctx, a)
	return Response{Body: body}, err
}

// changeUser applies c as the site's server would (through the schema),
// audits the user before and after, and answers the user.
func (h *Handler) changeUser(ctx context.Context, r *Request, action string, c account.Changes) (Response, error) {
	s, a, err := h.user(ctx, r)
	if err != nil {
		return Response{}, err
	}
	before, err := h.viewUser(ctx, a)
	if err != nil {
		return Response{}, err
	}
	a, err = h.o.Accounts.Update(ctx, s, account.Caller{Server: true}, a, c)
	if err != nil {
		return Response{}, err
	}
	return h.auditedUser(ctx, r, action, s, before, a)
}

func (h *Handler) auditedUser(ctx context.Context, r *Request, action string, s site.Site, before userView, a account.Account) (Response, error) {
	after, err := h.viewUser(ctx, a)
	if err != nil {
		return Response{}, err
	}
	h.audit(ctx, r, action, userTarget(s.ID, a.UID), before, after)
	return Response{Body: obj{"user": after}}, nil
}

func (h *Handler) patchUser(ctx context.Context, r *Request) (Response, error) {
	var in struct {
		Profile       map[string]any `json:"profile"`
		Data          map[string]any `json:"data"`
		Preferences   map[string]any `json:"preferences"`
		Subscriptions map[string]any `json:"subscriptions"`
	}
	if err := r.Decode(&in); err != nil {
		return Response{}, err
	}
	return h.changeUser(ctx, r, "user.update", account.Changes{Profile: in.Profile, Data: in.Data,
		Preferences: in.Preferences, Subscriptions: in.Subscriptions})
}

func (h *Handler) disableUser(ctx context.Context, r *Request) (Response, error) {
	off := false
	return h.changeUser(ctx, r, "user.disable", account.Changes{Active: &off})
}

func (h *Handler) enableUser(ctx context.Context, r *Request) (Response, error) {
	on := true
	return h.changeUser(ctx, r, "user.enable", account.Changes{Active: &on})
}

func (h *Handler) unlockUser(ctx context.Context, r *Request) (Response, error) {
	s, a, err := h.user(ctx, r)
	if err != nil {
		return Response{}, err
	}
	before, err := h.viewUser(ctx, a)
	if err != nil {
		return Response{}, err
	}
	if a, err = h.o.Accounts.Unlock(ctx, a); err != nil {
		return Response{}, err
	}
	return h.auditedUser(ctx, r, "user.unlock", s, before, a)
}

func (h *Handler) deleteUser(ctx context.Context, r *Request) (Response, error) {
	s, a, err := h.user(ctx, r)
	if err != nil {
		return Response{}, err
	}
	before, err := h.viewUser(ctx, a)
	if err != nil {
		return Response{}, err
	}
	if err := h.o.Accounts.Delete(ctx, a); err != nil {
		return Response{}, err
	}
	h.audit(ctx, r, "user.delete", userTarget(s.ID, a.UID), before, nil)
	return Response{}, nil
}

func (h *Handler) sendReset(ctx context.Context, r *Request) (Response, error) {
	return h.userAction(ctx, r, "user.send_reset", func(s site.Site, a account.Account) error {
		if a.Email == "" {
			return errcode.InvalidValue("uid", "the user has no email address")
		}
		return h.o.Accounts.MailReset(ctx, s, account.Email, a.Email, account.MailOptions{})
	})
}

func (h *Handler) revokeSessions(ctx context.Context, r *Request) (Response, error) {
	return h.userAction(ctx, r, "user.revoke_sessions", func(_ site.Site, a account.Account) error {
		return h.o.Accounts.LogoutAll(ctx, a)
	})
}

// userAction does to the request's user what act does, and audits it as
// action: the changes that leave the user's view as it was.
func (h *Handler) userAction(ctx context.Context, r *Request, action string, act func(site.Site, account.Account) error) (Response, error) {
	s, a, err := h.user(ctx, r)
	if err != nil {
		return Response{}, err
	}
	if err := act(s, a); err != nil {
		return Response{}, err
	}
	h.audit(ctx, r, action, userTarget(s.ID, a.UID), nil, nil)
	return Response{}, nil
}

// exportUser answers the user in the export format, without the password
// hash unless an owner asks for it (?includePassword=true); every export is
// audited first, saying whether the hash went out.
func (h *Handler) exportUser(ctx context.Context, r *Request) (Response, error) {
	withPassword := false
	switch v := r.URL.Query().Get("includePassword"); v {
	case "", "false":
	case "true":
		if !r.Admin().Role.AtLeast(admin.Owner) {
			return Response{}, errcode.Newf(errcode.PermissionDenied, "Permission denied: includePassword needs the owner role; %s has %s", r.Admin().Username, r.Admin().Role)
		}
		withPassword = true
	default:
		return Response{}, errcode.InvalidValue("includePassword", "true or false")
	}
	s, a, err := h.user(ctx, r)
	if err != nil {
		return Response{}, err
	}
	ids, err := h.o.Accounts.LoginIDsOf(ctx, a)
	if err != nil {
		return Response{}, err
	}
	if !withPassword {
		a.PasswordHash = ""
	}
	// An export changes nothing but hands out personal data: it is audited
	// before the answer, and without its entry there is no answer.
	if err := h.o.Admins.Record(ctx, r.Admin(), "user.export", userTarget(s.ID, a.UID), nil, obj{"passwordIncluded": withPassword}); err != nil {
		return Response{}, err
	}
	return Response{Body: account.ExportDocument(account.ExportedAccount{Account: a, LoginIDs: ids})}, nil
}
