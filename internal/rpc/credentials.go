package rpc

import (
	"net"
	"net/http"
	"strings"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/authn"
	"github.com/custos-id/custos/internal/oauth"
	"github.com/custos-id/custos/internal/site"
)

// prove reads the proof a request carries and has authn check it: a Bearer
// JWT of an application key, a signature (with the site secret, an
// application key's secret or a mobile session's secret), or a secret in
// clear. An OAuth access token of socialize.getToken (in oauth_token or
// Authorization: OAuth) is checked, unless tokenOf holds its principal
// already (the token named the call's site). A session token (sessionToken,
// the oauth_token that is not the API key; Authorization: OAuth) is
// returned unchecked: only the methods that act on a session resolve it.
func (h *Handler) prove(r *http.Request, p *Params, st site.Site, secure bool, sessionToken string, tokenOf *authn.Principal) (*authn.Principal, string, error) {
	ctx := r.Context()
	scheme, value, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	switch {
	case strings.EqualFold(scheme, "Bearer"):
		if p.Get("sig") != "" || p.Get("secret") != "" || p.Get("userKey") != "" {
			return nil, "", errcode.New(errcode.InvalidRequestFormat, "Invalid request format: a Bearer token comes alone, without sig, secret or userKey")
		}
		pr, err := h.authn.Bearer(ctx, st, strings.TrimSpace(value))
		return pr, "", err
	case p.Get("sig") != "":
		pr, err := h.authn.Signature(ctx, st, authn.Signed{Method: r.Method, URLs: h.signedURLs(r), Params: p.values,
			Sig: p.Get("sig"), Timestamp: p.Get("timestamp"), Nonce: p.Get("nonce"),
			UserKey: p.Get("userKey"), SessionToken: sessionToken, Secret: p.Get("secret"), Secure: secure})
		return pr, "", err
	case p.Get("secret") != "":
		pr, err := h.authn.Secret(ctx, st, p.Get("userKey"), p.Get("secret"), secure)
		return pr, "", err
	case strings.EqualFold(scheme, "OAuth"):
		tok := strings.TrimSpace(value)
		if tok == "" || strings.ContainsAny(tok, " \t") {
			return nil, "", errcode.New(errcode.InvalidAuthenticationHeader, "Invalid authentication header: want Authorization: OAuth <token>")
		}
		sessionToken = tok
	}
	if oauth.IsGigyaToken(sessionToken) {
		if tokenOf != nil {
			return tokenOf, "", nil
		}
		pr, err := h.authn.OAuthToken(ctx, st, sessionToken, secure)
		return pr, "", err
	}
	return authn.Anonymous(st), sessionToken, nil
}

// signedURLs are the URLs a signature may have been made over: the URL as
// received, over http and https (SDKs disagree on the scheme they sign
// behind a proxy), with and without an explicit port (the .NET SDK drops
// it), and the canonical Gigya URL of the configured data center, which the
// Node.js SDK always signs.
func (h *Handler) signedURLs(r *http.Request) []string {
	host, port, err := net.SplitHostPort(r.Host)
	if err != nil {
		host, port = r.Host, ""
	}
	path := r.URL.EscapedPath()
	var urls []string
	for _, scheme := range []string{"https", "http"} {
		urls = append(urls, authn.NormalizeURL(scheme, host, port, path))
		if port != "" {
			urls = append(urls, authn.NormalizeURL(scheme, host, "", path))
		}
	}
	ns, _, _ := strings.Cut(strings.TrimPrefix(path, "/"), ".")
	domain := h.dataCenter + ".gigya.com"
	if h.dataCenter == "cn1" {
		domain = "cn1.gigya-api.cn"
	}
	return append(urls, "https://"+strings.ToLower(ns)+"."+domain+path)
}
