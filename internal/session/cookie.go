package session

import "net/http"

// CookieName is the name of a site's session cookie.
func CookieName(apiKey string) string { return "glt_" + apiKey }

// FromCookie returns the session token of r's cookie for the site, "" when
// there is none. The cookie goes with any request the browser makes, also
// one a link on another site starts: it counts on POST only (with
// SameSite=Strict), so that no link can act for the user.
func FromCookie(r *http.Request, apiKey string) string {
	if r.Method != http.MethodPost {
		return ""
	}
	ck, err := r.Cookie(CookieName(apiKey))
	if err != nil {
		return ""
	}
	return ck.Value
}

// Cookie is the cookie that hands a new browser session to the browser:
// it ends with the browser for a browser session, else when the session
// does (ten years for one that does not expire).
func Cookie(apiKey string, n *New, secure bool) *http.Cookie {
	ck := cookie(apiKey, n.Token, secure)
	switch {
	case n.Browser:
	case n.ExpiresAt.IsZero():
		ck.Expires = n.CreatedAt.AddDate(10, 0, 0)
	default:
		ck.Expires = n.ExpiresAt
	}
	return ck
}

// ClearCookie is the cookie that removes the session cookie at logout.
func ClearCookie(apiKey string, secure bool) *http.Cookie {
	ck := cookie(apiKey, "", secure)
	ck.MaxAge = -1
	return ck
}

func cookie(apiKey, value string, secure bool) *http.Cookie {
	return &http.Cookie{Name: CookieName(apiKey), Value: value, Path: "/", HttpOnly: true, Secure: secure,
		SameSite: http.SameSiteStrictMode}
}
