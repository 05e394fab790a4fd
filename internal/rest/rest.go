// Package rest is the REST dialect adapter: the Social ID login API under
// /v1/marketing/login, with HTTP Basic site credentials, JSON bodies, and
// errors as an HTTP status with {"error", "error_description", "errors"}.
package rest

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
	"net/url"
	"reflect"
	"runtime/debug"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/authn"
	"github.com/custos-id/custos/internal/callctx"
	"github.com/custos-id/custos/internal/jsonlimit"
	"github.com/custos-id/custos/internal/ratelimit"
)

// Prefix is the root of every route of the dialect.
const Prefix = "/v1/marketing/login"

// Request is what a route receives: the request and who sends it (the
// site's server, by HTTP Basic).
type Request struct {
	*http.Request
	authn.Principal
	// Body is the request body, checked to be a JSON object when not empty.
	Body []byte
}

// Decode unmarshals the body into v; an empty body leaves v as it is.
func (r *Request) Decode(v any) error {
	if len(r.Body) == 0 {
		return nil
	}
	// Numbers stay exact (json.Number), as the schema checks and stores them.
	dec := json.NewDecoder(bytes.NewReader(r.Body))
	dec.UseNumber()
	err := dec.Decode(v)
	if err == nil && dec.Decode(new(json.RawMessage)) != io.EOF {
		err = errors.New("trailing data after the JSON value")
	}
	if err != nil {
		return errcode.Newf(errcode.InvalidRequestFormat, "Invalid request body: %v", jsonProblem(err))
	}
	return nil
}

// Response is a successful answer.
type Response struct {
	Status int
	// Location, when set, becomes the Location header (a created resource).
	Location string
	// Header are more header fields of the answer.
	Header http.Header
	Body   any
}

// HandlerFunc serves one route.
type HandlerFunc func(ctx context.Context, r *Request) (Response, error)

// Handler serves the REST dialect.
type Handler struct {
	mux     *http.ServeMux
	unknown http.Handler
	authn   *authn.Verifier
	log     *slog.Logger
	routes  []string
	limiter *ratelimit.Limiter
}

// New returns a Handler whose unknown routes answer 404; v checks the Basic
// credentials, limiter (nil for none) bounds each client's request rate per
// site.
func New(v *authn.Verifier, limiter *ratelimit.Limiter, log *slog.Logger) *Handler {
	h := &Handler{mux: http.NewServeMux(), authn: v, log: log, limiter: limiter}
	h.unknown = h.wrap("unknown", nil, func(context.Context, *Request) (Response, error) {
		return Response{}, errcode.New(errcode.NotFound, "Not found")
	})
	h.mux.Handle("/", h.unknown)
	return h
}

// NotFound answers as for an unknown route, whatever the path: for paths
// that the router would otherwise redirect (with "..", "." or "//").
func (h *Handler) NotFound() http.Handler { return h.unknown }

// Handle adds a route: pattern is an HTTP method and a path below Prefix,
// such as "GET /users/find_by".
func (h *Handler) Handle(pattern string, fn HandlerFunc) {
	h.HandleAuth(pattern, nil, fn)
}

// Authenticator checks the credentials of a route that takes others than
// HTTP Basic (GET /info: api_secret and the user's token in the query).
// secure tells whether the request came over HTTPS.
type Authenticator func(r *http.Request, secure bool) (*authn.Principal, error)

// HandleAuth adds a route as Handle does, whose credentials auth checks
// (nil: HTTP Basic).
func (h *Handler) HandleAuth(pattern string, auth Authenticator, fn HandlerFunc) {
	method, path, ok := strings.Cut(pattern, " ")
	if !ok {
		panic("rest: pattern needs an HTTP method: " + pattern)
	}
	h.mux.Handle(method+" "+Prefix+path, h.wrap(pattern, auth, fn))
	h.routes = append(h.routes, method+" "+Prefix+path)
}

// Routes lists the routes, as "METHOD /v1/marketing/login/…" patterns.
func (h *Handler) Routes() []string { return slices.Clone(h.routes) }

// ServeHTTP dispatches to the routes.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

func (h *Handler) wrap(route string, auth Authenticator, fn HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info := callctx.From(r.Context())
		info.Dialect, info.Method = "rest", route
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				h.log.Error("panic", "call_id", info.ID, "route", route, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				h.renderError(w, r, errcode.New(errcode.GeneralServerError, "An unknown error happened"))
			}
		}()
		req, err := h.prepare(r, auth)
		if err != nil {
			h.renderError(w, r, err)
			return
		}
		resp, err := fn(r.Context(), req)
		if err != nil {
			h.renderError(w, r, err)
			return
		}
		h.render(w, resp)
	})
}

// prepare authenticates the request and reads its body: 401 for credentials,
// 406 for a body that is not JSON, 400 for malformed JSON. A body declared
// past the server's limit is refused first, before it is invited.
func (h *Handler) prepare(r *http.Request, auth Authenticator) (*Request, error) {
	if callctx.From(r.Context()).BodyTooLarge {
		return nil, callctx.TooLarge()
	}
	if auth == nil {
		auth = h.basic
	}
	info := callctx.From(r.Context())
	p, err := auth(r, info.Secure)
	if err != nil {
		return nil, err
	}
	if ok, wait := h.limiter.Allow(p.Site.ID, info.ClientIP); !ok {
		return nil, info.RateLimited(wait)
	}
	if !validQuery(r.URL) {
		return nil, errcode.New(errcode.InvalidRequestFormat, "Invalid request format: the query is not valid UTF-8 text")
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, callctx.BodyError(err)
	}
	body = bytes.TrimSpace(body)
	if len(body) > 0 {
		if !isJSON(r.Header.Get("Content-Type")) {
			return nil, errcode.New(errcode.UnsupportedContentType, `The request body must be JSON: set "Content-Type: application/json"`)
		}
		if err := checkJSON(body); err != nil {
			return nil, errcode.Newf(errcode.InvalidRequestFormat, "Invalid request body: %v", err)
		}
	}
	return &Request{Request: r, Principal: *p, Body: body}, nil
}

// basic checks HTTP Basic site credentials, what most routes take.
func (h *Handler) basic(r *http.Request, secure bool) (*authn.Principal, error) {
	user, pass, ok := r.BasicAuth()
	if !ok {
		return nil, errcode.New(errcode.InvalidAuthenticationHeader, "HTTP Basic authentication with <siteId>:<secret> is required")
	}
	return h.authn.Basic(r.Context(), user, pass, secure)
}

// Authn is the verifier of the handler's credentials.
func (h *Handler) Authn() *authn.Verifier { return h.authn }

// checkJSON accepts one JSON object within the limits of jsonlimit, in
// which no object repeats a key. Keys compare case-insensitively, as
// encoding/json matches them to fields: a body with both "username" and
// "USERNAME" would otherwise mean whichever came last.
func checkJSON(body []byte) error {
	if err := jsonlimit.Check(body); err != nil {
		return err
	}
	if body[0] != '{' {
		return errors.New("not a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	type level struct {
		object bool
		keys   map[string]bool
		key    bool // the next string token in this object is a key
	}
	var stack []*level
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return errors.New("malformed JSON")
		}
		var top *level
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if s, ok := tok.(string); ok && top != nil && top.object && top.key {
			k := strings.ToLower(s)
			if top.keys[k] {
				return fmt.Errorf("duplicate key %.64q", s)
			}
			top.keys[k] = true
			top.key = false
			continue
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &level{object: true, keys: map[string]bool{}, key: true})
			continue
		case json.Delim('['):
			stack = append(stack, &level{})
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
			if len(stack) > 0 {
				top = stack[len(stack)-1]
			} else {
				top = nil
			}
		}
		// A value ends: in an object, a key comes next.
		if top != nil && top.object {
			top.key = true
		}
	}
}

// validQuery tells whether every name and value of the query of u is UTF-8
// text without NUL, as the RPC dialect requires of its parameters.
func validQuery(u *url.URL) bool {
	if !strings.Contains(u.RawQuery, "%") { // nothing escaped: the text is as sent (no parsing, no allocation)
		return validText(u.RawQuery)
	}
	for name, vs := range u.Query() {
		if !validText(name) {
			return false
		}
		for _, v := range vs {
			if !validText(v) {
				return false
			}
		}
	}
	return true
}

// validText tells whether s is UTF-8 without NUL.
func validText(s string) bool { return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 }

func isJSON(contentType string) bool {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return false
	}
	return mt == "application/json" || strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json")
}

// jsonProblem words a decoding error of a body checkJSON accepted: a value of
// the wrong type.
func jsonProblem(err error) string {
	if te, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
		return fmt.Sprintf("%s must be %s", te.Field, jsonKind(te.Type))
	}
	return "malformed JSON"
}

// jsonKind names a Go type as the JSON value it decodes from.
func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	}
	return "a number"
}

func (h *Handler) render(w http.ResponseWriter, resp Response) {
	for k, vs := range resp.Header {
		w.Header()[k] = vs
	}
	if resp.Location != "" {
		w.Header().Set("Location", resp.Location)
	}
	status := resp.Status
	if status == 0 {
		status = http.StatusOK
	}
	writeJSON(w, status, resp.Body)
}

// errorBody is the error format of the Social ID document.
type errorBody struct {
	Error       errcode.Token `json:"error"`
	Description string        `json:"error_description"`
	Errors      []any         `json:"errors"`
}

type fieldError struct {
	Attribute string  `json:"attribute"`
	Message   string  `json:"message"`
	Code      string  `json:"code"`
	Value     *string `json:"value,omitempty"`
	Count     *int    `json:"count,omitempty"`
}

func (h *Handler) renderError(w http.ResponseWriter, r *http.Request, err error) {
	e := callctx.Fail(r.Context(), h.log, errorTable.Render(err))
	token := e.Entry().Token
	if token == "" {
		token = errcode.TokenInternalServerError
	}
	body := errorBody{Error: token, Description: e.Description()}
	if len(e.Fields) > 0 {
		// The description lists the field errors.
		msgs := make([]string, len(e.Fields))
		for i, f := range e.Fields {
			msgs[i] = f.FullMessage()
			body.Errors = append(body.Errors, fieldError{f.Attribute, f.Message, string(f.Rule), f.Value, f.Count})
		}
		body.Description = strings.Join(msgs, ", ")
	}
	if len(body.Errors) == 0 {
		body.Errors = []any{body.Description}
	}
	status := token.Status()
	callctx.From(r.Context()).SetRetryAfter(w.Header())
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="custos", charset="UTF-8"`)
	}
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if v != nil {
		json.NewEncoder(w).Encode(v)
	}
}
