// Package rpc is the RPC dialect adapter: Gigya-style GET|POST
// /<namespace>.<method> calls with query and form parameters, answered with
// the errorCode envelope.
package rpc

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/callctx"
	"github.com/custos-id/custos/internal/site"
)

// Auth is the credential a method needs.
type Auth int

const (
	// APIKey methods are client-side: the site's apiKey is enough.
	APIKey Auth = iota
)

// Method is one RPC method.
type Method struct {
	Auth Auth
	// Run does the work. Its result is a struct or map whose JSON fields are
	// merged into the envelope. It may return a result with a catalog error
	// (a pending registration carries a regToken, for instance).
	Run func(ctx context.Context, c *Call) (any, error)
}

// Call is what a method receives.
type Call struct {
	Site   site.Site
	Params *Params
}

// Sites resolves an apiKey.
type Sites interface {
	ByAPIKey(ctx context.Context, apiKey string) (site.Site, error)
}

// Handler serves the RPC dialect.
type Handler struct {
	sites   Sites
	methods map[string]registered
	now     func() time.Time
	log     *slog.Logger
}

type registered struct {
	name string
	Method
}

// New returns a Handler with no methods.
func New(sites Sites, now func() time.Time, log *slog.Logger) *Handler {
	return &Handler{sites: sites, methods: map[string]registered{}, now: now, log: log}
}

// Register adds a method under its full name, such as "accounts.login".
// Names match case-insensitively.
func (h *Handler) Register(name string, m Method) {
	h.methods[strings.ToLower(name)] = registered{name: name, Method: m}
}

// ServeHTTP serves one call: any path of one segment is a method name.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	info := callctx.From(r.Context())
	info.Dialect, info.Method = "rpc", "unknown"
	// The query's output options hold even when the body cannot be read, so
	// that a JSONP caller hears of a bad body through its callback.
	out, _ := parseOutput(r.URL.Query())
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			h.log.Error("panic", "call_id", info.ID, "method", info.Method, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			h.render(w, r, out, nil, errcode.New(errcode.GeneralServerError, "General Server Error"))
		}
	}()
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		h.render(w, r, out, nil, errcode.Newf(errcode.InvalidRequestFormat, "Invalid request format: HTTP method %s; use GET or POST", r.Method))
		return
	}
	values, err := readValues(r)
	if err != nil {
		h.render(w, r, out, nil, err)
		return
	}
	if out, err = parseOutput(values); err != nil {
		h.render(w, r, out, nil, err)
		return
	}
	name := strings.TrimPrefix(r.URL.Path, "/")
	m, ok := h.methods[strings.ToLower(name)]
	if !ok {
		h.render(w, r, out, nil, errcode.Newf(errcode.InvalidAPIMethod, "Invalid API method: %.100q", name))
		return
	}
	info.Method = m.name
	data, err := h.call(r, m, values)
	h.render(w, r, out, data, err)
}

func (h *Handler) call(r *http.Request, m registered, values map[string][]string) (any, error) {
	params, err := NewParams(values)
	if err != nil {
		return nil, err
	}
	if m.Auth != APIKey {
		// Fail closed: a method must never run on credentials nobody checked.
		return nil, fmt.Errorf("rpc: %s needs credentials this adapter does not check", m.name)
	}
	apiKey := params.Get("apiKey")
	if apiKey == "" {
		return nil, errcode.New(errcode.MissingAPIKey, "Missing required parameter: apiKey")
	}
	st, err := h.sites.ByAPIKey(r.Context(), apiKey)
	if err != nil {
		return nil, err
	}
	return m.Run(r.Context(), &Call{Site: st, Params: params})
}
