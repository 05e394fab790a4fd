package rpc

import (
	"net/http"
	"strings"
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
