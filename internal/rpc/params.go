package rpc

import (
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/callctx"
	"github.com/custos-id/custos/internal/jsonlimit"
	"github.com/custos-id/custos/internal/policy"
)

// Limits on the parameters of one request.
const (
	maxParams       = 200
	maxParamNameLen = 128
)

// objectParams are decoded from JSON strings before the method runs, so a
// malformed one fails the same way (400004 naming it) for every method.
var objectParams = []string{
	"profile", "data", "preferences", "subscriptions", "communications", "internal",
	"customIdentifiers", "securityFields", "rba", "actionAttributes", "clientContext",
}

// jsonParams are the other parameters whose values are JSON: the policy
// sections of setPolicies, decoded by the policy package.
var jsonParams = policy.Sections

// Params are the parameters of a call: query and form merged (a form value
// wins over a query value of the same name), object parameters decoded.
type Params struct {
	values  url.Values
	objects map[string]map[string]any
}

// NewParams returns Params over values, decoding the object parameters.
func NewParams(values url.Values) (*Params, error) {
	p := &Params{values: values, objects: map[string]map[string]any{}}
	for _, name := range objectParams {
		raw := strings.TrimSpace(values.Get(name))
		if raw == "" {
			continue
		}
		obj, err := decodeObject(raw)
		if err != nil {
			return nil, jsonError(name, err)
		}
		p.objects[name] = obj
	}
	for _, name := range jsonParams {
		raw := values.Get(name)
		if raw == "" {
			continue
		}
		// Text that is not JSON is left to the policy package to word.
		if err := jsonlimit.Check([]byte(raw)); err != nil && err != jsonlimit.ErrMalformed {
			return nil, jsonError(name, err)
		}
	}
	return p, nil
}

// jsonError is 400006 for a JSON value past the limits, 400004 otherwise.
func jsonError(name string, err error) error {
	if e, ok := jsonlimit.AsError(err); ok && e.TooLarge {
		return errcode.InvalidValue(name, e.Reason)
	}
	return errcode.InvalidFormat(name, err.Error())
}

// Get returns the first value of name, or "".
func (p *Params) Get(name string) string { return p.values.Get(name) }

// Has reports whether name was sent, even empty.
func (p *Params) Has(name string) bool { return p.values.Has(name) }

// Required returns the value of name: 400002 when missing or blank.
func (p *Params) Required(name string) (string, error) {
	v := p.values.Get(name)
	if strings.TrimSpace(v) == "" {
		return "", errcode.Missing(name)
	}
	return v, nil
}

// Bool returns the boolean value of name, def when absent: 400006 when it is
// not true/false/1/0 (any case, as the SDKs of several languages send them).
func (p *Params) Bool(name string, def bool) (bool, error) {
	if !p.values.Has(name) {
		return def, nil
	}
	return parseBool(name, p.values.Get(name))
}

// Names returns the names of every parameter.
func (p *Params) Names() []string {
	names := make([]string, 0, len(p.values))
	for n := range p.values {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Object returns the decoded object parameter name; nil when absent or null.
func (p *Params) Object(name string) map[string]any { return p.objects[name] }

func parseBool(name, v string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true", "1":
		return true, nil
	case "false", "0", "":
		return false, nil
	}
	return false, errcode.InvalidValue(name, "want true or false")
}

// decodeObject parses a JSON object within the limits of jsonlimit,
// keeping numbers exact. "null" is nil.
func decodeObject(raw string) (map[string]any, error) {
	if raw == "null" {
		return nil, nil
	}
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil {
		return nil, errors.New("not a JSON object")
	}
	if obj == nil {
		return nil, errors.New("not a JSON object")
	}
	if dec.More() {
		return nil, errors.New("trailing data after the JSON object")
	}
	if err := jsonlimit.Check([]byte(raw)); err != nil {
		return nil, err
	}
	return obj, nil
}

// readValues merges the query and the form body of r. A body over the
// server's limit is 413001; anything else unreadable is 400001.
func readValues(r *http.Request) (url.Values, error) {
	if callctx.From(r.Context()).BodyTooLarge {
		return nil, callctx.TooLarge()
	}
	var err error
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "multipart/form-data" {
		err = r.ParseMultipartForm(1 << 20)
	} else {
		err = r.ParseForm()
	}
	if err != nil {
		return nil, callctx.BodyError(err)
	}
	if len(r.Form) > maxParams {
		return nil, errcode.Newf(errcode.InvalidRequestFormat, "Invalid request format: more than %d parameters", maxParams)
	}
	for name, vs := range r.Form {
		if len(name) > maxParamNameLen || !utf8.ValidString(name) {
			return nil, errcode.New(errcode.InvalidRequestFormat, "Invalid request format: invalid parameter name")
		}
		for _, v := range vs {
			if !utf8.ValidString(v) || strings.IndexByte(v, 0) >= 0 {
				return nil, errcode.InvalidFormat(name, "not valid UTF-8 text")
			}
		}
	}
	return r.Form, nil
}

// output is how the caller wants the response rendered.
type output struct {
	jsonp      bool
	callback   string
	httpStatus bool
	context    string
	// maxAge is how long the answer may be cached (Call.CacheFor).
	maxAge time.Duration
}

const maxCallbackLen = 128

// parseOutput reads format, callback, httpStatusCodes and context. On error it
// still returns what it could read, so that the error renders as asked.
func parseOutput(v url.Values) (output, error) {
	out := output{context: v.Get("context")}
	hs, err := parseBool("httpStatusCodes", v.Get("httpStatusCodes"))
	if err != nil {
		return out, err
	}
	out.httpStatus = hs
	switch f := strings.ToLower(v.Get("format")); f {
	case "", "json":
	case "jsonp":
		cb := v.Get("callback")
		switch {
		case cb == "":
			return out, errcode.Missing("callback")
		case !validCallback(cb):
			return out, errcode.InvalidValue("callback", "not a JavaScript identifier path")
		}
		out.jsonp, out.callback = true, cb
	default:
		return out, errcode.InvalidValue("format", fmt.Sprintf("%q is not json or jsonp", f))
	}
	return out, nil
}

// validCallback accepts dotted JavaScript identifiers such as gigya.callback
// or cb_1.$x, and nothing that could close the call or start other code.
func validCallback(s string) bool {
	if len(s) > maxCallbackLen {
		return false
	}
	for part := range strings.SplitSeq(s, ".") {
		if part == "" {
			return false
		}
		for i, c := range part {
			letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '$'
			if !letter && !(i > 0 && c >= '0' && c <= '9') {
				return false
			}
		}
	}
	return true
}
