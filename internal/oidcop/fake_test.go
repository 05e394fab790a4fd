package oidcop_test

// THROWAWAY: an in-memory oauth service until h12-store lands. Delete.

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"slices"
	"sync"
	"time"

	"github.com/custos-id/custos/internal/oauth"
)

type fakeOAuth struct {
	mu       sync.Mutex
	now      func() time.Time
	clients  map[string]oauth.Client
	secrets  map[string]string
	cfg      oauth.Config
	reqs     map[string]*fakeReq
	codes    map[string]string // code -> req id
	tokens   map[string]*fakeTok
	refresh  map[string]string // refresh -> token id
	consents map[string][]string
}

type fakeReq struct {
	a       oauth.AuthRequest
	code    string
	codeExp time.Time
	used    bool
}

type fakeTok struct {
	t    oauth.Token
	rt   string
	used bool
}

func newFake(now func() time.Time) *fakeOAuth {
	return &fakeOAuth{now: now, clients: map[string]oauth.Client{}, secrets: map[string]string{},
		reqs: map[string]*fakeReq{}, codes: map[string]string{}, tokens: map[string]*fakeTok{},
		refresh: map[string]string{}, consents: map[string][]string{}}
}

func rnd() string {
	b := make([]byte, 24)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func (f *fakeOAuth) CreateClient(_ context.Context, siteID int64, c oauth.Client, public bool) (oauth.NewClient, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c.SiteID, c.ClientID = siteID, rnd()
	n := oauth.NewClient{Client: c}
	if !public {
		n.Secret = rnd()
		h := sha256.Sum256([]byte(n.Secret))
		c.SecretHash = h[:]
		n.Client = c
		f.secrets[c.ClientID] = n.Secret
	}
	f.clients[c.ClientID] = c
	return n, nil
}

func (f *fakeOAuth) Client(_ context.Context, siteID int64, id string) (oauth.Client, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.clients[id]
	if !ok {
		return c, oauth.ErrNotFound
	}
	return c, nil
}

func (f *fakeOAuth) AuthenticateClient(ctx context.Context, siteID int64, id, secret string) (oauth.Client, error) {
	c, err := f.Client(ctx, siteID, id)
	if err != nil || f.secrets[id] == "" || f.secrets[id] != secret {
		return oauth.Client{}, oauth.ErrNotFound
	}
	return c, nil
}

func (f *fakeOAuth) Config(context.Context, int64) (oauth.Config, error) { return f.cfg, nil }

func (f *fakeOAuth) CreateAuthRequest(_ context.Context, r oauth.AuthRequest) (oauth.AuthRequest, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r.ID, r.CreatedAt, r.ExpiresAt = rnd(), f.now(), f.now().Add(oauth.AuthRequestLifetime)
	f.reqs[r.ID] = &fakeReq{a: r}
	return r, nil
}

func (f *fakeOAuth) AuthRequest(_ context.Context, _ int64, id string) (oauth.AuthRequest, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, ok := f.reqs[id]
	if !ok || r.code != "" {
		return oauth.AuthRequest{}, oauth.ErrNotFound
	}
	if !f.now().Before(r.a.ExpiresAt) {
		return oauth.AuthRequest{}, oauth.ErrExpired
	}
	return r.a, nil
}

func (f *fakeOAuth) Authenticate(_ context.Context, _ int64, id string, accountID int64, subject string, authTime time.Time, amr []string, done bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, ok := f.reqs[id]
	if !ok {
		return oauth.ErrNotFound
	}
	r.a.AccountID, r.a.Subject, r.a.AuthTime, r.a.AMR, r.a.Done = accountID, subject, authTime, amr, done
	return nil
}

func (f *fakeOAuth) Approve(_ context.Context, _ int64, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, ok := f.reqs[id]
	if !ok {
		return oauth.ErrNotFound
	}
	r.a.Done = true
	f.consents[r.a.ClientID] = r.a.Scopes
	return nil
}

func (f *fakeOAuth) Consented(_ context.Context, _, _ int64, clientID string, scopes []string) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, s := range scopes {
		if !slices.Contains(f.consents[clientID], s) {
			return false, nil
		}
	}
	return true, nil
}

func (f *fakeOAuth) SaveCode(_ context.Context, _ int64, id, code string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, ok := f.reqs[id]
	if !ok || r.code != "" {
		return oauth.ErrNotFound
	}
	r.code, r.codeExp = code, f.now().Add(oauth.DefaultCodeLifetime)
	f.codes[code] = id
	return nil
}

func (f *fakeOAuth) AuthRequestByCode(_ context.Context, _ int64, code string) (oauth.AuthRequest, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, ok := f.reqs[f.codes[code]]
	if !ok {
		return oauth.AuthRequest{}, oauth.ErrNotFound
	}
	if r.used {
		f.revokeWhere(func(t oauth.Token) bool { return t.AuthRequestID == r.a.ID })
		return oauth.AuthRequest{}, oauth.ErrReused
	}
	if !f.now().Before(r.codeExp) {
		return oauth.AuthRequest{}, oauth.ErrCodeExpired
	}
	return r.a, nil
}

func (f *fakeOAuth) UseCode(_ context.Context, _ int64, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, ok := f.reqs[id]
	if !ok {
		return oauth.ErrNotFound
	}
	if r.used {
		return oauth.ErrReused
	}
	r.used = true
	return nil
}

func (f *fakeOAuth) revokeWhere(match func(oauth.Token) bool) {
	for _, t := range f.tokens {
		if match(t.t) {
			t.t.RevokedAt = f.now()
		}
	}
}

func (f *fakeOAuth) issue(g oauth.Grant, family string) oauth.Issued {
	t := &fakeTok{t: oauth.Token{ID: rnd(), SiteID: g.SiteID, ClientID: g.ClientID, AccountID: g.AccountID,
		Subject: g.Subject, Scopes: g.Scopes, Audience: g.Audience, AuthTime: g.AuthTime, AMR: g.AMR,
		FamilyID: family, AuthRequestID: g.AuthRequestID, ExpiresAt: f.now().Add(time.Hour), CreatedAt: f.now()}}
	iss := oauth.Issued{AccessTokenID: t.t.ID, AccessExpires: t.t.ExpiresAt}
	if g.Refresh {
		t.rt = rnd()
		t.t.RefreshExpires = f.now().Add(24 * time.Hour)
		iss.RefreshToken, iss.RefreshExpires = t.rt, t.t.RefreshExpires
		f.refresh[t.rt] = t.t.ID
	}
	f.tokens[t.t.ID] = t
	return iss
}

func (f *fakeOAuth) Issue(_ context.Context, g oauth.Grant) (oauth.Issued, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.issue(g, rnd()), nil
}

func (f *fakeOAuth) refreshTok(clientID, rt string) (*fakeTok, error) {
	t, ok := f.tokens[f.refresh[rt]]
	if !ok || t.t.ClientID != clientID {
		return nil, oauth.ErrNotFound
	}
	if t.used {
		fam := t.t.FamilyID
		f.revokeWhere(func(x oauth.Token) bool { return x.FamilyID == fam })
		return nil, oauth.ErrReused
	}
	if !t.t.RevokedAt.IsZero() {
		return nil, oauth.ErrRevoked
	}
	return t, nil
}

func (f *fakeOAuth) RefreshGrant(_ context.Context, _ int64, clientID, rt string) (oauth.Token, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, err := f.refreshTok(clientID, rt)
	if err != nil {
		return oauth.Token{}, err
	}
	return t.t, nil
}

func (f *fakeOAuth) Rotate(_ context.Context, rt string, g oauth.Grant) (oauth.Issued, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, err := f.refreshTok(g.ClientID, rt)
	if err != nil {
		return oauth.Issued{}, err
	}
	t.used = true
	g.AccountID, g.Subject = t.t.AccountID, t.t.Subject
	return f.issue(g, t.t.FamilyID), nil
}

func (f *fakeOAuth) AccessToken(_ context.Context, _ int64, id string) (oauth.Token, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, ok := f.tokens[id]
	switch {
	case !ok:
		return oauth.Token{}, oauth.ErrNotFound
	case !t.t.RevokedAt.IsZero():
		return oauth.Token{}, oauth.ErrRevoked
	case !f.now().Before(t.t.ExpiresAt):
		return oauth.Token{}, oauth.ErrExpired
	}
	return t.t, nil
}

func (f *fakeOAuth) Revoke(_ context.Context, _ int64, clientID, tokenOrID string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, ok := f.tokens[f.refresh[tokenOrID]]
	if !ok {
		t, ok = f.tokens[tokenOrID]
	}
	if !ok {
		return nil
	}
	if t.t.ClientID != clientID {
		return oauth.ErrWrongClient
	}
	fam := t.t.FamilyID
	f.revokeWhere(func(x oauth.Token) bool { return x.FamilyID == fam })
	return nil
}

func (f *fakeOAuth) RevokeGrants(_ context.Context, _, accountID int64, clientID string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.revokeWhere(func(x oauth.Token) bool {
		return x.AccountID == accountID && (clientID == "" || x.ClientID == clientID)
	})
	return nil
}
