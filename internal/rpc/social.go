package rpc

import (
	"context"
	"encoding/json"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/jsonlimit"
	"github.com/custos-id/custos/internal/social"
)

// RegisterSocialProviders adds custos's own methods that configure a
// site's social login providers (Gigya configures them in its console and
// has no API for it): accounts.social.setProvider, getProviders and
// deleteProvider, all server calls. A client secret is taken, sealed, and
// never answered back.
func RegisterSocialProviders(h *Handler, s *social.Service) {
	x := socialProviders{s}
	h.Register("accounts.social.setProvider", Method{Auth: Server, Run: x.set, Params: []string{"provider", "preset", "kind",
		"clientID", "clientSecret", "issuer", "authURL", "tokenURL", "userInfoURL", "scopes", "claims", "enabled",
		"acceptAccessTokens", "tokenCheckURL"}})
	h.Register("accounts.social.getProviders", Method{Auth: Server, Run: x.get, Params: []string{"provider"}})
	h.Register("accounts.social.deleteProvider", Method{Auth: Server, Run: x.del, Params: []string{"provider"}})
	h.Register("accounts.social.setRedirectURIs", Method{Auth: Server, Run: x.setRedirects, Params: []string{"redirectURIs"}})
	h.Register("accounts.social.getRedirectURIs", Method{Auth: Server, Run: x.getRedirects})
}

// setRedirectURIs replaces the exact redirect_uri values the site's
// social redirect flows may end at (a JSON array; [] clears it).
func (x socialProviders) setRedirects(ctx context.Context, c *Call) (any, error) {
	raw, err := c.Params.Required("redirectURIs")
	if err != nil {
		return nil, err
	}
	uris, err := stringArray("redirectURIs", raw)
	if err != nil {
		return nil, err
	}
	out, err := x.s.SetRedirectURIs(ctx, c.Site.ID, uris)
	if err != nil {
		return nil, err
	}
	return obj{"redirectURIs": out}, nil
}

func (x socialProviders) getRedirects(ctx context.Context, c *Call) (any, error) {
	out, err := x.s.RedirectURIs(ctx, c.Site.ID)
	if err != nil {
		return nil, err
	}
	return obj{"redirectURIs": out}, nil
}

type socialProviders struct{ s *social.Service }

// maxClaimsParam bounds the claims parameter.
const maxClaimsParam = 8 << 10

func (x socialProviders) set(ctx context.Context, c *Call) (any, error) {
	name, err := c.Params.Required("provider")
	if err != nil {
		return nil, err
	}
	p := social.Provider{Name: name, Preset: c.Params.Get("preset"), Kind: social.Kind(c.Params.Get("kind")),
		ClientID: c.Params.Get("clientID"), ClientSecret: c.Params.Get("clientSecret"), Issuer: c.Params.Get("issuer"),
		AuthURL: c.Params.Get("authURL"), TokenURL: c.Params.Get("tokenURL"), UserInfoURL: c.Params.Get("userInfoURL"),
		TokenCheckURL: c.Params.Get("tokenCheckURL")}
	if c.Params.Has("scopes") {
		if p.Scopes, err = stringArray("scopes", c.Params.Get("scopes")); err != nil {
			return nil, err
		}
	}
	if raw := c.Params.Get("claims"); raw != "" {
		if len(raw) > maxClaimsParam {
			return nil, errcode.InvalidValue("claims", "longer than 8 KiB")
		}
		if err := jsonlimit.Check([]byte(raw)); err != nil && err != jsonlimit.ErrMalformed {
			return nil, jsonError("claims", err)
		}
		if err := json.Unmarshal([]byte(raw), &p.Claims); err != nil {
			return nil, errcode.InvalidValue("claims", "want a JSON object of claim names")
		}
	}
	if p.Enabled, err = c.Params.Bool("enabled", true); err != nil {
		return nil, err
	}
	if p.AcceptAccessTokens, err = c.Params.Bool("acceptAccessTokens", false); err != nil {
		return nil, err
	}
	out, err := x.s.SetProvider(ctx, c.Site.ID, p)
	if err != nil {
		return nil, err
	}
	return obj{"provider": providerJSON(out)}, nil
}

func (x socialProviders) get(ctx context.Context, c *Call) (any, error) {
	if name := c.Params.Get("provider"); name != "" {
		p, err := x.s.Provider(ctx, c.Site.ID, name)
		if err != nil {
			return nil, err
		}
		return obj{"providers": []obj{providerJSON(p)}}, nil
	}
	list, err := x.s.Providers(ctx, c.Site.ID)
	if err != nil {
		return nil, err
	}
	out := make([]obj, 0, len(list))
	for _, p := range list {
		out = append(out, providerJSON(p))
	}
	return obj{"providers": out}, nil
}

func (x socialProviders) del(ctx context.Context, c *Call) (any, error) {
	name, err := c.Params.Required("provider")
	if err != nil {
		return nil, err
	}
	return obj{}, x.s.DeleteProvider(ctx, c.Site.ID, name)
}

// providerJSON is a provider as the methods answer it: never its secret.
func providerJSON(p social.Provider) obj {
	out := obj{"name": p.Name, "kind": string(p.Kind), "clientID": p.ClientID, "hasSecret": p.HasSecret, "enabled": p.Enabled}
	for k, v := range map[string]string{"preset": p.Preset, "issuer": p.Issuer, "authURL": p.AuthURL,
		"tokenURL": p.TokenURL, "userInfoURL": p.UserInfoURL, "tokenCheckURL": p.TokenCheckURL} {
		if v != "" {
			out[k] = v
		}
	}
	if p.AcceptAccessTokens {
		out["acceptAccessTokens"] = true
	}
	if len(p.Scopes) > 0 {
		out["scopes"] = p.Scopes
	}
	if len(p.Claims) > 0 {
		out["claims"] = p.Claims
	}
	stamp(out, "created", p.CreatedAt)
	stamp(out, "updated", p.UpdatedAt)
	return out
}
