package rest_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"testing"
)

// The error tables are map literals keyed by structs: Go does not refuse
// a repeated struct key, and the later row silently wins. Neither
// dialect's table repeats a key.
func TestErrorTablesHaveNoRepeatedRows(t *testing.T) {
	for _, file := range []string{"errors.go", "../rpc/errors.go"} {
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, file, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.CompositeLit)
			if !ok {
				return true
			}
			seen := map[string]token.Position{}
			for _, el := range lit.Elts {
				kv, ok := el.(*ast.KeyValueExpr)
				if !ok {
					continue
				}
				k, ok := kv.Key.(*ast.CompositeLit)
				if !ok {
					continue
				}
				src := fset.Position(k.Pos()).String()
				key := string(mustSource(t, file, fset, k))
				if prev, dup := seen[key]; dup {
					t.Errorf("%s: the row of %s repeats %s", src, key, prev)
				}
				seen[key] = fset.Position(k.Pos())
			}
			return true
		})
	}
}

func mustSource(t *testing.T, file string, fset *token.FileSet, n ast.Node) []byte {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return b[fset.Position(n.Pos()).Offset:fset.Position(n.End()).Offset]
}
