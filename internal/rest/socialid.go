package rest

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/site"
)

// registerSocialID adds the routes of the Social ID login API around the
// user resource: the mails, the list, user tokens, and the sign-ins and
// connections that login answers point to.
func registerSocialID(h *Handler, u Users) {
	h.Handle("GET /users", u.list)
	h.Handle("PUT /users/{id}/token", u.userToken)
	// Each mail has an older name that still works.
	h.Handle("POST /users/reset_password/email", u.mail(u.Accounts.MailReset))
	h.Handle("POST /users/reset_password_email", u.mail(u.Accounts.MailReset))
	h.Handle("POST /users/email_confirmation/email", u.mail(u.Accounts.MailConfirmation))
	h.Handle("POST /users/send_email_confirmation", u.mail(u.Accounts.MailConfirmation))
	h.Handle("GET /sign_ins/{id}", u.signIn)
	h.Handle("GET /connections/{id}", u.connection)
	h.Handle("DELETE /connections/{id}", u.endConnection)
}

// mailBody is the body of the mail routes, besides the login ID.
type mailBody struct {
	RedirectURL string `json:"redirect_url"`
	From        string `json:"from"`
	Subject     string `json:"subject"`
	LogoURL     string `json:"logo_url"`
	Description string `json:"description"`
}

// mailer sends one kind of mail to the user of a login ID.
type mailer func(ctx context.Context, st site.Site, kind account.LoginIDKind, loginID string, o account.MailOptions) error

// mail serves a mail route: 201 once the mail is queued, or, where the site
// prevents login-ID harvesting, once the request is well formed, whether
// or not the user exists.
func (u Users) mail(send mailer) HandlerFunc {
	return func(ctx context.Context, r *Request) (Response, error) {
		kind, value, _, err := r.identity()
		if err != nil {
			return Response{}, err
		}
		var b mailBody
		if err := r.Decode(&b); err != nil {
			return Response{}, err
		}
		o := account.MailOptions{RedirectURL: b.RedirectURL, From: b.From, Subject: b.Subject, LogoURL: b.LogoURL,
			Description: b.Description}
		if err := send(ctx, r.Site, kind, value, o); err != nil {
			return Response{}, err
		}
		return Response{Status: http.StatusCreated, Body: struct{}{}}, nil
	}
}

// The bounds of GET /users: page_size as Social ID's; page so that the
// offset stays small enough to page through.
const (
	defaultPageSize = 100
	maxPageSize     = 100
	maxPage         = 100000
	maxListIDs      = 100
)

// list answers a page of the site's users, oldest first, with how many
// there are in all in X-Total-Count.
func (u Users) list(ctx context.Context, r *Request) (Response, error) {
	q := r.URL.Query()
	if q.Has("mac_address") {
		// Leaving the filter out would answer every user.
		return Response{}, errcode.InvalidValue("mac_address", "custos keeps no MAC addresses")
	}
	page, err := queryInt(q, "page", 1, maxPage, 1)
	if err != nil {
		return Response{}, err
	}
	sizeParam := "page_size"
	if !q.Has(sizeParam) && q.Has("per_page") {
		sizeParam = "per_page"
	}
	size, err := queryInt(q, sizeParam, 1, maxPageSize, defaultPageSize)
	if err != nil {
		return Response{}, err
	}
	ids, err := queryIDs(q.Get("ids"))
	if err != nil {
		return Response{}, err
	}
	var (
		accounts []account.Account
		total    int
	)
	if q.Has("query") {
		accounts, total, err = u.search(ctx, r, q, (page-1)*size, size)
	} else {
		accounts, total, err = u.Accounts.List(ctx, r.Site, account.ListInput{Email: q.Get("email_address"),
			Username: q.Get("username"), IDs: ids, Offset: (page - 1) * size, Limit: size})
	}
	if err != nil {
		return Response{}, err
	}
	results := make([]user, len(accounts))
	for i, a := range accounts {
		results[i] = u.userOf(a)
		results[i].Profile = r.profileOf(a)
	}
	return Response{Header: http.Header{"X-Total-Count": {strconv.Itoa(total)}},
		Body: map[string]any{"count": len(results), "results": results}}, nil
}

// queryInt reads the whole number name of the query, def when absent.
func queryInt(q url.Values, name string, lo, hi, def int) (int, error) {
	if !q.Has(name) {
		return def, nil
	}
	n, err := strconv.Atoi(q.Get(name))
	if err != nil || n < lo || n > hi {
		return 0, errcode.InvalidValue(name, "want a whole number from "+strconv.Itoa(lo)+" to "+strconv.Itoa(hi))
	}
	return n, nil
}

// queryIDs reads the comma-separated user ids of the ids parameter.
func queryIDs(s string) ([]int64, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	parts := strings.Split(s, ",")
	if len(parts) > maxListIDs {
		return nil, errcode.InvalidValue("ids", "at most "+strconv.Itoa(maxListIDs)+" ids")
	}
	ids := make([]int64, len(parts))
	for i, p := range parts {
		id, err := strconv.ParseInt(strings.TrimSpace(p), 10, 64)
		if err != nil || id <= 0 {
			return nil, errcode.InvalidValue("ids", "want user ids separated by commas")
		}
		ids[i] = id
	}
	return ids, nil
}

// userWithToken is the user answered with a new user token.
type userWithToken struct {
	user
	Token string `json:"token"`
}

// userToken opens a session for the user and answers its token as the
// user's token; the token issued before ends.
func (u Users) userToken(ctx context.Context, r *Request) (Response, error) {
	a, err := u.target(ctx, r)
	if err != nil {
		return Response{}, err
	}
	sess, err := u.Accounts.UserToken(ctx, r.Site, a)
	if err != nil {
		return Response{}, err
	}
	return Response{Body: userWithToken{user: u.userOf(a), Token: sess.Token}}, nil
}

// signIn is a login as the Social ID API shows it: a live session.
type signIn struct {
	ID           int64   `json:"id"`
	UserID       int64   `json:"user_id"`
	Connection   string  `json:"connection"`
	ConnectionID string  `json:"connection_id"`
	CreatedAt    string  `json:"created_at"`
	ExpiresAt    *string `json:"expires_at"`
}

func (u Users) signInOf(s account.Session) signIn {
	connID := account.ConnectionID(s)
	out := signIn{ID: s.ID, UserID: s.AccountID, Connection: u.BaseURL + Prefix + "/connections/" + connID,
		ConnectionID: connID, CreatedAt: s.CreatedAt.UTC().Format(timeLayout)}
	if !s.ExpiresAt.IsZero() {
		out.ExpiresAt = optional(s.ExpiresAt.UTC().Format(timeLayout))
	}
	return out
}

func (u Users) signIn(ctx context.Context, r *Request) (Response, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		id = 0 // not found, as any id no session has
	}
	s, _, err := u.Accounts.SignIn(ctx, r.Site, id)
	if err != nil {
		return Response{}, err
	}
	return Response{Body: u.signInOf(s)}, nil
}

// connection is a session as a connection: its sign-in, and the user's
// profile fields asked for.
type connection struct {
	signIn
	SignIn  string `json:"sign_in"`
	Profile any    `json:"profile,omitempty"`
}

func (u Users) connection(ctx context.Context, r *Request) (Response, error) {
	s, a, err := u.Accounts.Connection(ctx, r.Site, r.PathValue("id"))
	if err != nil {
		return Response{}, err
	}
	return Response{Body: connection{signIn: u.signInOf(s), SignIn: u.location("sign_ins", s.ID), Profile: r.profileOf(a)}}, nil
}

// endConnection ends the session of a connection: the user's other
// sessions stay.
func (u Users) endConnection(ctx context.Context, r *Request) (Response, error) {
	s, _, err := u.Accounts.EndConnection(ctx, r.Site, r.PathValue("id"))
	if err != nil {
		return Response{}, err
	}
	return Response{Body: map[string]any{"connection_id": account.ConnectionID(s), "user_id": s.AccountID}}, nil
}
