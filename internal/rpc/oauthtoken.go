package rpc

import (
	"net/http"
	"strings"

	"github.com/custos-id/custos/internal/site"
)

// accessToken is the credential a call carries in Authorization: OAuth,
// else in oauth_token: a session token, an OAuth access token of
// socialize.getToken, or (oauth_token without apiKey) the API key.
func accessToken(r *http.Request, p *Params) string {
	if scheme, value, _ := strings.Cut(r.Header.Get("Authorization"), " "); strings.EqualFold(scheme, "OAuth") {
		return strings.TrimSpace(value)
	}
	return p.Get("oauth_token")
}

// accessTokenSite is the site of a call that names none but carries an OAuth
// access token: the token's. prove checks the token again, with the rest of
// the call's credentials (one more indexed lookup).
func (h *Handler) accessTokenSite(r *http.Request, p *Params, secure bool) (site.Site, error) {
	pr, err := h.authn.OAuthToken(r.Context(), site.Site{}, accessToken(r, p), secure)
	if err != nil {
		return site.Site{}, err
	}
	return pr.Site, nil
}
