// Package weburl holds the few URL rules several adapters share, so that
// they cannot disagree: the origin of an address (custos's PublicURL, a
// page's Origin or Referer) and a query parameter named in any case.
package weburl

import (
	"net"
	"net/url"
	"strings"
)

// Origin is the origin of an absolute URL as a browser sends it in the
// Origin header: scheme://host[:port], lower-cased, without the scheme's
// default port (https://X:443 is https://x); "" when u has no scheme or host.
func Origin(u string) string {
	parsed, err := url.Parse(u)
	if err != nil || parsed.Scheme == "" || parsed.Host == "" {
		return ""
	}
	scheme, host := strings.ToLower(parsed.Scheme), strings.ToLower(parsed.Host)
	if h, port, err := net.SplitHostPort(host); err == nil &&
		(scheme == "https" && port == "443" || scheme == "http" && port == "80") {
		host = h
		if strings.Contains(h, ":") {
			host = "[" + h + "]"
		}
	}
	return scheme + "://" + host
}

// QueryFold is the value of the query parameter name in rawQuery, whatever
// the case of its name (script URLs write apikey, apiKey and APIKey
// alike); of several, the first in the query. "" when there is none.
func QueryFold(rawQuery, name string) string {
	for part := range strings.SplitSeq(rawQuery, "&") {
		k, v, _ := strings.Cut(part, "=")
		if k, err := url.QueryUnescape(k); err != nil || !strings.EqualFold(k, name) {
			continue
		}
		if v, err := url.QueryUnescape(v); err == nil {
			return v
		}
	}
	return ""
}
