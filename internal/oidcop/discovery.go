package oidcop

import (
	"net/http"
	"slices"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// discovery answers .well-known/openid-configuration: the op package's
// document, less what custos does not do. The op package always lists the
// JWT bearer grant, the device endpoint and JWT client authentication
// (private_key_jwt's algorithms); custos refuses all three, and a relying
// party must not be told otherwise. Introspection takes client_secret_post
// too (secretPost).
func (p *Provider) discovery(w http.ResponseWriter, r *http.Request) {
	d := op.CreateDiscoveryConfig(r.Context(), p.op, p.op.Storage())
	d.DeviceAuthorizationEndpoint = ""
	d.GrantTypesSupported = slices.DeleteFunc(d.GrantTypesSupported, func(g oidc.GrantType) bool {
		return g == oidc.GrantTypeBearer || g == oidc.GrantTypeDeviceCode
	})
	d.RevocationEndpointAuthSigningAlgValuesSupported = nil
	d.IntrospectionEndpointAuthSigningAlgValuesSupported = nil
	d.TokenEndpointAuthSigningAlgValuesSupported = nil
	d.IntrospectionEndpointAuthMethodsSupported = []oidc.AuthMethod{oidc.AuthMethodBasic, oidc.AuthMethodPost}
	op.Discover(w, d)
}
