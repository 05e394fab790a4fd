// Package adminapi is the admin API adapter: the operators' JSON API under
// /admin/api/v1, behind an admin session cookie, a CSRF header on every
// change and the least role of each route. Every change goes through the
// domain services the CLI and the RPC dialect use, and is audited.
package adminapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"runtime/debug"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/admin"
	"github.com/custos-id/custos/internal/authn"
	"github.com/custos-id/custos/internal/callctx"
	"github.com/custos-id/custos/internal/jsonlimit"
)

// Prefix is the root of every route.
const Prefix = "/admin/api/v1"

// CookieName is the admin session's cookie; CSRFHeader carries the
// session's CSRF token on every request but GET.
const (
	CookieName = authn.AdminCookie
	CSRFHeader = "X-CSRF-Token"
	cookiePath = "/admin/"
)

// maxBody bounds a request body (a screen-set is the largest).
const maxBody = 1 << 20

// RoleNone is the "role" of routes that need no session (logging in).
const RoleNone admin.Role = ""

// Route is one entry of the route table: the least role a caller needs
// (RoleNone: no session, as for logging in) and what it does.
type Route struct {
	Method, Path string
	Role         admin.Role
	Handle       HandlerFunc
}

// Write tells whether the route changes something (and so needs the CSRF
// header).
func (r Route) Write() bool { return r.Method != http.MethodGet }

// Request is what a route receives.
type Request struct {
	*http.Request
	// Session is the caller's; zero for a route of RoleNone.
	Session admin.Session
	Body    []byte
}

// Admin is the calling admin.
func (r *Request) Admin() admin.Admin { return r.Session.Admin }

// Decode unmarshals the body into v, refusing unknown fields; an empty body
// leaves v as it is.
func (r *Request) Decode(v any) error {
	if len(r.Body) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(r.Body))
	dec.UseNumber()
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil && dec.Decode(new(json.RawMessage)) != io.EOF {
		err = errors.New("trailing data after the JSON value")
	}
	if err != nil {
		return errcode.Newf(errcode.InvalidRequestFormat, "Invalid request body: %s", jsonProblem(err))
	}
	return nil
}

// Response is a successful answer; a nil Body with Status 0 is 204.
type Response struct {
	Status int
	Body   any
	// Cookie, when set, is set on the answer.
	Cookie *http.Cookie
}

// HandlerFunc serves one route.
type HandlerFunc func(ctx context.Context, r *Request) (Response, error)

// Handler serves the admin API.
type Handler struct {
	mux     *http.ServeMux
	unknown http.Handler
	routes  []Route
	o       Options
}

// New returns the admin API over the services of o.
func New(o Options) *Handler {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	h := &Handler{mux: http.NewServeMux(), o: o}
	h.routes = h.table()
	for _, rt := range h.routes {
		h.mux.Handle(rt.Method+" "+Prefix+rt.Path, h.wrap(rt))
	}
	unknown := h.wrap(Route{Method: "", Path: "unknown", Role: RoleNone, Handle: func(context.Context, *Request) (Response, error) {
		return Response{}, errcode.New(errcode.NotFound, "Not found: no such admin API route")
	}})
	h.unknown = unknown
	h.mux.Handle(Prefix+"/", unknown)
	h.mux.Handle(Prefix, unknown)
	return h
}

// NotFound answers as for an unknown route, whatever the path (for paths
// the router would otherwise redirect).
func (h *Handler) NotFound() http.Handler { return h.unknown }

// Routes returns the route table.
func (h *Handler) Routes() []Route { return append([]Route(nil), h.routes...) }

// ServeHTTP dispatches to the routes.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

func (h *Handler) wrap(rt Route) http.Handler {
	name := rt.Method + " " + rt.Path
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info := callctx.From(r.Context())
		info.Dialect, info.Method = "admin", name
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				h.o.Log.Error("panic", "call_id", info.ID, "route", name, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				h.renderError(w, r, errcode.New(errcode.GeneralServerError, "An unknown error happened"))
			}
		}()
		req, err := h.prepare(r, rt)
		if err != nil {
			h.renderError(w, r, err)
			return
		}
		resp, err := rt.Handle(r.Context(), req)
		if err != nil {
			h.renderError(w, r, err)
			return
		}
		if resp.Cookie != nil {
			http.SetCookie(w, resp.Cookie)
		}
		status := resp.Status
		if status == 0 {
			status = http.StatusOK
			if resp.Body == nil {
				status = http.StatusNoContent
			}
		}
		writeJSON(w, status, resp.Body)
	})
}

// prepare decides who calls and whether they may: the session (401 without
// one), the CSRF token of a change (403), the role (403); then the body, a
// JSON object within the limits of client JSON.
func (h *Handler) prepare(r *http.Request, rt Route) (*Request, error) {
	info := callctx.From(r.Context())
	if info.BodyTooLarge {
		return nil, callctx.TooLarge()
	}
	req := &Request{Request: r}
	if rt.Role != RoleNone {
		c, err := r.Cookie(CookieName)
		if err != nil || c.Value == "" {
			return nil, errcode.New(errcode.NoUserCookie, "No user cookie: log in first (POST "+Prefix+"/session)")
		}
		p, err := authn.AdminSession(r.Context(), h.o.Admins, c.Value)
		if errors.Is(err, authn.ErrAdminUnauthenticated) {
			return nil, errcode.New(errcode.SessionHasExpired, "Session has expired: log in again (POST "+Prefix+"/session)")
		}
		if err != nil {
			return nil, err
		}
		s := p.Session
		// The CSRF token is checked before the role, so that a forged
		// request learns nothing about the victim's role.
		if rt.Write() && !p.CheckCSRF(r.Header.Get(CSRFHeader)) {
			return nil, errcode.New(errcode.Forbidden, "Forbidden: the "+CSRFHeader+" header must carry the session's CSRF token")
		}
		if !p.Allows(rt.Role) {
			return nil, errcode.Newf(errcode.PermissionDenied, "Permission denied: this needs the %s role; %s has %s", rt.Role, s.Admin.Username, s.Admin.Role)
		}
		req.Session = s
	}
	if !utf8.ValidString(r.URL.RawQuery) || strings.IndexByte(r.URL.RawQuery, 0) >= 0 {
		return nil, errcode.New(errcode.InvalidRequestFormat, "Invalid request format: the query is not valid UTF-8 text")
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxBody))
	if err != nil {
		return nil, callctx.BodyError(err)
	}
	body = bytes.TrimSpace(body)
	if len(body) > 0 {
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if mt != "application/json" {
			return nil, errcode.New(errcode.UnsupportedContentType, `The request body must be JSON: set "Content-Type: application/json"`)
		}
		if err := jsonlimit.Check(body); err != nil {
			return nil, errcode.Newf(errcode.InvalidRequestFormat, "Invalid request body: %v", err)
		}
		if body[0] != '{' {
			return nil, errcode.New(errcode.InvalidRequestFormat, "Invalid request body: not a JSON object")
		}
	}
	req.Body = body
	return req, nil
}

// errorBody is the error format of the admin API.
type errorBody struct {
	Error       errcode.Token `json:"error"`
	Description string        `json:"error_description"`
	Code        errcode.Code  `json:"errorCode"`
	Errors      []fieldError  `json:"errors,omitempty"`
}

type fieldError struct {
	Attribute string `json:"attribute"`
	Message   string `json:"message"`
	Code      string `json:"code"`
}

func (h *Handler) renderError(w http.ResponseWriter, r *http.Request, err error) {
	e := callctx.Fail(r.Context(), h.o.Log, domainError(err))
	token := e.Entry().Token
	if token == "" {
		token = errcode.TokenInternalServerError
	}
	body := errorBody{Error: token, Description: e.Description(), Code: e.Code}
	for _, f := range e.Fields {
		body.Errors = append(body.Errors, fieldError{f.Attribute, f.Message, string(f.Rule)})
	}
	callctx.From(r.Context()).SetRetryAfter(w.Header())
	writeJSON(w, token.Status(), body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if v == nil {
		w.WriteHeader(status)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// jsonProblem words a decoding error of a body jsonlimit accepted.
func jsonProblem(err error) string {
	if te, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
		return fmt.Sprintf("%s has the wrong type (%s)", te.Field, te.Value)
	}
	if s := err.Error(); strings.HasPrefix(s, "json: unknown field ") {
		return "unknown field " + strings.TrimPrefix(s, "json: unknown field ")
	}
	return "malformed JSON"
}
