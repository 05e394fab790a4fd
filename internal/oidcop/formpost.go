package oidcop

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"html/template"
	"net/http"
	"net/url"
)

// formPostScript submits the form of an error answered by form_post (the
// op package's own form_post page carries no error members).
const formPostScript = `document.forms[0].submit()`

var formPostErrorTmpl = template.Must(template.New("form_post_error").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Returning to the application</title></head>
<body><form method="post" action="{{.Action}}">
<input type="hidden" name="error" value="{{.Error}}">
{{with .Description}}<input type="hidden" name="error_description" value="{{.}}">{{end}}
{{with .State}}<input type="hidden" name="state" value="{{.}}">{{end}}
<noscript><button type="submit">Return to the application</button></noscript>
</form><script>` + formPostScript + `</script></body></html>
`))

// formPostCSP lets the page run its one script and post to the client.
func formPostCSP(redirectURI string) string {
	sum := sha256.Sum256([]byte(formPostScript))
	formAction := "'none'"
	if src := cspSource(redirectURI); src != "" {
		formAction = src
	}
	return "default-src 'none'; script-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) +
		"'; form-action " + formAction + "; frame-ancestors 'none'; base-uri 'none'"
}

// rfcError is an RFC 6749 error as a redirect carries it.
type rfcError struct{ Error, Description, State string }

// formPostError answers an error to a client that asked for form_post
// (OAuth 2.0 Form Post Response Mode 2: errors too go by POST): a page
// whose form the browser posts to the redirect URI.
func formPostError(w http.ResponseWriter, redirectURI string, e rfcError) error {
	var b bytes.Buffer
	if err := formPostErrorTmpl.Execute(&b, struct {
		Action string
		rfcError
	}{redirectURI, e}); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", formPostCSP(redirectURI))
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(b.Bytes())
	return err
}

// formPostRedirects turns the op package's error redirects to the client
// of a form_post request (at authorize, which has no form_post branch for
// errors) into the form_post page. redirectURI is the request's, which
// the op package validated before it redirected to it.
type formPostRedirects struct {
	http.ResponseWriter
	redirectURI string
	done        bool
}

func (f *formPostRedirects) WriteHeader(status int) {
	if status == http.StatusFound && !f.done {
		if e, ok := redirectedError(f.Header().Get("Location")); ok {
			f.Header().Del("Location")
			f.done = true
			formPostError(f.ResponseWriter, f.redirectURI, e)
			return
		}
	}
	if !f.done {
		f.ResponseWriter.WriteHeader(status)
	}
}

func (f *formPostRedirects) Write(b []byte) (int, error) {
	if f.done {
		return len(b), nil // http.Redirect's short body
	}
	return f.ResponseWriter.Write(b)
}

// redirectedError is the RFC 6749 error a redirect carries in its query or
// fragment, if any.
func redirectedError(location string) (rfcError, bool) {
	u, err := url.Parse(location)
	if err != nil {
		return rfcError{}, false
	}
	q := u.Query()
	if f, err := url.ParseQuery(u.Fragment); err == nil && f.Has("error") {
		q = f
	}
	if !q.Has("error") {
		return rfcError{}, false
	}
	return rfcError{q.Get("error"), q.Get("error_description"), q.Get("state")}, true
}
