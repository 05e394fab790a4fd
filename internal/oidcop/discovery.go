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

// Metadata is the issuer of the site of apiKey and the URLs of its
// endpoints under the names of discovery (plus discovery_endpoint): what
// fidm.oidc.op.getMetadata answers, from the paths the provider serves.
func (p *Provider) Metadata(apiKey string) map[string]string {
	iss := p.issuer(apiKey)
	return map[string]string{
		"issuer":                 iss,
		"discovery_endpoint":     iss + pathDiscovery,
		"authorization_endpoint": iss + pathAuthorize,
		"token_endpoint":         iss + pathToken,
		"userinfo_endpoint":      iss + pathUserinfo,
		"jwks_uri":               iss + pathJWKS,
		"introspection_endpoint": iss + pathIntrospect,
		"revocation_endpoint":    iss + pathRevoke,
		"end_session_endpoint":   iss + pathEndSession,
	}
}
