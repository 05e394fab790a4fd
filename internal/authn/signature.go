// Package authn decides who calls: each proof a request can carry (a site
// secret, a signature with a nonce, an application key's JWT, HTTP Basic, a
// session token) has one verifier, which answers a Principal. The adapters
// read the proofs from their dialect and pick which ones a method accepts;
// the domain receives the Principal's facts.
//
// This file holds the signature math of requests signed with timestamp,
// nonce and sig, as the Gigya SDKs make them (reference §2.3 of
// gigya-api.md).
package authn

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Window is how far a request's timestamp may be from the server's clock.
const Window = 120 * time.Second

// Sign returns the signature of a request: Base64(HMAC-SHA1(secret,
// baseString)). The secret is the raw key (the base64-decoded site,
// application or session secret).
func Sign(secret []byte, method, normalizedURL string, params url.Values) string {
	mac := hmac.New(sha1.New, secret)
	mac.Write([]byte(BaseString(method, normalizedURL, params)))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// BaseString is METHOD&enc(url)&enc(k1=enc(v1)&k2=enc(v2)…), the parameters
// but sig sorted by name in byte order, each once (the first value).
func BaseString(method, normalizedURL string, params url.Values) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		if k != "sig" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var q strings.Builder
	for i, k := range keys {
		if i > 0 {
			q.WriteByte('&')
		}
		q.WriteString(k)
		q.WriteByte('=')
		q.WriteString(Encode(params.Get(k)))
	}
	return strings.ToUpper(method) + "&" + Encode(normalizedURL) + "&" + Encode(q.String())
}

// Encode is RFC 3986 percent-encoding: A-Z a-z 0-9 - _ . ~ stay, every other
// byte of the UTF-8 text becomes %XX with upper-case hex.
func Encode(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s) * 3)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// NormalizeURL is lower(scheme)://lower(host)[:port]path, the port only
// when it is not the scheme's default.
func NormalizeURL(scheme, host, port, path string) string {
	scheme, host = strings.ToLower(scheme), strings.ToLower(host)
	if port != "" && !(scheme == "http" && port == "80") && !(scheme == "https" && port == "443") {
		host += ":" + port
	}
	return scheme + "://" + host + path
}

// Matches tells whether sig is the signature of the request under any of
// the URLs, also in the way of the Node.js SDK, which signs a value of
// "false" or "0" as an empty string. Comparisons are constant-time.
func Matches(secret []byte, sig, method string, urls []string, params url.Values) bool {
	want, err := base64.StdEncoding.DecodeString(sig)
	if err != nil || len(want) != sha1.Size {
		return false
	}
	variants := []url.Values{params}
	if falsy := nodeFalsy(params); falsy != nil {
		variants = append(variants, falsy)
	}
	ok := false
	for _, u := range urls {
		for _, p := range variants {
			mac := hmac.New(sha1.New, secret)
			mac.Write([]byte(BaseString(method, u, p)))
			// No early return: every candidate costs the same.
			ok = hmac.Equal(mac.Sum(nil), want) || ok
		}
	}
	return ok
}

// nodeFalsy returns params with "false" and "0" signed empty, or nil when
// no value is such.
func nodeFalsy(params url.Values) url.Values {
	var out url.Values
	for k, vs := range params {
		if len(vs) > 0 && (vs[0] == "false" || vs[0] == "0") {
			if out == nil {
				out = url.Values{}
				for k2, v2 := range params {
					out[k2] = v2
				}
			}
			out[k] = []string{""}
		}
	}
	return out
}

// ParseTimestamp reads a Unix timestamp in seconds, or in milliseconds (as
// the Node.js SDK sends it) when it is too large to be seconds.
func ParseTimestamp(s string) (time.Time, bool) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return time.Time{}, false
	}
	if n > 1e11 { // later than the year 5138 in seconds: milliseconds
		return time.UnixMilli(n), true
	}
	return time.Unix(n, 0), true
}

// UIDSignature is Base64(HMAC-SHA1(secret, "<timestamp>_<UID>")).
func UIDSignature(secret []byte, timestamp, uid string) string {
	mac := hmac.New(sha1.New, secret)
	mac.Write([]byte(timestamp + "_" + uid))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}
