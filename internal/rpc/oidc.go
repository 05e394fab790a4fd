package rpc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/dialect"
	"github.com/custos-id/custos/internal/jsonlimit"
	"github.com/custos-id/custos/internal/oauth"
)

// OIDC is what the fidm.oidc.op.* methods need.
type OIDC struct {
	OAuth *oauth.Service
	// Metadata is the issuer and endpoint URLs of a site's provider
	// (oidcop.Provider.Metadata), which getMetadata answers.
	Metadata func(apiKey string) map[string]string
}

// RegisterOIDC adds the management methods of the OpenID Provider: its
// relying parties (createRP … delRP) and the site's configuration
// (setConfig, getConfig, clearConfig), all server calls, and getMetadata.
func RegisterOIDC(h *Handler, x OIDC) {
	rp := []string{"name", "description", "redirectUris", "postLogoutRedirectUris", "responseTypes",
		"grantTypes", "allowedScopes", "clientType", "requireConsent"}
	h.Register("fidm.oidc.op.createRP", Method{Auth: Server, Run: x.createRP,
		Params: append([]string{"clientID", "clientSecret"}, rp...)})
	h.Register("fidm.oidc.op.updateRP", Method{Auth: Server, Run: x.updateRP,
		Params: append([]string{"clientID", "rotateSecret"}, rp...)})
	h.Register("fidm.oidc.op.getRP", Method{Auth: Server, Run: x.getRP, Params: []string{"clientID"}})
	h.Register("fidm.oidc.op.getRPs", Method{Auth: Server, Run: x.getRPs})
	h.Register("fidm.oidc.op.delRP", Method{Auth: Server, Run: x.delRP, Params: []string{"clientID"}})
	h.Register("fidm.oidc.op.setConfig", Method{Auth: Server, Run: x.setConfig, Params: configParams})
	h.Register("fidm.oidc.op.getConfig", Method{Auth: Server, Run: x.getConfig})
	h.Register("fidm.oidc.op.clearConfig", Method{Auth: Server, Run: x.clearConfig})
	// The metadata is what the discovery document publishes to anyone: the
	// apiKey is enough.
	h.Register("fidm.oidc.op.getMetadata", Method{Auth: APIKey, Run: x.getMetadata})
}

// lifetimeChanges are where setConfig's lifetime parameters, in seconds
// (custos's names: Gigya's are not documented), go in ch.
func lifetimeChanges(ch *oauth.ConfigChanges) map[string]**time.Duration {
	return map[string]**time.Duration{"accessTokenLifetime": &ch.AccessTokenLifetime, "idTokenLifetime": &ch.IDTokenLifetime,
		"refreshTokenLifetime": &ch.RefreshTokenLifetime, "codeLifetime": &ch.CodeLifetime}
}

// lifetimeValues are the lifetimes of c by their parameters.
func lifetimeValues(c oauth.Config) map[string]time.Duration {
	return map[string]time.Duration{"accessTokenLifetime": c.AccessTokenLifetime, "idTokenLifetime": c.IDTokenLifetime,
		"refreshTokenLifetime": c.RefreshTokenLifetime, "codeLifetime": c.CodeLifetime}
}

var configParams = []string{"proxyPage", "customClaims", "customScopes", "stylesheet",
	"accessTokenLifetime", "idTokenLifetime", "refreshTokenLifetime", "codeLifetime"}

// maxLifetime bounds a lifetime parameter (a year), so that seconds fit a
// time.Duration with room; the service may bound each one tighter.
const maxLifetime = 366 * 24 * 3600

// clientChanges reads the parameters of a client that were sent: absent
// ones stay nil, so that updateRP changes only what it is given.
func clientChanges(p *Params) (oauth.ClientChanges, error) {
	var ch oauth.ClientChanges
	if p.Has("clientID") {
		ch.ClientID = new(p.Get("clientID"))
	}
	switch {
	case p.Has("name") && p.Has("description"):
		return ch, errcode.InvalidValue("description", "give name or description, not both")
	case p.Has("name"):
		ch.Name = new(p.Get("name"))
	case p.Has("description"):
		ch.Name = new(p.Get("description"))
	}
	for _, l := range []struct {
		param string
		dst   **[]string
	}{
		{"redirectUris", &ch.RedirectURIs},
		{"postLogoutRedirectUris", &ch.PostLogoutRedirectURIs},
		{"responseTypes", &ch.ResponseTypes},
		{"grantTypes", &ch.GrantTypes},
		{"allowedScopes", &ch.Scopes},
	} {
		if !p.Has(l.param) {
			continue
		}
		v, err := stringArray(l.param, p.Get(l.param))
		if err != nil {
			return ch, err
		}
		*l.dst = &v
	}
	if p.Has("clientType") {
		switch p.Get("clientType") {
		case "public":
			ch.Public = new(true)
		case "confidential":
			ch.Public = new(false)
		default:
			return ch, errcode.InvalidValue("clientType", "want confidential or public")
		}
	}
	if p.Has("requireConsent") {
		v, err := p.Bool("requireConsent", false)
		if err != nil {
			return ch, err
		}
		ch.RequireConsent = &v
	}
	return ch, nil
}

// stringArray decodes a JSON array of strings; null is an empty one.
func stringArray(param, raw string) ([]string, error) {
	if err := jsonlimit.Check([]byte(raw)); err != nil && err != jsonlimit.ErrMalformed {
		return nil, jsonError(param, err)
	}
	var v []string
	if err := json.Unmarshal([]byte(raw), &v); err != nil {
		return nil, errcode.InvalidFormat(param, "not a JSON array of strings")
	}
	if v == nil {
		v = []string{}
	}
	return v, nil
}

// notFound is the answer about a clientID that names no client of the
// site. The catalog's other "no such" codes are about users (403047 "no
// user with that username or email", 404003 "UID not found", 403005) and
// would send a client looking for an account; 404000 "Not found" is the
// catalog's own for a thing that is absent, and its HTTP status 404 lets
// a provisioning script tell "gone" from "refused" (400006).
func notFound(clientID string) error {
	return errcode.Newf(errcode.NotFound, "Not found: no client with clientID %.64q", clientID)
}

// clientError renders the service's conditions about a client.
func clientError(clientID string, err error) error {
	if errors.Is(err, oauth.ErrNotFound) {
		return notFound(clientID)
	}
	return oidcError(err)
}

func (x OIDC) createRP(ctx context.Context, c *Call) (any, error) {
	ch, err := clientChanges(c.Params)
	if err != nil {
		return nil, err
	}
	public := ch.Public != nil && *ch.Public
	var nc oauth.NewClient
	if secret := c.Params.Get("clientSecret"); secret != "" {
		// A client moved from another provider keeps its secret.
		if public {
			return nil, errcode.InvalidValue("clientSecret", "a public client has no secret")
		}
		nc, err = x.OAuth.ImportClient(ctx, c.Site.ID, ch.Client(), secret)
		if e, ok := errors.AsType[*oauth.InvalidError](err); ok && e.Attr == oauth.AttrSecret {
			return nil, errcode.InvalidValue("clientSecret", e.Reason)
		}
		nc.Secret = "" // the caller has it: never echoed
	} else {
		nc, err = x.OAuth.CreateClient(ctx, c.Site.ID, ch.Client(), public)
	}
	if errors.Is(err, oauth.ErrClientExists) {
		return nil, errcode.Newf(errcode.UniqueIdentifierExists, "Unique identifier exists: the site has a client with clientID %.64q", c.Params.Get("clientID"))
	}
	if err != nil {
		return nil, oidcError(err)
	}
	out := rpJSON(nc.Client)
	if nc.Secret != "" {
		out["clientSecret"] = nc.Secret
	}
	return out, nil
}

// updateRP changes what it is given; rotateSecret=true gives the client a
// new secret, answered as clientSecret, the only time it is shown. A
// refused call changes nothing: the checks run before any change.
func (x OIDC) updateRP(ctx context.Context, c *Call) (any, error) {
	id, err := c.Params.Required("clientID")
	if err != nil {
		return nil, err
	}
	ch, err := clientChanges(c.Params)
	if err != nil {
		return nil, err
	}
	rotate, err := c.Params.Bool("rotateSecret", false)
	if err != nil {
		return nil, err
	}
	// The edit and the new secret are written in one transaction.
	nc, err := x.OAuth.UpdateClientSecret(ctx, c.Site.ID, id, func(cl *oauth.Client) error {
		switch {
		case ch.TypeChange(*cl):
			return errcode.InvalidValue("clientType", "a client's type does not change; create another client")
		case rotate && cl.Public():
			return errcode.InvalidValue("rotateSecret", "a public client has no secret")
		}
		ch.Apply(cl)
		return nil
	}, rotate)
	if err != nil {
		return nil, clientError(id, err)
	}
	out := rpJSON(nc.Client)
	if rotate {
		out["clientSecret"] = nc.Secret
	}
	return out, nil
}

func (x OIDC) getRP(ctx context.Context, c *Call) (any, error) {
	id, err := c.Params.Required("clientID")
	if err != nil {
		return nil, err
	}
	cl, err := x.OAuth.Client(ctx, c.Site.ID, id)
	if err != nil {
		return nil, clientError(id, err)
	}
	return rpJSON(cl), nil
}

func (x OIDC) getRPs(ctx context.Context, c *Call) (any, error) {
	list, err := x.OAuth.Clients(ctx, c.Site.ID)
	if err != nil {
		return nil, oidcError(err)
	}
	out := []obj{}
	for _, cl := range list {
		out = append(out, rpJSON(cl))
	}
	return obj{"RPs": out}, nil
}

func (x OIDC) delRP(ctx context.Context, c *Call) (any, error) {
	id, err := c.Params.Required("clientID")
	if err != nil {
		return nil, err
	}
	if err := x.OAuth.DeleteClient(ctx, c.Site.ID, id); err != nil {
		return nil, clientError(id, err)
	}
	return obj{}, nil
}

// rpJSON is a client as the RP methods answer it: never its secret.
func rpJSON(cl oauth.Client) obj {
	kind := "confidential"
	if cl.Public() {
		kind = "public"
	}
	out := obj{"clientID": cl.ClientID, "name": cl.Name, "clientType": kind,
		"redirectUris": orEmpty(cl.RedirectURIs), "postLogoutRedirectUris": orEmpty(cl.PostLogoutRedirectURIs),
		"responseTypes": orEmpty(cl.ResponseTypes), "grantTypes": orEmpty(cl.GrantTypes),
		"allowedScopes": orEmpty(cl.Scopes), "requireConsent": cl.RequireConsent}
	stamp(out, "created", cl.CreatedAt)
	stamp(out, "lastUpdated", cl.UpdatedAt)
	return out
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// configChanges reads the setConfig parameters that were sent.
func configChanges(p *Params) (oauth.ConfigChanges, error) {
	var ch oauth.ConfigChanges
	if p.Has("proxyPage") {
		ch.ProxyPage = new(p.Get("proxyPage"))
	}
	if p.Has("stylesheet") {
		ch.Stylesheet = new(p.Get("stylesheet"))
	}
	if p.Has("customClaims") {
		claims, err := jsonDoc(p, "customClaims", oauth.ParseClaims)
		if err != nil {
			return ch, err
		}
		ch.CustomClaims = &claims
	}
	if p.Has("customScopes") {
		scopes, err := jsonDoc(p, "customScopes", oauth.ParseScopes)
		if err != nil {
			return ch, err
		}
		ch.CustomScopes = &scopes
	}
	dsts := lifetimeChanges(&ch)
	// In order, so that of two bad lifetimes the same one is told.
	for _, param := range slices.Sorted(maps.Keys(dsts)) {
		dst := dsts[param]
		if !p.Has(param) {
			continue
		}
		n, err := strconv.Atoi(p.Get(param))
		if err != nil || n < 0 || n > maxLifetime {
			return ch, errcode.InvalidValue(param, fmt.Sprintf("want 0 (the default) to %d seconds", maxLifetime))
		}
		*dst = new(time.Duration(n) * time.Second)
	}
	return ch, nil
}

// jsonDoc parses the JSON document of param, within the JSON limits:
// 400004 when it is not of its shape.
func jsonDoc[T any](p *Params, param string, parse func(string) (T, error)) (T, error) {
	raw := p.Get(param)
	if err := jsonlimit.Check([]byte(raw)); err != nil && err != jsonlimit.ErrMalformed {
		var zero T
		return zero, jsonError(param, err)
	}
	v, err := parse(raw)
	if err != nil {
		return v, errcode.InvalidFormat(param, err.Error())
	}
	return v, nil
}

func (x OIDC) setConfig(ctx context.Context, c *Call) (any, error) {
	ch, err := configChanges(c.Params)
	if err != nil {
		return nil, err
	}
	if ch.Empty() {
		return nil, errcode.Missing("proxyPage, customClaims, customScopes, stylesheet or a lifetime")
	}
	if _, err := x.OAuth.SetConfig(ctx, c.Site.ID, func(cfg *oauth.Config) error { ch.Apply(cfg); return nil }); err != nil {
		return nil, oidcError(err)
	}
	return obj{}, nil
}

func (x OIDC) getConfig(ctx context.Context, c *Call) (any, error) {
	cfg, err := x.OAuth.Config(ctx, c.Site.ID)
	if err != nil {
		return nil, oidcError(err)
	}
	return configJSON(cfg), nil
}

// configJSON is a configuration as getConfig answers it, in the shapes
// setConfig takes.
func configJSON(cfg oauth.Config) obj {
	claims := obj{}
	for name, cl := range cfg.CustomClaims {
		claims[name] = obj{"fieldName": cl.FieldName}
	}
	scopes := obj{}
	for name, s := range cfg.CustomScopes {
		scopes[name] = orEmpty(s)
	}
	out := obj{"proxyPage": cfg.ProxyPage, "customClaims": claims, "customScopes": scopes, "stylesheet": cfg.Stylesheet}
	for param, d := range lifetimeValues(cfg) {
		out[param] = int64(d / time.Second)
	}
	return out
}

func (x OIDC) clearConfig(ctx context.Context, c *Call) (any, error) {
	if err := x.OAuth.ClearConfig(ctx, c.Site.ID); err != nil {
		return nil, oidcError(err)
	}
	return obj{}, nil
}

// getMetadata answers the provider's issuer and endpoints for the site,
// the URL members of its discovery document.
func (x OIDC) getMetadata(_ context.Context, c *Call) (any, error) {
	out := obj{}
	for name, u := range x.Metadata(c.Site.APIKey) {
		out[name] = u
	}
	return out, nil
}

// rpNames are the RPC names of the oauth package's attributes where they
// differ from the domain's.
var rpNames = map[string]string{
	oauth.AttrRedirectURIs: "redirectUris", oauth.AttrPostLogoutRedirectURIs: "postLogoutRedirectUris",
	oauth.AttrScopes: "allowedScopes", oauth.AttrSecret: "rotateSecret",
}

// oidcError renders the service's conditions in the RPC dialect, as every
// dialect does (dialect.OAuthError), with the RPC parameters' names.
func oidcError(err error) error { return dialect.OAuthError(err, rpNames) }
