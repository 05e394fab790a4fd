package adminapi

import (
	"context"
	"time"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/social"
)

// viewProvider is a social provider as the API shows it and the audit log
// keeps it: never its client secret (hasSecret tells whether it has one).
func viewProvider(p social.Provider) obj {
	nz := func(s []string) []string {
		if s == nil {
			return []string{}
		}
		return s
	}
	claims := map[string]string{}
	for k, v := range p.Claims {
		claims[k] = v
	}
	return obj{"name": p.Name, "preset": p.Preset, "kind": string(p.Kind), "clientID": p.ClientID,
		"hasSecret": p.HasSecret, "issuer": p.Issuer, "authURL": p.AuthURL, "tokenURL": p.TokenURL,
		"userInfoURL": p.UserInfoURL, "scopes": nz(p.Scopes), "claims": claims, "enabled": p.Enabled,
		"acceptAccessTokens": p.AcceptAccessTokens, "tokenCheckURL": p.TokenCheckURL,
		"createdAt": stampOrNil(p.CreatedAt), "updatedAt": stampOrNil(p.UpdatedAt)}
}

func stampOrNil(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

func providerTarget(siteID int64, name string) string {
	return siteTarget(siteID) + "/provider:" + name
}

func (h *Handler) listProviders(ctx context.Context, r *Request) (Response, error) {
	s, err := h.site(ctx, r)
	if err != nil {
		return Response{}, err
	}
	list, err := h.o.Social.Providers(ctx, s.ID)
	if err != nil {
		return Response{}, err
	}
	out := make([]obj, len(list))
	for i, p := range list {
		out[i] = viewProvider(p)
	}
	return Response{Body: obj{"providers": out, "presets": social.Presets()}}, nil
}

// providerInput is the body of PUT /sites/{siteId}/providers/{name}: the
// whole provider but its secret, which an empty or absent clientSecret
// keeps.
type providerInput struct {
	Preset             string            `json:"preset"`
	Kind               string            `json:"kind"`
	ClientID           string            `json:"clientID"`
	ClientSecret       string            `json:"clientSecret"`
	Issuer             string            `json:"issuer"`
	AuthURL            string            `json:"authURL"`
	TokenURL           string            `json:"tokenURL"`
	UserInfoURL        string            `json:"userInfoURL"`
	Scopes             []string          `json:"scopes"`
	Claims             map[string]string `json:"claims"`
	Enabled            *bool             `json:"enabled"`
	AcceptAccessTokens bool              `json:"acceptAccessTokens"`
	TokenCheckURL      string            `json:"tokenCheckURL"`
}

func (h *Handler) putProvider(ctx context.Context, r *Request) (Response, error) {
	s, err := h.site(ctx, r)
	if err != nil {
		return Response{}, err
	}
	var in providerInput
	if err := r.Decode(&in); err != nil {
		return Response{}, err
	}
	name := r.PathValue("name")
	var before any
	if old, err := h.o.Social.Provider(ctx, s.ID, name); err == nil {
		before = viewProvider(old)
	}
	p := social.Provider{Name: name, Preset: in.Preset, Kind: social.Kind(in.Kind), ClientID: in.ClientID,
		ClientSecret: in.ClientSecret, Issuer: in.Issuer, AuthURL: in.AuthURL, TokenURL: in.TokenURL,
		UserInfoURL: in.UserInfoURL, Scopes: in.Scopes, Claims: in.Claims, Enabled: in.Enabled == nil || *in.Enabled,
		AcceptAccessTokens: in.AcceptAccessTokens, TokenCheckURL: in.TokenCheckURL}
	out, err := h.o.Social.SetProvider(ctx, s.ID, p)
	if err != nil {
		return Response{}, err
	}
	view := viewProvider(out)
	h.audit(ctx, r, "provider.set", providerTarget(s.ID, out.Name), before, view)
	status := 200
	if before == nil {
		status = 201
	}
	return Response{Status: status, Body: view}, nil
}

func (h *Handler) deleteProvider(ctx context.Context, r *Request) (Response, error) {
	s, err := h.site(ctx, r)
	if err != nil {
		return Response{}, err
	}
	p, err := h.o.Social.Provider(ctx, s.ID, r.PathValue("name"))
	if err != nil {
		return Response{}, err
	}
	if err := h.o.Social.DeleteProvider(ctx, s.ID, p.Name); err != nil {
		return Response{}, err
	}
	h.audit(ctx, r, "provider.delete", providerTarget(s.ID, p.Name), viewProvider(p), nil)
	return Response{}, nil
}

func (h *Handler) getSocialRedirectURIs(ctx context.Context, r *Request) (Response, error) {
	s, err := h.site(ctx, r)
	if err != nil {
		return Response{}, err
	}
	uris, err := h.o.Social.RedirectURIs(ctx, s.ID)
	if err != nil {
		return Response{}, err
	}
	if uris == nil {
		uris = []string{}
	}
	return Response{Body: obj{"redirectURIs": uris}}, nil
}

func (h *Handler) putSocialRedirectURIs(ctx context.Context, r *Request) (Response, error) {
	s, err := h.site(ctx, r)
	if err != nil {
		return Response{}, err
	}
	var in struct {
		RedirectURIs *[]string `json:"redirectURIs"`
	}
	if err := r.Decode(&in); err != nil {
		return Response{}, err
	}
	if in.RedirectURIs == nil {
		return Response{}, errcode.Missing("redirectURIs")
	}
	before, err := h.o.Social.RedirectURIs(ctx, s.ID)
	if err != nil {
		return Response{}, err
	}
	if before == nil {
		before = []string{}
	}
	uris, err := h.o.Social.SetRedirectURIs(ctx, s.ID, *in.RedirectURIs)
	if err != nil {
		return Response{}, err
	}
	h.audit(ctx, r, "social_redirect_uris.set", siteTarget(s.ID), obj{"redirectURIs": before}, obj{"redirectURIs": uris})
	return Response{Body: obj{"redirectURIs": uris}}, nil
}
