package adminapi

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/admin"
)

type adminView struct {
	ID           int64      `json:"id"`
	Username     string     `json:"username"`
	Role         admin.Role `json:"role"`
	TOTPEnrolled bool       `json:"totpEnrolled"`
	Disabled     bool       `json:"disabled"`
	CreatedAt    time.Time  `json:"createdAt"`
	LastLoginAt  *time.Time `json:"lastLoginAt,omitempty"`
}

func viewAdmin(a admin.Admin) adminView {
	v := adminView{ID: a.ID, Username: a.Username, Role: a.Role, TOTPEnrolled: a.TOTPEnrolled, Disabled: a.Disabled, CreatedAt: a.CreatedAt}
	if !a.LastLoginAt.IsZero() {
		t := a.LastLoginAt
		v.LastLoginAt = &t
	}
	return v
}

type loginInput struct {
	Username string `json:"username"`
	Password string `json:"password"`
	Code     string `json:"code"`
	// NewPassword replaces the password at enrollment (POST /session/totp).
	NewPassword string `json:"newPassword"`
}

func (r *Request) login() (loginInput, error) {
	var in loginInput
	if err := r.Decode(&in); err != nil {
		return in, err
	}
	switch {
	case in.Username == "":
		return in, errcode.Missing("username")
	case in.Password == "":
		return in, errcode.Missing("password")
	case len(in.NewPassword) > 1024:
		return in, errcode.InvalidValue("newPassword", "at most 1024 bytes")
	case len(in.Username) > 256 || len(in.Password) > 1024 || len(in.Code) > 16:
		// Within limits, a wrong value is a wrong credential.
		return in, errcode.New(errcode.InvalidLoginID, "Invalid loginID: wrong username, password or code")
	}
	return in, nil
}

// sessionCookie is the cookie of a new session, a browser-session cookie
// (the server decides when the session ends), or with an empty token the
// one that removes it. It is Secure when custos's public URL is https,
// whatever the request came over (a TLS proxy not trusted to say so must
// not get a cookie that travels in clear).
func (h *Handler) sessionCookie(token string) *http.Cookie {
	c := &http.Cookie{Name: CookieName, Value: token, Path: cookiePath, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: strings.HasPrefix(strings.ToLower(h.o.PublicURL), "https://")}
	if token == "" {
		c.MaxAge = -1
	}
	return c
}

func (h *Handler) loggedIn(ctx context.Context, r *Request, res admin.LoginResult) (Response, error) {
	if res.Enroll != nil {
		return Response{Body: obj{"enroll": obj{"otpauthURI": res.Enroll.OTPAuthURI, "secret": res.Enroll.Secret}}}, nil
	}
	h.record(ctx, res.Session.Admin, "session.login", adminTarget(res.Session.Admin.ID), nil, nil)
	return Response{Body: sessionBody(res.Session), Cookie: h.sessionCookie(res.Token)}, nil
}

func sessionBody(s admin.Session) obj {
	return obj{"admin": viewAdmin(s.Admin), "csrfToken": s.CSRFToken, "expiresAt": s.ExpiresAt}
}

func (h *Handler) login(ctx context.Context, r *Request) (Response, error) {
	in, err := r.login()
	if err != nil {
		return Response{}, err
	}
	if in.NewPassword != "" {
		return Response{}, errcode.InvalidValue("newPassword", "only at enrollment (POST "+Prefix+"/session/totp)")
	}
	res, err := h.o.Admins.Login(ctx, in.Username, in.Password, in.Code)
	if err != nil {
		return Response{}, err
	}
	return h.loggedIn(ctx, r, res)
}

func (h *Handler) enroll(ctx context.Context, r *Request) (Response, error) {
	in, err := r.login()
	if err != nil {
		return Response{}, err
	}
	if in.Code == "" {
		return Response{}, errcode.Missing("code")
	}
	if in.NewPassword == "" {
		return Response{}, errcode.Missing("newPassword")
	}
	res, err := h.o.Admins.Enroll(ctx, in.Username, in.Password, in.Code, in.NewPassword)
	if err != nil {
		return Response{}, err
	}
	return h.loggedIn(ctx, r, res)
}

func (h *Handler) getSession(ctx context.Context, r *Request) (Response, error) {
	return Response{Body: sessionBody(r.Session)}, nil
}

func (h *Handler) logout(ctx context.Context, r *Request) (Response, error) {
	c, err := r.Cookie(CookieName)
	if err != nil {
		return Response{}, errcode.New(errcode.NoUserCookie, "No user cookie")
	}
	if err := h.o.Admins.Logout(ctx, c.Value); err != nil {
		return Response{}, err
	}
	h.audit(ctx, r, "session.logout", adminTarget(r.Admin().ID), nil, nil)
	return Response{Cookie: h.sessionCookie("")}, nil
}

func adminTarget(id int64) string { return "admin:" + strconv.FormatInt(id, 10) }

func (h *Handler) listAdmins(ctx context.Context, r *Request) (Response, error) {
	as, err := h.o.Admins.List(ctx)
	if err != nil {
		return Response{}, err
	}
	out := make([]adminView, len(as))
	for i, a := range as {
		out[i] = viewAdmin(a)
	}
	return Response{Body: obj{"admins": out}}, nil
}

// The admin service audits its own changes (create, update, delete).

func (h *Handler) createAdmin(ctx context.Context, r *Request) (Response, error) {
	var in struct {
		Username string     `json:"username"`
		Role     admin.Role `json:"role"`
		Password string     `json:"password"`
	}
	if err := r.Decode(&in); err != nil {
		return Response{}, err
	}
	a, pw, err := h.o.Admins.Create(ctx, r.Admin(), admin.NewAdmin{Username: in.Username, Role: in.Role, Password: in.Password})
	if err != nil {
		return Response{}, err
	}
	body := obj{"admin": viewAdmin(a)}
	if in.Password == "" {
		body["password"] = pw
	}
	return Response{Status: 201, Body: body}, nil
}

func adminID(r *Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("adminId"), 10, 64)
	if err != nil || id <= 0 {
		return 0, admin.ErrNotFound
	}
	return id, nil
}

func (h *Handler) patchAdmin(ctx context.Context, r *Request) (Response, error) {
	id, err := adminID(r)
	if err != nil {
		return Response{}, err
	}
	var in struct {
		Role      *admin.Role `json:"role"`
		Disabled  *bool       `json:"disabled"`
		ResetTOTP bool        `json:"resetTotp"`
	}
	if err := r.Decode(&in); err != nil {
		return Response{}, err
	}
	a, err := h.o.Admins.Update(ctx, r.Admin(), id, admin.Change{Role: in.Role, Disabled: in.Disabled, ResetTOTP: in.ResetTOTP})
	if err != nil {
		return Response{}, err
	}
	return Response{Body: viewAdmin(a)}, nil
}

func (h *Handler) deleteAdmin(ctx context.Context, r *Request) (Response, error) {
	id, err := adminID(r)
	if err != nil {
		return Response{}, err
	}
	return Response{}, h.o.Admins.Delete(ctx, r.Admin(), id)
}

func (h *Handler) listAudit(ctx context.Context, r *Request) (Response, error) {
	limit, err := limitParam(r)
	if err != nil {
		return Response{}, err
	}
	q := r.URL.Query()
	f := admin.AuditFilter{Action: q.Get("action"), Target: q.Get("target")}
	if v := q.Get("adminId"); v != "" {
		if f.AdminID, err = strconv.ParseInt(v, 10, 64); err != nil {
			return Response{}, errcode.InvalidValue("adminId", "not an admin's id")
		}
	}
	p, err := h.o.Admins.Audit(ctx, f, admin.Page{Cursor: q.Get("cursor"), Limit: limit})
	if err != nil {
		return Response{}, err
	}
	out := make([]obj, len(p.Entries))
	for i, e := range p.Entries {
		out[i] = obj{"id": e.ID, "at": e.At, "admin": obj{"id": e.AdminID, "username": e.Username},
			"action": e.Action, "target": e.Target, "before": rawOrNull(e.Before), "after": rawOrNull(e.After)}
	}
	body := obj{"entries": out}
	if p.Next != "" {
		body["nextCursor"] = p.Next
	}
	return Response{Body: body}, nil
}

func rawOrNull(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return jsonRaw(b)
}
