package adminapi

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/oauth"
	"github.com/custos-id/custos/internal/policy"
	"github.com/custos-id/custos/internal/schema"
	"github.com/custos-id/custos/internal/screenset"
	"github.com/custos-id/custos/internal/site"
)

type obj = map[string]any

// siteView is a site as the API shows it: never its secret.
type siteView struct {
	ID               int64           `json:"id"`
	Name             string          `json:"name"`
	APIKey           string          `json:"apiKey"`
	Domains          []string        `json:"domains"`
	RequireReferrer  bool            `json:"requireReferrer"`
	WebSDKConfig     json.RawMessage `json:"webSdkConfig"`
	ScreenSetScripts bool            `json:"screenSetScripts"`
	CreatedAt        time.Time       `json:"createdAt"`
	UpdatedAt        time.Time       `json:"updatedAt"`
}

func viewSite(s site.Site) siteView {
	conf := s.WebSDKConfig
	if len(conf) == 0 {
		conf = json.RawMessage("{}")
	}
	d := s.Domains
	if d == nil {
		d = []string{}
	}
	return siteView{s.ID, s.Name, s.APIKey, d, s.RequireReferrer, conf, s.ScreenSetScripts, s.CreatedAt, s.UpdatedAt}
}

// siteID parses the {siteId} of the path; the site must exist.
func (h *Handler) site(ctx context.Context, r *Request) (site.Site, error) {
	id, err := strconv.ParseInt(r.PathValue("siteId"), 10, 64)
	if err != nil || id <= 0 {
		return site.Site{}, errcode.New(errcode.NotFound, "Not found: no such site")
	}
	return h.o.Sites.ByID(ctx, id)
}

func siteTarget(id int64) string { return "site:" + strconv.FormatInt(id, 10) }

func (h *Handler) listSites(ctx context.Context, r *Request) (Response, error) {
	sites, err := h.o.Sites.List(ctx)
	if err != nil {
		return Response{}, err
	}
	out := make([]siteView, len(sites))
	for i, s := range sites {
		out[i] = viewSite(s)
	}
	return Response{Body: obj{"sites": out}}, nil
}

func (h *Handler) getSite(ctx context.Context, r *Request) (Response, error) {
	s, err := h.site(ctx, r)
	if err != nil {
		return Response{}, err
	}
	return Response{Body: viewSite(s)}, nil
}

func (h *Handler) createSite(ctx context.Context, r *Request) (Response, error) {
	var in struct {
		Name    string   `json:"name"`
		Domains []string `json:"domains"`
	}
	if err := r.Decode(&in); err != nil {
		return Response{}, err
	}
	if strings.TrimSpace(in.Name) == "" {
		return Response{}, errcode.Missing("name")
	}
	s, err := h.o.Sites.Create(ctx, in.Name, in.Domains)
	if err != nil {
		return Response{}, err
	}
	h.audit(ctx, r, "site.create", siteTarget(s.ID), nil, viewSite(s))
	return Response{Status: 201, Body: obj{"site": viewSite(s), "secret": s.SecretBase64()}}, nil
}

func (h *Handler) patchSite(ctx context.Context, r *Request) (Response, error) {
	before, err := h.site(ctx, r)
	if err != nil {
		return Response{}, err
	}
	var in struct {
		Name             *string          `json:"name"`
		Domains          *[]string        `json:"domains"`
		RequireReferrer  *bool            `json:"requireReferrer"`
		WebSDKConfig     *json.RawMessage `json:"webSdkConfig"`
		ScreenSetScripts *bool            `json:"screenSetScripts"`
	}
	if err := r.Decode(&in); err != nil {
		return Response{}, err
	}
	c := site.Changes{Name: in.Name, Domains: in.Domains, RequireReferrer: in.RequireReferrer, ScreenSetScripts: in.ScreenSetScripts}
	if in.WebSDKConfig != nil {
		conf := string(*in.WebSDKConfig)
		c.WebSDKConfig = &conf
	}
	after, err := h.o.Sites.Update(ctx, before.ID, c)
	if err != nil {
		return Response{}, err
	}
	h.audit(ctx, r, "site.update", siteTarget(after.ID), viewSite(before), viewSite(after))
	return Response{Body: viewSite(after)}, nil
}

func (h *Handler) rotateSecret(ctx context.Context, r *Request) (Response, error) {
	s, err := h.site(ctx, r)
	if err != nil {
		return Response{}, err
	}
	s, err = h.o.Sites.RotateSecret(ctx, s.ID)
	if err != nil {
		return Response{}, err
	}
	h.audit(ctx, r, "site.rotate_secret", siteTarget(s.ID), nil, nil)
	return Response{Body: obj{"site": viewSite(s), "secret": s.SecretBase64()}}, nil
}

type keyView struct {
	UserKey   string     `json:"userKey"`
	Name      string     `json:"name"`
	Scopes    []string   `json:"scopes"`
	PublicKey string     `json:"publicKey,omitempty"`
	CreatedAt time.Time  `json:"createdAt"`
	RevokedAt *time.Time `json:"revokedAt,omitempty"`
}

func viewKey(k site.AppKey) keyView {
	v := keyView{UserKey: k.UserKey, Name: k.Name, Scopes: k.Scopes, PublicKey: k.PublicKey, CreatedAt: k.CreatedAt}
	if v.Scopes == nil {
		v.Scopes = []string{}
	}
	if !k.RevokedAt.IsZero() {
		t := k.RevokedAt
		v.RevokedAt = &t
	}
	return v
}

func (h *Handler) listKeys(ctx context.Context, r *Request) (Response, error) {
	s, err := h.site(ctx, r)
	if err != nil {
		return Response{}, err
	}
	keys, err := h.o.Sites.Keys(ctx, s.ID)
	if err != nil {
		return Response{}, err
	}
	out := make([]keyView, len(keys))
	for i, k := range keys {
		out[i] = viewKey(k)
	}
	return Response{Body: obj{"keys": out}}, nil
}

func (h *Handler) createKey(ctx context.Context, r *Request) (Response, error) {
	s, err := h.site(ctx, r)
	if err != nil {
		return Response{}, err
	}
	var in struct {
		Name      string   `json:"name"`
		Scopes    []string `json:"scopes"`
		PublicKey string   `json:"publicKey"`
	}
	if err := r.Decode(&in); err != nil {
		return Response{}, err
	}
	k, err := h.o.Sites.CreateKey(ctx, s.ID, in.Name, in.Scopes, in.PublicKey)
	if err != nil {
		return Response{}, err
	}
	h.audit(ctx, r, "key.create", KeyTarget(s.ID, k.UserKey), nil, viewKey(k))
	return Response{Status: 201, Body: obj{"key": viewKey(k), "secret": k.SecretBase64()}}, nil
}

func (h *Handler) revokeKey(ctx context.Context, r *Request) (Response, error) {
	s, err := h.site(ctx, r)
	if err != nil {
		return Response{}, err
	}
	k, err := h.o.Sites.Key(ctx, s.ID, r.PathValue("userKey"))
	if err != nil {
		return Response{}, err
	}
	if err := h.o.Sites.RevokeKey(ctx, s.ID, k.UserKey); err != nil {
		return Response{}, err
	}
	k.Secret = nil
	h.audit(ctx, r, "key.revoke", KeyTarget(s.ID, k.UserKey), viewKey(k), nil)
	return Response{}, nil
}

func (h *Handler) getPolicies(ctx context.Context, r *Request) (Response, error) {
	s, err := h.site(ctx, r)
	if err != nil {
		return Response{}, err
	}
	return Response{Body: s.Policies.SectionsJSON(policy.Sections)}, nil
}

func (h *Handler) putPolicies(ctx context.Context, r *Request) (Response, error) {
	s, err := h.site(ctx, r)
	if err != nil {
		return Response{}, err
	}
	var in map[string]json.RawMessage
	if err := r.Decode(&in); err != nil {
		return Response{}, err
	}
	if len(in) == 0 {
		return Response{}, errcode.Missing("a policy section (e.g. accountOptions)")
	}
	changes := make([]site.PolicyChange, 0, len(in))
	for _, name := range policy.Sections { // a fixed order
		if raw, ok := in[name]; ok {
			changes = append(changes, site.PolicyChange{Section: name, Raw: string(raw)})
		}
	}
	if len(changes) != len(in) {
		for name := range in {
			if !contains(policy.Sections, name) {
				return Response{}, errcode.InvalidValue(name, "not a policy section ("+strings.Join(policy.Sections, ", ")+")")
			}
		}
	}
	p, err := h.o.Sites.SetPolicies(ctx, s.ID, changes)
	if err != nil {
		return Response{}, err
	}
	after := p.SectionsJSON(policy.Sections)
	h.audit(ctx, r, "policies.set", siteTarget(s.ID), s.Policies.SectionsJSON(policy.Sections), after)
	return Response{Body: after}, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func schemaView(s schema.Schema) obj {
	out := obj{}
	for _, o := range schema.Objects {
		out[schema.Param(o)] = s.View(o, "")
	}
	return out
}

func (h *Handler) getSchema(ctx context.Context, r *Request) (Response, error) {
	s, err := h.site(ctx, r)
	if err != nil {
		return Response{}, err
	}
	return Response{Body: schemaView(s.Schema)}, nil
}

func (h *Handler) putSchema(ctx context.Context, r *Request) (Response, error) {
	s, err := h.site(ctx, r)
	if err != nil {
		return Response{}, err
	}
	var in map[string]json.RawMessage
	if err := r.Decode(&in); err != nil {
		return Response{}, err
	}
	docs := schema.Documents{}
	for _, o := range schema.Objects {
		if raw, ok := in[schema.Param(o)]; ok {
			docs[o] = string(raw)
			delete(in, schema.Param(o))
		}
	}
	for name := range in {
		return Response{}, errcode.InvalidValue(name, "want profileSchema, dataSchema, subscriptionsSchema or preferencesSchema")
	}
	if len(docs) == 0 {
		return Response{}, errcode.Missing("profileSchema, dataSchema, subscriptionsSchema or preferencesSchema")
	}
	return h.setSchema(ctx, r, s, docs)
}

func (h *Handler) setSchema(ctx context.Context, r *Request, s site.Site, docs schema.Documents) (Response, error) {
	next, err := h.o.Sites.SetSchema(ctx, s.ID, docs)
	if err != nil {
		return Response{}, err
	}
	after := schemaView(next)
	h.audit(ctx, r, "schema.set", siteTarget(s.ID), schemaView(s.Schema), after)
	return Response{Body: after}, nil
}

// addSchemaFields adds fields named in full ("data.plan") as a setSchema
// document of each object.
func (h *Handler) addSchemaFields(ctx context.Context, r *Request) (Response, error) {
	s, err := h.site(ctx, r)
	if err != nil {
		return Response{}, err
	}
	var in struct {
		Fields map[string]json.RawMessage `json:"fields"`
	}
	if err := r.Decode(&in); err != nil {
		return Response{}, err
	}
	if len(in.Fields) == 0 {
		return Response{}, errcode.Missing("fields")
	}
	byObject := map[schema.Object]map[string]json.RawMessage{}
	for name, f := range in.Fields {
		o, path, ok := strings.Cut(name, ".")
		if !ok || path == "" || !containsObject(schema.Object(o)) {
			return Response{}, errcode.InvalidValue("fields", "a field is named profile.<path>, data.<path>, subscriptions.<path> or preferences.<path>, not "+strconv.Quote(name))
		}
		if _, exists := s.Schema.Field(schema.Object(o), path); exists {
			return Response{}, errcode.InvalidValue("fields", strconv.Quote(name)+" exists already")
		}
		if byObject[schema.Object(o)] == nil {
			byObject[schema.Object(o)] = map[string]json.RawMessage{}
		}
		byObject[schema.Object(o)][path] = f
	}
	docs := schema.Documents{}
	for o, fields := range byObject {
		b, err := json.Marshal(obj{"fields": fields})
		if err != nil {
			return Response{}, err
		}
		docs[o] = string(b)
	}
	return h.setSchema(ctx, r, s, docs)
}

func containsObject(o schema.Object) bool {
	for _, x := range schema.Objects {
		if x == o {
			return true
		}
	}
	return false
}

func viewScreenSet(s screenset.ScreenSet) obj {
	tr := s.Translations
	if tr == nil {
		tr = map[string]map[string]string{}
	}
	meta := s.Metadata
	if len(meta) == 0 {
		meta = json.RawMessage("{}")
	}
	return obj{"screenSetID": s.ID, "html": s.HTML, "css": s.CSS, "javascript": s.JavaScript,
		"translations": tr, "metadata": meta, "builtIn": s.BuiltIn, "updatedAt": s.UpdatedAt}
}

func (h *Handler) listScreenSets(ctx context.Context, r *Request) (Response, error) {
	s, err := h.site(ctx, r)
	if err != nil {
		return Response{}, err
	}
	sets, err := h.o.ScreenSets.Get(ctx, s.ID, nil)
	if err != nil {
		return Response{}, err
	}
	out := make([]obj, len(sets))
	for i, set := range sets {
		out[i] = obj{"screenSetID": set.ID, "builtIn": set.BuiltIn, "updatedAt": set.UpdatedAt}
	}
	return Response{Body: obj{"screenSets": out}}, nil
}

func (h *Handler) screenSet(ctx context.Context, r *Request) (site.Site, screenset.ScreenSet, error) {
	s, err := h.site(ctx, r)
	if err != nil {
		return site.Site{}, screenset.ScreenSet{}, err
	}
	id, err := screenset.CheckID(r.PathValue("screenSetId"))
	if err != nil {
		return site.Site{}, screenset.ScreenSet{}, errcode.New(errcode.NotFound, "Not found: no such screen-set")
	}
	sets, err := h.o.ScreenSets.Get(ctx, s.ID, []string{id})
	if err != nil {
		return site.Site{}, screenset.ScreenSet{}, err
	}
	return s, sets[0], nil
}

func (h *Handler) getScreenSet(ctx context.Context, r *Request) (Response, error) {
	_, set, err := h.screenSet(ctx, r)
	if err != nil {
		return Response{}, err
	}
	return Response{Body: viewScreenSet(set)}, nil
}

func (h *Handler) putScreenSet(ctx context.Context, r *Request) (Response, error) {
	s, err := h.site(ctx, r)
	if err != nil {
		return Response{}, err
	}
	var in screenset.Input
	if err := r.Decode(&in); err != nil {
		return Response{}, err
	}
	id := r.PathValue("screenSetId")
	if in.ID != "" && in.ID != id {
		return Response{}, errcode.InvalidValue("screenSetID", "differs from the path's")
	}
	in.ID = id
	set, err := in.Check()
	if err != nil {
		return Response{}, err
	}
	var before any
	if old, err := h.o.ScreenSets.Get(ctx, s.ID, []string{set.ID}); err == nil && !old[0].BuiltIn {
		before = viewScreenSet(old[0])
	}
	if _, err := h.o.Sites.Update(ctx, s.ID, site.Changes{ScreenSets: []screenset.ScreenSet{set}}); err != nil {
		return Response{}, err
	}
	sets, err := h.o.ScreenSets.Get(ctx, s.ID, []string{set.ID})
	if err != nil {
		return Response{}, err
	}
	after := viewScreenSet(sets[0])
	h.audit(ctx, r, "screenset.put", siteTarget(s.ID)+"/screenset:"+set.ID, before, after)
	return Response{Body: after}, nil
}

func (h *Handler) deleteScreenSet(ctx context.Context, r *Request) (Response, error) {
	s, set, err := h.screenSet(ctx, r)
	if err != nil {
		return Response{}, err
	}
	if set.BuiltIn {
		return Response{}, errcode.New(errcode.NotFound, "Not found: the site stores no screen-set "+strconv.Quote(set.ID)+" (built-in ones cannot be deleted)")
	}
	if _, err := h.o.Sites.Update(ctx, s.ID, site.Changes{DeleteScreenSets: []string{set.ID}}); err != nil {
		return Response{}, err
	}
	h.audit(ctx, r, "screenset.delete", siteTarget(s.ID)+"/screenset:"+set.ID, viewScreenSet(set), nil)
	return Response{}, nil
}

// clientView is an OIDC client as the API shows it: never a secret.
func viewClient(c oauth.Client) obj {
	nz := func(s []string) []string {
		if s == nil {
			return []string{}
		}
		return s
	}
	return obj{"clientId": c.ClientID, "name": c.Name, "public": c.Public(), "redirectURIs": nz(c.RedirectURIs),
		"postLogoutRedirectURIs": nz(c.PostLogoutRedirectURIs), "responseTypes": nz(c.ResponseTypes),
		"grantTypes": nz(c.GrantTypes), "scopes": nz(c.Scopes), "requireConsent": c.RequireConsent,
		"createdAt": c.CreatedAt, "updatedAt": c.UpdatedAt}
}

type clientInput struct {
	Name                   *string   `json:"name"`
	Public                 *bool     `json:"public"`
	RedirectURIs           *[]string `json:"redirectURIs"`
	PostLogoutRedirectURIs *[]string `json:"postLogoutRedirectURIs"`
	ResponseTypes          *[]string `json:"responseTypes"`
	GrantTypes             *[]string `json:"grantTypes"`
	Scopes                 *[]string `json:"scopes"`
	RequireConsent         *bool     `json:"requireConsent"`
	RotateSecret           bool      `json:"rotateSecret"`
}

func (in clientInput) apply(c *oauth.Client) {
	if in.Name != nil {
		c.Name = *in.Name
	}
	for _, f := range []struct {
		from *[]string
		to   *[]string
	}{{in.RedirectURIs, &c.RedirectURIs}, {in.PostLogoutRedirectURIs, &c.PostLogoutRedirectURIs},
		{in.ResponseTypes, &c.ResponseTypes}, {in.GrantTypes, &c.GrantTypes}, {in.Scopes, &c.Scopes}} {
		if f.from != nil {
			*f.to = *f.from
		}
	}
	if in.RequireConsent != nil {
		c.RequireConsent = *in.RequireConsent
	}
}

func (h *Handler) listClients(ctx context.Context, r *Request) (Response, error) {
	s, err := h.site(ctx, r)
	if err != nil {
		return Response{}, err
	}
	cs, err := h.o.OAuth.Clients(ctx, s.ID)
	if err != nil {
		return Response{}, err
	}
	out := make([]obj, len(cs))
	for i, c := range cs {
		out[i] = viewClient(c)
	}
	return Response{Body: obj{"clients": out}}, nil
}

func clientTarget(siteID int64, clientID string) string {
	return siteTarget(siteID) + "/client:" + clientID
}

func (h *Handler) createClient(ctx context.Context, r *Request) (Response, error) {
	s, err := h.site(ctx, r)
	if err != nil {
		return Response{}, err
	}
	var in clientInput
	if err := r.Decode(&in); err != nil {
		return Response{}, err
	}
	if in.RotateSecret {
		return Response{}, errcode.InvalidValue("rotateSecret", "a new client gets a secret anyway")
	}
	var c oauth.Client
	in.apply(&c)
	nc, err := h.o.OAuth.CreateClient(ctx, s.ID, c, in.Public != nil && *in.Public)
	if err != nil {
		return Response{}, err
	}
	view := viewClient(nc.Client)
	h.audit(ctx, r, "oidc_client.create", clientTarget(s.ID, nc.ClientID), nil, view)
	body := obj{"client": view}
	if nc.Secret != "" {
		body["secret"] = nc.Secret
	}
	return Response{Status: 201, Body: body}, nil
}

func (h *Handler) client(ctx context.Context, r *Request) (site.Site, oauth.Client, error) {
	s, err := h.site(ctx, r)
	if err != nil {
		return site.Site{}, oauth.Client{}, err
	}
	c, err := h.o.OAuth.Client(ctx, s.ID, r.PathValue("clientId"))
	return s, c, err
}

func (h *Handler) getClient(ctx context.Context, r *Request) (Response, error) {
	_, c, err := h.client(ctx, r)
	if err != nil {
		return Response{}, err
	}
	return Response{Body: viewClient(c)}, nil
}

func (h *Handler) patchClient(ctx context.Context, r *Request) (Response, error) {
	s, before, err := h.client(ctx, r)
	if err != nil {
		return Response{}, err
	}
	var in clientInput
	if err := r.Decode(&in); err != nil {
		return Response{}, err
	}
	if in.Public != nil && *in.Public != before.Public() {
		return Response{}, errcode.InvalidValue("public", "a client stays public or confidential; create another one")
	}
	nc, err := h.o.OAuth.UpdateClientSecret(ctx, s.ID, before.ClientID, func(c *oauth.Client) error {
		in.apply(c)
		return nil
	}, in.RotateSecret)
	if err != nil {
		return Response{}, err
	}
	view := viewClient(nc.Client)
	action := "oidc_client.update"
	if in.RotateSecret {
		action = "oidc_client.rotate_secret"
	}
	h.audit(ctx, r, action, clientTarget(s.ID, nc.ClientID), viewClient(before), view)
	body := obj{"client": view}
	if nc.Secret != "" {
		body["secret"] = nc.Secret
	}
	return Response{Body: body}, nil
}

func (h *Handler) deleteClient(ctx context.Context, r *Request) (Response, error) {
	s, c, err := h.client(ctx, r)
	if err != nil {
		return Response{}, err
	}
	if err := h.o.OAuth.DeleteClient(ctx, s.ID, c.ClientID); err != nil {
		return Response{}, err
	}
	h.audit(ctx, r, "oidc_client.delete", clientTarget(s.ID, c.ClientID), viewClient(c), nil)
	return Response{}, nil
}
