package adminapi_test

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestOpenAPILint checks docs/openapi-admin.json as a document: OpenAPI
// 3.1, every reference resolves, every path parameter is declared, each
// operation has a unique operationId, a least role, a success answer and
// the error answer, and every change but logging in declares the CSRF
// header.
func TestOpenAPILint(t *testing.T) {
	b, err := readFile("../../docs/openapi-admin.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if doc["openapi"] != "3.1.0" {
		t.Errorf("openapi = %v", doc["openapi"])
	}
	resolve := func(ref string) (any, bool) {
		var v any = doc
		for _, tok := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
			m, ok := v.(map[string]any)
			if !ok {
				return nil, false
			}
			if v, ok = m[tok]; !ok {
				return nil, false
			}
		}
		return v, true
	}
	var walk func(at string, v any)
	walk = func(at string, v any) {
		switch x := v.(type) {
		case map[string]any:
			if ref, ok := x["$ref"].(string); ok {
				if _, ok := resolve(ref); !ok || !strings.HasPrefix(ref, "#/") {
					t.Errorf("%s: $ref %q does not resolve", at, ref)
				}
			}
			for k, e := range x {
				walk(at+"/"+k, e)
			}
		case []any:
			for _, e := range x {
				walk(at, e)
			}
		}
	}
	walk("#", doc)
	ids := map[string]bool{}
	param := regexp.MustCompile(`\{([^}]+)\}`)
	for path, ops := range doc["paths"].(map[string]any) {
		for method, o := range ops.(map[string]any) {
			op := o.(map[string]any)
			name := strings.ToUpper(method) + " " + path
			id, _ := op["operationId"].(string)
			if id == "" || ids[id] {
				t.Errorf("%s: operationId %q missing or repeated", name, id)
			}
			ids[id] = true
			role, _ := op["x-custos-role"].(string)
			if !slices.Contains([]string{"none", "readonly", "operator", "owner"}, role) {
				t.Errorf("%s: x-custos-role %q", name, role)
			}
			var declared []string
			csrf := false
			for _, p := range asList(op["parameters"]) {
				pm := p.(map[string]any)
				if ref, ok := pm["$ref"].(string); ok {
					csrf = csrf || ref == "#/components/parameters/CSRF"
					continue
				}
				if pm["in"] == "path" {
					declared = append(declared, pm["name"].(string))
				}
			}
			for _, m := range param.FindAllStringSubmatch(path, -1) {
				if !slices.Contains(declared, m[1]) {
					t.Errorf("%s: path parameter %s not declared", name, m[1])
				}
			}
			if want := method != "get" && role != "none"; csrf != want {
				t.Errorf("%s: declares the CSRF header: %v, want %v", name, csrf, want)
			}
			resp, _ := op["responses"].(map[string]any)
			ok2xx := false
			for code := range resp {
				ok2xx = ok2xx || strings.HasPrefix(code, "2")
			}
			if !ok2xx || resp["400"] == nil || resp["401"] == nil || resp["403"] == nil {
				t.Errorf("%s: responses %v", name, resp)
			}
		}
	}
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}
