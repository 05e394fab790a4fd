package oauth

import (
	"bytes"
	"encoding/json"
	"errors"
	"time"
)

// ClientChanges are the changes an operator asks of a client (from
// fidm.oidc.op.updateRP or custos oidc client update): a nil field leaves
// the client's value as it is. Both adapters build one and pass its Apply
// to UpdateClient, so that they agree on what an update means.
type ClientChanges struct {
	Name                   *string
	RedirectURIs           *[]string
	PostLogoutRedirectURIs *[]string
	ResponseTypes          *[]string
	GrantTypes             *[]string
	Scopes                 *[]string
	RequireConsent         *bool
	// ClientID, given to CreateClient, keeps the id of a client moved from
	// another provider; Apply leaves a client's id alone.
	ClientID *string
	// Public chooses, at creation, a public client (no secret) or a
	// confidential one; a client's type does not change afterwards.
	Public *bool
}

// Apply writes the changes into c.
func (ch ClientChanges) Apply(c *Client) {
	set(&c.Name, ch.Name)
	set(&c.RedirectURIs, ch.RedirectURIs)
	set(&c.PostLogoutRedirectURIs, ch.PostLogoutRedirectURIs)
	set(&c.ResponseTypes, ch.ResponseTypes)
	set(&c.GrantTypes, ch.GrantTypes)
	set(&c.Scopes, ch.Scopes)
	set(&c.RequireConsent, ch.RequireConsent)
}

// Client returns the changes as a new client: absent fields are empty,
// which the service fills with its defaults.
func (ch ClientChanges) Client() Client {
	var c Client
	ch.Apply(&c)
	set(&c.ClientID, ch.ClientID)
	return c
}

// TypeChange tells whether ch asks to change the type (public or
// confidential) of c, which a client cannot.
func (ch ClientChanges) TypeChange(c Client) bool {
	return ch.Public != nil && *ch.Public != c.Public()
}

// ConfigChanges are the changes an operator asks of a site's provider
// configuration (fidm.oidc.op.setConfig or custos oidc config set): a nil
// field is left as it is. A lifetime of zero returns it to its default.
type ConfigChanges struct {
	ProxyPage            *string
	CustomClaims         *map[string]Claim
	CustomScopes         *map[string][]string
	Stylesheet           *string
	AccessTokenLifetime  *time.Duration
	IDTokenLifetime      *time.Duration
	RefreshTokenLifetime *time.Duration
	CodeLifetime         *time.Duration
}

// Apply writes the changes into c.
func (ch ConfigChanges) Apply(c *Config) {
	set(&c.ProxyPage, ch.ProxyPage)
	set(&c.CustomClaims, ch.CustomClaims)
	set(&c.CustomScopes, ch.CustomScopes)
	set(&c.Stylesheet, ch.Stylesheet)
	set(&c.AccessTokenLifetime, ch.AccessTokenLifetime)
	set(&c.IDTokenLifetime, ch.IDTokenLifetime)
	set(&c.RefreshTokenLifetime, ch.RefreshTokenLifetime)
	set(&c.CodeLifetime, ch.CodeLifetime)
}

// Empty tells whether ch changes nothing.
func (ch ConfigChanges) Empty() bool { return ch == ConfigChanges{} }

func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// ErrSyntax is a document of customClaims or customScopes that is not of
// their shape; the error's text says why, in words for an operator.
var ErrSyntax = errors.New("not of the expected shape")

// syntaxError words ErrSyntax for one document.
type syntaxError struct{ why string }

func (e syntaxError) Error() string { return e.why }
func (e syntaxError) Unwrap() error { return ErrSyntax }

// ParseClaims reads the customClaims document, Gigya's shape:
// {"<claim>": {"fieldName": "profile.<field>"}}. "null" or "{}" is none.
// Whether the claims and fields are acceptable is the service's to check.
func ParseClaims(doc string) (map[string]Claim, error) {
	var raw map[string]struct {
		FieldName *string `json:"fieldName"`
	}
	if err := decodeStrict(doc, &raw); err != nil {
		return nil, syntaxError{`want {"<claim>": {"fieldName": "<account field>"}}`}
	}
	out := map[string]Claim{}
	for name, c := range raw {
		if c.FieldName == nil {
			return nil, syntaxError{"claim " + quote(name) + " has no fieldName"}
		}
		out[name] = Claim{FieldName: *c.FieldName}
	}
	return out, nil
}

// ParseScopes reads the customScopes document: {"<scope>": ["<claim>", …]}.
// "null" or "{}" is none.
func ParseScopes(doc string) (map[string][]string, error) {
	var raw map[string][]string
	if err := decodeStrict(doc, &raw); err != nil {
		return nil, syntaxError{`want {"<scope>": ["<claim>", …]}`}
	}
	if raw == nil {
		raw = map[string][]string{}
	}
	for name, claims := range raw {
		if claims == nil {
			raw[name] = []string{}
		}
	}
	return raw, nil
}

// decodeStrict decodes one JSON value into v, refusing unknown members
// and anything after it.
func decodeStrict(doc string, v any) error {
	dec := json.NewDecoder(bytes.NewReader([]byte(doc)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data")
	}
	return nil
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
