package oidcop

import (
	"slices"
	"strings"

	"github.com/custos-id/custos/internal/oauth"
)

// scopeWords say what the standard scopes release, in plain language, in
// the order the consent page lists them.
var scopeWords = []struct{ scope, text string }{
	{"openid", "Know who you are: your user ID at {site}"},
	{"profile", "See your profile: your name, nickname, picture, gender, birth date and language"},
	{"email", "See your email address and whether it is verified"},
	{"phone", "See your phone number"},
	{"address", "See your postal address"},
	{"offline_access", "Keep this access when you are not using {client}, until you withdraw it"},
}

// scopeList words the scopes a request asks for: the standard ones first,
// then the site's custom scopes with the claims they release, then any
// other scope by its name. Each scope is listed once.
func scopeList(scopes []string, cfg oauth.Config, siteName, clientName string) []string {
	fill := strings.NewReplacer("{site}", siteName, "{client}", clientName)
	var out []string
	for _, w := range scopeWords {
		if slices.Contains(scopes, w.scope) {
			out = append(out, fill.Replace(w.text))
		}
	}
	seen := map[string]bool{}
	for _, s := range scopes {
		if seen[s] || slices.ContainsFunc(scopeWords, func(w struct{ scope, text string }) bool { return w.scope == s }) {
			continue
		}
		seen[s] = true
		claims := cfg.CustomScopes[s]
		if len(claims) == 0 {
			out = append(out, "Use the permission “"+s+"”")
			continue
		}
		out = append(out, "See your "+strings.Join(claims, ", ")+" (“"+s+"”)")
	}
	return out
}
