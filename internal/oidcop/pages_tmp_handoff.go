package oidcop

// TEMPORARY: the draft of the provider's handoff contract (Pages, Request),
// copied from branch h12-op until it is committed there; this file goes at
// the merge.

import (
	"net/http"

	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/oauth"
	"github.com/custos-id/custos/internal/site"
)

type Pages interface {
	Login(w http.ResponseWriter, r *http.Request, req Request)
	Consent(w http.ResponseWriter, r *http.Request, req Request)
}

type Request struct {
	Site     site.Site
	Auth     oauth.AuthRequest
	Client   oauth.Client
	Config   oauth.Config
	Accounts *account.Service
	CSRFKey  []byte
	Secure   bool
}

func (q Request) Continue(w http.ResponseWriter, r *http.Request, sessionToken string) {
	panic("until the merge of h12-op")
}
func (q Request) Approve(w http.ResponseWriter, r *http.Request) { panic("until the merge of h12-op") }
func (q Request) Deny(w http.ResponseWriter, r *http.Request)    { panic("until the merge of h12-op") }
func (q Request) Fail(w http.ResponseWriter, r *http.Request, err error) {
	panic("until the merge of h12-op")
}
