package rpc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/screenset"
	"github.com/custos-id/custos/internal/site"
)

// screenSetMethods are the accounts.*ScreenSet* methods (gigya-web-sdk.md
// §4.1): the Web SDK reads a set with the apiKey alone; a site's server
// writes them, through the site's transactional change.
func screenSetMethods(x Accounts) map[string]Method {
	return map[string]Method{
		"accounts.getScreenSets": {Auth: APIKey, Run: x.getScreenSets, Params: []string{
			"screenSetIDs", "include",
			// accepted:
			"screenSetVersion"}},
		"accounts.setScreenSet": {Auth: Server, Run: x.setScreenSet, Params: []string{
			"screenSetID", "html", "css", "javascript", "translations", "metadata",
			// accepted:
			"comment", "compressionType", "rawTranslations"}},
		"accounts.setScreenSets": {Auth: Server, Run: x.setScreenSets, Params: []string{
			"screenSets"}},
		"accounts.deleteScreenSet": {Auth: Server, Run: x.deleteScreenSet, Params: []string{
			"screenSetID"}},
	}
}

// screenSetFields are the include values of getScreenSets; all but
// metadata are answered when include names none.
var screenSetFields = []string{"screenSetID", "html", "css", "javascript", "translations", "metadata"}

func (x Accounts) getScreenSets(ctx context.Context, c *Call) (any, error) {
	ids, err := screenset.ParseIDs(c.Params.Get("screenSetIDs"))
	if err != nil {
		return nil, screenSetError(err, "", "screenSetIDs")
	}
	fields := list(c.Params.Get("include"))
	for _, f := range fields {
		if !slices.Contains(screenSetFields, f) {
			return nil, errcode.InvalidValue("include", "unknown value "+strconv.Quote(f))
		}
	}
	if len(fields) == 0 {
		fields = screenSetFields[:5]
	}
	sets, err := x.ScreenSets.Get(ctx, c.Site.ID, ids)
	if err != nil {
		return nil, screenSetError(err, "", "screenSetIDs")
	}
	out := make([]obj, 0, len(sets))
	for _, s := range sets {
		o := obj{}
		for _, f := range fields {
			switch f {
			case "screenSetID":
				o[f] = s.ID
			case "html":
				o[f] = s.HTML
			case "css":
				o[f] = s.CSS
			case "javascript":
				o[f] = s.JavaScript
			case "translations":
				o[f] = s.ForLanguage(c.Params.Get("lang"))
			case "metadata":
				o[f] = s.Metadata
			}
		}
		out = append(out, o)
	}
	return obj{"screenSets": out}, nil
}

func (x Accounts) setScreenSet(ctx context.Context, c *Call) (any, error) {
	p := c.Params
	in := screenset.Input{ID: p.Get("screenSetID"), HTML: p.Get("html"), CSS: p.Get("css"), JavaScript: p.Get("javascript")}
	if p.Has("translations") {
		in.Translations = json.RawMessage(p.Get("translations"))
	}
	if p.Has("metadata") {
		in.Metadata = json.RawMessage(p.Get("metadata"))
	}
	set, err := in.Check()
	if err != nil {
		return nil, screenSetError(err, "", "screenSetID")
	}
	_, err = x.Sites.Update(ctx, c.Site.ID, site.Changes{ScreenSets: []screenset.ScreenSet{set}})
	return obj{}, screenSetError(err, "", "screenSetID")
}

// setScreenSets stores a JSON array of screen-sets, each as
// accounts.setScreenSet takes it (translations and metadata as objects, or
// as JSON text), all in one change: one refused, none is stored.
func (x Accounts) setScreenSets(ctx context.Context, c *Call) (any, error) {
	const param = "screenSets"
	raw, err := c.Params.Required(param)
	if err != nil {
		return nil, err
	}
	// Not jsonlimit.Check: a set's html may be longer than one JSON string
	// of a client may be (the body limit bounds it). The sets' translations
	// and metadata are checked by screenset.Input.Check.
	if !json.Valid([]byte(raw)) || !utf8.ValidString(raw) {
		return nil, errcode.InvalidFormat(param, "want a JSON array of screen-sets")
	}
	var elems []json.RawMessage
	if err := json.Unmarshal([]byte(raw), &elems); err != nil {
		return nil, errcode.InvalidFormat(param, "want a JSON array of screen-sets")
	}
	if len(elems) == 0 {
		return nil, errcode.Missing(param)
	}
	if len(elems) > screenset.MaxPerChange {
		return nil, errcode.InvalidValue(param, fmt.Sprintf("at most %d screen-sets in one call", screenset.MaxPerChange))
	}
	sets := make([]screenset.ScreenSet, 0, len(elems))
	for i, e := range elems {
		prefix := fmt.Sprintf("%s[%d].", param, i)
		var in screenset.Input
		if err := json.Unmarshal(e, &in); err != nil {
			return nil, errcode.InvalidFormat(param+"["+strconv.Itoa(i)+"]",
				"want an object of screenSetID, html, css, javascript, translations and metadata")
		}
		for _, v := range []*json.RawMessage{&in.Translations, &in.Metadata} {
			if *v, err = unquoteJSON(*v); err != nil {
				return nil, errcode.InvalidFormat(param+"["+strconv.Itoa(i)+"]", "translations and metadata are objects or JSON text")
			}
		}
		set, err := in.Check()
		if err != nil {
			return nil, screenSetError(err, prefix, param)
		}
		sets = append(sets, set)
	}
	_, err = x.Sites.Update(ctx, c.Site.ID, site.Changes{ScreenSets: sets})
	return obj{}, screenSetError(err, "", param)
}

// unquoteJSON turns a JSON string holding JSON text (as setScreenSet takes
// translations) into that text; any other value is kept.
func unquoteJSON(v json.RawMessage) (json.RawMessage, error) {
	if t := bytes.TrimSpace(v); len(t) > 0 && t[0] == '"' {
		var s string
		if err := json.Unmarshal(t, &s); err != nil {
			return nil, err
		}
		return json.RawMessage(s), nil
	}
	return v, nil
}

func (x Accounts) deleteScreenSet(ctx context.Context, c *Call) (any, error) {
	id, err := screenset.CheckID(c.Params.Get("screenSetID"))
	if err != nil {
		return nil, screenSetError(err, "", "screenSetID")
	}
	_, err = x.Sites.Update(ctx, c.Site.ID, site.Changes{DeleteScreenSets: []string{id}})
	if _, ok := errors.AsType[*screenset.NotFoundError](err); ok && x.ScreenSets.IsBuiltIn(id) {
		return nil, errcode.InvalidValue("screenSetID", fmt.Sprintf("%s is built in and the site stores none of it: there is nothing to delete", id))
	}
	return obj{}, screenSetError(err, "", "screenSetID")
}

// sessionVerify answers accounts.session.verify: OK when the call's
// session is valid (the session check has run) or, in a server call, when
// the account of UID may log in.
func (x Accounts) sessionVerify(ctx context.Context, c *Call) (any, error) {
	if !c.Server {
		return obj{}, nil
	}
	a, err := x.target(ctx, c, "UID")
	if err != nil {
		return nil, err
	}
	return obj{}, x.Accounts.VerifyLogin(ctx, c.Site, a)
}
