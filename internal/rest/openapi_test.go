package rest

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/custos-id/custos/errcode"
)

// openAPIFile is the OpenAPI document of the dialect, from this package.
const openAPIFile = "../../docs/openapi.json"

// openAPIDoc is the document as decoded JSON.
type openAPIDoc map[string]any

func loadOpenAPI(t *testing.T) openAPIDoc {
	t.Helper()
	b, err := os.ReadFile(openAPIFile)
	if err != nil {
		t.Fatal(err)
	}
	var d openAPIDoc
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("%s: %v", openAPIFile, err)
	}
	return d
}

// pointer resolves a local reference ("#/components/schemas/User").
func (d openAPIDoc) pointer(ref string) (any, error) {
	frag, ok := strings.CutPrefix(ref, "#")
	if !ok {
		return nil, fmt.Errorf("%q is not a reference within the document", ref)
	}
	var v any = map[string]any(d)
	if frag == "" {
		return v, nil
	}
	if !strings.HasPrefix(frag, "/") {
		return nil, fmt.Errorf("%q: a JSON pointer starts with /", ref)
	}
	for _, tok := range strings.Split(frag[1:], "/") {
		tok, err := url.PathUnescape(tok)
		if err != nil {
			return nil, fmt.Errorf("%q: %v", ref, err)
		}
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch x := v.(type) {
		case map[string]any:
			if v, ok = x[tok]; !ok {
				return nil, fmt.Errorf("%q: no %q", ref, tok)
			}
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(x) {
				return nil, fmt.Errorf("%q: no index %q", ref, tok)
			}
			v = x[i]
		default:
			return nil, fmt.Errorf("%q: %q is inside a scalar", ref, tok)
		}
	}
	return v, nil
}

// deref follows $ref until an object without one.
func (d openAPIDoc) deref(t *testing.T, v any) map[string]any {
	t.Helper()
	for range 10 {
		m, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("want an object, got %T", v)
		}
		ref, ok := m["$ref"].(string)
		if !ok {
			return m
		}
		v = mustPointer(t, d, ref)
	}
	t.Fatal("$ref chain too long")
	return nil
}

func mustPointer(t *testing.T, d openAPIDoc, ref string) any {
	t.Helper()
	v, err := d.pointer(ref)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// httpMethods are the operation keys of a path item.
var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// pathItemFields are the other keys a path item may have.
var pathItemFields = []string{"$ref", "summary", "description", "servers", "parameters"}

type operation struct {
	method, path string // "get", "/v1/marketing/login/users/{id}"
	params       []any  // of the path item, then of the operation
	op           map[string]any
}

func (d openAPIDoc) operations(t *testing.T) []operation {
	t.Helper()
	paths, ok := d["paths"].(map[string]any)
	if !ok || len(paths) == 0 {
		t.Fatal("no paths")
	}
	var ops []operation
	for path, item := range paths {
		item := d.deref(t, item)
		shared, _ := item["parameters"].([]any)
		for key, v := range item {
			if !slices.Contains(httpMethods, key) {
				if !slices.Contains(pathItemFields, key) {
					t.Errorf("%s: %q is neither an HTTP method nor a path item field", path, key)
				}
				continue
			}
			op, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("%s %s: not an object", key, path)
			}
			own, _ := op["parameters"].([]any)
			ops = append(ops, operation{key, path, append(slices.Clone(shared), own...), op})
		}
	}
	slices.SortFunc(ops, func(a, b operation) int { return strings.Compare(a.path+" "+a.method, b.path+" "+b.method) })
	return ops
}

// wildcard is a ServeMux wildcard: {name}, {name...} or {$}.
var wildcard = regexp.MustCompile(`\{(\$|[A-Za-z_][A-Za-z0-9_]*(?:\.\.\.)?)\}`)

// template is an OpenAPI path template: {name}.
var template = regexp.MustCompile(`\{([^{}/]*)\}`)

// goName is a name a ServeMux wildcard may have.
var goName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// routeToOpenAPI turns a route of Routes(), "GET /v1/marketing/login/users/{id}",
// into the document's method and path below Prefix: "get", "/users/{id}".
func routeToOpenAPI(route string) (method, path string, err error) {
	method, full, ok := strings.Cut(route, " ")
	if !ok {
		return "", "", fmt.Errorf("route %q has no method", route)
	}
	path, ok = strings.CutPrefix(full, Prefix)
	if !ok {
		return "", "", fmt.Errorf("route %q is not below %s", route, Prefix)
	}
	path = wildcard.ReplaceAllStringFunc(path, func(w string) string {
		name := strings.TrimSuffix(w[1:len(w)-1], "...")
		if name == "$" { // {$}: the path ends with its slash
			return ""
		}
		return "{" + name + "}"
	})
	return strings.ToLower(method), path, nil
}

// openAPIToRoute turns a document operation, "get" "/v1/marketing/login/users/{id}",
// into a route of Routes(): "GET /v1/marketing/login/users/{id}".
func openAPIToRoute(method, path string) (string, error) {
	below, ok := strings.CutPrefix(path, Prefix)
	if !ok {
		return "", fmt.Errorf("path %q is not below %s", path, Prefix)
	}
	var bad error
	below = template.ReplaceAllStringFunc(below, func(p string) string {
		name := p[1 : len(p)-1]
		if !goName.MatchString(name) {
			bad = fmt.Errorf("path %q: {%s} is not a ServeMux wildcard name", path, name)
		}
		return "{" + name + "}"
	})
	return strings.ToUpper(method) + " " + Prefix + below, bad
}

// templateNames lists the {names} of an OpenAPI path.
func templateNames(path string) []string {
	var names []string
	for _, m := range template.FindAllStringSubmatch(path, -1) {
		names = append(names, m[1])
	}
	slices.Sort(names)
	return names
}

func usersHandler() *Handler {
	h := New(nil, nil, slog.New(slog.DiscardHandler))
	RegisterUsers(h, Users{})
	return h
}

func TestOpenAPIRouteConversion(t *testing.T) {
	for _, tc := range []struct{ route, method, path string }{
		{"GET /v1/marketing/login/users/find_by", "get", "/users/find_by"},
		{"PUT /v1/marketing/login/users/{id}/activate", "put", "/users/{id}/activate"},
		{"GET /v1/marketing/login/files/{path...}", "get", "/files/{path}"},
		{"GET /v1/marketing/login/users/{$}", "get", "/users/"},
	} {
		method, path, err := routeToOpenAPI(tc.route)
		if err != nil || method != tc.method || path != tc.path {
			t.Errorf("routeToOpenAPI(%q) = %q, %q, %v; want %q, %q", tc.route, method, path, err, tc.method, tc.path)
		}
	}
	for _, tc := range []struct {
		method, path, route string
		ok                  bool
	}{
		{"delete", "/v1/marketing/login/users/{id}", "DELETE /v1/marketing/login/users/{id}", true},
		{"post", "/v1/marketing/login/users/login", "POST /v1/marketing/login/users/login", true},
		{"get", "/users/{id}", "", false},                         // not below the prefix
		{"get", "/v1/marketing/login/users/{user-id}", "", false}, // not a Go identifier
	} {
		route, err := openAPIToRoute(tc.method, tc.path)
		if (err == nil) != tc.ok || tc.ok && route != tc.route {
			t.Errorf("openAPIToRoute(%q, %q) = %q, %v; want %q", tc.method, tc.path, route, err, tc.route)
		}
	}
}

// TestOpenAPIRoutes checks both directions: every route is documented, and
// every documented operation is a route that a request to it reaches.
func TestOpenAPIRoutes(t *testing.T) {
	d := loadOpenAPI(t)
	h := usersHandler()
	routes := h.Routes()
	if len(routes) == 0 {
		t.Fatal("the handler has no routes")
	}
	documented := map[string]bool{} // "get /users/{id}", below Prefix
	for _, o := range d.operations(t) {
		below, ok := strings.CutPrefix(o.path, Prefix)
		if !ok {
			t.Errorf("%s %s: not below %s", o.method, o.path, Prefix)
			continue
		}
		documented[o.method+" "+below] = true
	}

	for _, route := range routes {
		t.Run("route "+route, func(t *testing.T) {
			method, path, err := routeToOpenAPI(route)
			if err != nil {
				t.Fatal(err)
			}
			if !documented[method+" "+path] {
				t.Errorf("%s is not in %s: want %s %s%s", route, openAPIFile, method, Prefix, path)
			}
		})
	}

	for _, o := range d.operations(t) {
		t.Run("document "+o.method+" "+o.path, func(t *testing.T) {
			route, err := openAPIToRoute(o.method, o.path)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Contains(routes, route) {
				t.Fatalf("no route %s", route)
			}
			// A request to the path, wildcards filled, reaches that route
			// and not a more specific one.
			target := template.ReplaceAllString(o.path, "1")
			_, pattern := h.mux.Handler(httptest.NewRequest(strings.ToUpper(o.method), target, nil))
			if pattern != route {
				t.Errorf("%s %s is served by %q, not %q", strings.ToUpper(o.method), target, pattern, route)
			}
		})
	}
}

func TestOpenAPIDocument(t *testing.T) {
	d := loadOpenAPI(t)
	if d["openapi"] != "3.1.0" {
		t.Errorf("openapi = %v, want 3.1.0", d["openapi"])
	}
	servers, _ := d["servers"].([]any)
	if len(servers) == 0 {
		t.Error("no servers")
	}
	for _, s := range servers {
		raw, _ := d.deref(t, s)["url"].(string)
		u, err := url.Parse(raw)
		if err != nil || u.Scheme == "" || u.Host == "" {
			t.Errorf("server url %q: not an absolute URL", raw)
		} else if u.Path != "" && u.Path != "/" {
			t.Errorf("server url %q has a path: paths hold all of %s", raw, Prefix)
		}
	}
	schemes, _ := d.deref(t, d["components"])["securitySchemes"].(map[string]any)
	if basic := d.deref(t, schemes["basic"]); basic["type"] != "http" || basic["scheme"] != "basic" {
		t.Errorf("securitySchemes.basic = %v, want HTTP Basic", basic)
	}

	ids := map[string]string{}
	for _, o := range d.operations(t) {
		name := o.method + " " + o.path
		t.Run(name, func(t *testing.T) {
			id, _ := o.op["operationId"].(string)
			if id == "" {
				t.Error("no operationId")
			} else if other, dup := ids[id]; dup {
				t.Errorf("operationId %q is also %s's", id, other)
			}
			ids[id] = name
			if s, _ := o.op["summary"].(string); s == "" {
				t.Error("no summary")
			}

			responses, _ := o.op["responses"].(map[string]any)
			var success bool
			for code, r := range responses {
				status, err := strconv.Atoi(code)
				if err != nil {
					t.Errorf("response %q: not a status", code)
					continue
				}
				if status >= 200 && status < 300 {
					success = true
					continue
				}
				checkErrorResponse(t, d, status, d.deref(t, r))
			}
			if !success {
				t.Error("no 2xx response")
			}
			if responses["401"] == nil {
				t.Error("no 401 response")
			}

			// The path parameters are the template's names, all required.
			var inPath []string
			for _, p := range o.params {
				p := d.deref(t, p)
				if p["in"] == "path" {
					inPath = append(inPath, p["name"].(string))
					if p["required"] != true {
						t.Errorf("path parameter %v is not required", p["name"])
					}
				}
			}
			slices.Sort(inPath)
			if want := templateNames(o.path); !slices.Equal(inPath, want) {
				t.Errorf("path parameters %v, want %v", inPath, want)
			}
		})
	}
}

// errorStatuses are the statuses of the REST error tokens.
func errorStatuses() map[int]bool {
	m := map[int]bool{}
	for _, tok := range restTokens {
		m[tok.Status()] = true
	}
	return m
}

// checkErrorResponse checks that an error status is one a token has, that
// its body is the Error schema, and that its examples carry a token of
// that status.
func checkErrorResponse(t *testing.T, d openAPIDoc, status int, r map[string]any) {
	t.Helper()
	if !errorStatuses()[status] {
		t.Errorf("response %d: no error token has this status", status)
	}
	content, _ := r["content"].(map[string]any)
	media, ok := content["application/json"].(map[string]any)
	if !ok {
		t.Errorf("response %d: no application/json body", status)
		return
	}
	if schema, _ := media["schema"].(map[string]any); schema["$ref"] != "#/components/schemas/Error" {
		t.Errorf("response %d: schema %v, want the Error schema", status, schema)
	}
	examples, _ := media["examples"].(map[string]any)
	for name, ex := range examples {
		v, _ := d.deref(t, ex)["value"].(map[string]any)
		tok, _ := v["error"].(string)
		if got := errcode.Token(tok).Status(); !slices.Contains(restTokens, errcode.Token(tok)) || got != status {
			t.Errorf("response %d, example %s: error %q is HTTP %d", status, name, tok, got)
		}
	}
}

// restTokens are the "error" values of the Social ID error document.
var restTokens = []errcode.Token{
	errcode.TokenAuthenticationFailed, errcode.TokenBadRequest, errcode.TokenConflict, errcode.TokenForbidden,
	errcode.TokenInternalServerError, errcode.TokenInvalidParameters, errcode.TokenMissingParameters,
	errcode.TokenNotAcceptable, errcode.TokenNotFound, errcode.TokenUnauthorized, errcode.TokenUnprocessableEntity,
}

// TestOpenAPIErrorEnums: the Error schema lists the tokens and the field
// error codes of the errcode catalog, no more, no fewer.
func TestOpenAPIErrorEnums(t *testing.T) {
	d := loadOpenAPI(t)
	var rules []string
	for _, r := range errcode.Rules() {
		rules = append(rules, string(r.Rule))
	}
	var tokens []string
	for _, tok := range restTokens {
		tokens = append(tokens, string(tok))
	}
	for _, tc := range []struct {
		ref  string
		want []string
	}{
		{"#/components/schemas/Error/properties/error/enum", tokens},
		{"#/components/schemas/FieldError/properties/code/enum", rules},
	} {
		v, err := d.pointer(tc.ref)
		if err != nil {
			t.Error(err)
			continue
		}
		var got []string
		for _, s := range v.([]any) {
			got = append(got, s.(string))
		}
		slices.Sort(got)
		want := slices.Sorted(slices.Values(tc.want))
		if !slices.Equal(got, want) {
			t.Errorf("%s = %v, want %v", tc.ref, got, want)
		}
	}
}

var pointerEscaper = strings.NewReplacer("~", "~0", "/", "~1")

// TestOpenAPIRefs: every $ref points inside the document, at something.
func TestOpenAPIRefs(t *testing.T) {
	d := loadOpenAPI(t)
	var n int
	var walk func(at string, v any)
	walk = func(at string, v any) {
		switch x := v.(type) {
		case map[string]any:
			if ref, ok := x["$ref"]; ok {
				n++
				s, _ := ref.(string)
				if _, err := d.pointer(s); err != nil {
					t.Errorf("%s: %v", at, err)
				}
			}
			for k, v := range x {
				walk(at+"/"+pointerEscaper.Replace(k), v)
			}
		case []any:
			for i, v := range x {
				walk(at+"/"+strconv.Itoa(i), v)
			}
		}
	}
	walk("#", map[string]any(d))
	if n == 0 {
		t.Error("no $ref at all")
	}
	for _, bad := range []string{"#/components/schemas/Nothing", "other.json#/x", "#components"} {
		if _, err := d.pointer(bad); err == nil {
			t.Errorf("pointer(%q) resolved", bad)
		}
	}
}
