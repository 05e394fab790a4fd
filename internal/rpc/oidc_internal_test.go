package rpc

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/oauth"
)

// Every condition the oauth service answers the fidm.oidc.op methods with
// renders as a catalog error naming a camelCase parameter: none is left
// to become 500001.
func TestOIDCErrorTable(t *testing.T) {
	camel := regexp.MustCompile(`^[a-z][A-Za-z]*$`)
	for _, attr := range oauth.Attributes() {
		e := errcode.From(oidcError(fmt.Errorf("wrapped: %w", &oauth.InvalidError{Attr: attr, Reason: "why"})))
		want := errcode.InvalidParameterValue
		if attr == oauth.AttrRedirectURIs || attr == oauth.AttrPostLogoutRedirectURIs {
			want = errcode.InvalidRedirectURI
		}
		name := e.Details[len(e.Entry().Message)+2:]
		name = name[:len(name)-len(": why")]
		if e.Code != want || !camel.MatchString(name) {
			t.Errorf("%s: %d %q", attr, e.Code, e.Details)
		}
	}
	if e := errcode.From(oidcError(oauth.ErrChanged)); e.Code != errcode.ConcurrentUpdatesNotAllowed {
		t.Errorf("ErrChanged: %v", e)
	}
	if e := errcode.From(clientError("c1", oauth.ErrNotFound)); e.Code != errcode.NotFound || e.Details != `Not found: no client with clientID "c1"` {
		t.Errorf("ErrNotFound: %v", e)
	}
}
