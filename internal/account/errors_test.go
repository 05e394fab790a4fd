package account

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestErrorListsComplete proves that Conditions, Attributes and Cases list
// every condition, attribute and case this package declares, so that the
// adapters' tests, which walk those lists, see a new one.
func TestErrorListsComplete(t *testing.T) {
	names, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var conds, attrs, cs []string
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			vs, ok := n.(*ast.ValueSpec)
			if !ok {
				return true
			}
			for i, name := range vs.Names {
				switch {
				case vs.Type != nil && types(vs.Type, "Attribute"):
					attrs = append(attrs, name.Name)
				case vs.Type != nil && types(vs.Type, "Case"):
					cs = append(cs, name.Name)
				case i < len(vs.Values) && isErrorsNew(vs.Values[i]):
					conds = append(conds, name.Name)
				}
			}
			return true
		})
	}
	// Not conditions of an *Error: the store's, and the page's link errors.
	notConditions := []string{"ErrLoginIDTaken", "ErrPartial", "ErrLinkInvalid", "ErrLinkExpired"}
	seen := map[error]bool{}
	for _, e := range Conditions() {
		if seen[e.Err] {
			t.Errorf("Conditions lists %v twice", e.Err)
		}
		seen[e.Err] = true
	}
	// These conditions are the session package's sentinels.
	conds = append(conds, "ErrNotFound", "ErrSessionUnknown", "ErrSessionExpired", "ErrSessionNoSecret")
	if n := len(conds) - len(notConditions); n != len(Conditions()) {
		t.Errorf("%d conditions declared (%v), Conditions lists %d", n, conds, len(Conditions()))
	}
	for _, c := range notConditions {
		if !slices.Contains(conds, c) {
			t.Errorf("%s is gone: take it off notConditions", c)
		}
	}
	if len(attrs) != len(Attributes()) {
		t.Errorf("%d attributes declared (%v), Attributes lists %d", len(attrs), attrs, len(Attributes()))
	}
	if len(cs) != len(Cases()) {
		t.Errorf("%d cases declared (%v), Cases lists %d", len(cs), cs, len(Cases()))
	}
}

func types(e ast.Expr, name string) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == name
}

func isErrorsNew(e ast.Expr) bool {
	call, ok := e.(*ast.CallExpr)
	if !ok {
		return false
	}
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	pkg, ok := sel.X.(*ast.Ident)
	return ok && pkg.Name == "errors" && sel.Sel.Name == "New"
}
