package social

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
)

// SetRedirectURIs replaces the site's registered redirect URIs: the exact
// redirect_uri values (scheme, host, port, path and query, compared as
// strings) its redirect flows may end at, besides custos's own completion
// page. Each is an absolute https URL, or http on a loopback host
// (localhost, 127.0.0.1, [::1]), without user information or a fragment.
// The answer is the list as stored (duplicates dropped): ErrRedirectURI.
func (s *Service) SetRedirectURIs(ctx context.Context, siteID int64, uris []string) ([]string, error) {
	if len(uris) > MaxRedirectURIs {
		return nil, fail(ErrRedirectURI, "", fmt.Sprintf("more than %d", MaxRedirectURIs))
	}
	out := make([]string, 0, len(uris))
	for _, v := range uris {
		if why := checkRedirectURI(v); why != "" {
			return nil, fail(ErrRedirectURI, "", fmt.Sprintf("%.100q: %s", v, why))
		}
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	if err := s.store.SetSocialRedirectURIs(ctx, siteID, out, s.now()); err != nil {
		return nil, err
	}
	return out, nil
}

// RedirectURIs answers the site's registered redirect URIs.
func (s *Service) RedirectURIs(ctx context.Context, siteID int64) ([]string, error) {
	return s.store.SocialRedirectURIs(ctx, siteID)
}

// RedirectURIRegistered tells whether v is exactly one of the site's
// registered redirect URIs.
func (s *Service) RedirectURIRegistered(ctx context.Context, siteID int64, v string) (bool, error) {
	list, err := s.store.SocialRedirectURIs(ctx, siteID)
	if err != nil {
		return false, err
	}
	return slices.Contains(list, v), nil
}

// checkRedirectURI tells what is wrong with a redirect URI to register.
func checkRedirectURI(v string) string {
	if len(v) > maxURL {
		return fmt.Sprintf("longer than %d bytes", maxURL)
	}
	u, err := url.Parse(v)
	switch {
	case err != nil || u.Host == "" || u.Opaque != "" || (u.Scheme != "https" && u.Scheme != "http"):
		return "not an absolute http(s) URL"
	case u.User != nil || strings.Contains(u.Host, "@"):
		return "has user information"
	case u.Fragment != "" || strings.Contains(v, "#"):
		return "has a fragment (the result comes in the fragment)"
	case u.Scheme == "http" && !loopback(u.Hostname()):
		return "plain http is for loopback hosts only"
	case !printable(v):
		return "has spaces or characters that are not printable ASCII"
	}
	return ""
}

func loopback(h string) bool {
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}
