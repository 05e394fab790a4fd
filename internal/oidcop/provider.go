// Package oidcop is the OpenID Provider at /oidc/op/v1.0/{apiKey}/…, built
// on zitadel/oidc's op package over oauth.Service: custos supplies the
// storage, the login handoff (the site's proxy page or the hosted pages)
// and one table from the protocol's errors to the catalog.
package oidcop

import (
	"net/http"

	"github.com/custos-id/custos/internal/site"
)

// Provider is the OpenID Provider of every site.
type Provider struct{}

// resume, approve, deny and errorPage are written next.
func (p *Provider) resume(w http.ResponseWriter, r *http.Request, st site.Site, id, sessionToken string) {
	panic("unimplemented")
}

func (p *Provider) approve(w http.ResponseWriter, r *http.Request, st site.Site, id string) {
	panic("unimplemented")
}

func (p *Provider) deny(w http.ResponseWriter, r *http.Request, st site.Site, id string) {
	panic("unimplemented")
}

func (p *Provider) errorPage(w http.ResponseWriter, r *http.Request, err error) { panic("unimplemented") }
