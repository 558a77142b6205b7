package views

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// Every audit action the code records has a name in actions, so the dashboards' recent activity never shows a raw
// "account.language" (in German pages least of all). The actions are found in the source: string literals passed to
// functions that audit or run an audited change (audit, audited, auditErr, create, change, remove, endImpersonation),
// given as an Action field, or assigned to a variable named action.
func TestActionNames_EveryAuditAction(t *testing.T) {
	action := regexp.MustCompile(`^[a-z_]+(\.[a-z_]+)+$`)
	found := map[string]string{}
	keep := func(e ast.Expr, where string) {
		if l, ok := e.(*ast.BasicLit); ok && l.Kind == token.STRING {
			if s, err := strconv.Unquote(l.Value); err == nil && action.MatchString(s) {
				found[s] = where
			}
		}
	}
	err := filepath.WalkDir("..", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") || strings.HasSuffix(p, "_templ.go") {
			return err
		}
		f, err := parser.ParseFile(token.NewFileSet(), p, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.CallExpr:
				name := ""
				switch fn := x.Fun.(type) {
				case *ast.Ident:
					name = fn.Name
				case *ast.SelectorExpr:
					name = fn.Sel.Name
				}
				if audits(name) {
					for _, a := range x.Args {
						keep(a, p)
					}
				}
			case *ast.AssignStmt:
				for i, l := range x.Lhs {
					if id, ok := l.(*ast.Ident); ok && strings.EqualFold(id.Name, "action") && i < len(x.Rhs) {
						keep(x.Rhs[i], p)
					}
				}
			case *ast.KeyValueExpr:
				if k, ok := x.Key.(*ast.Ident); ok && strings.EqualFold(k.Name, "action") {
					keep(x.Value, p)
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(found) < 50 {
		t.Fatalf("found only %d audit actions in the code: the scan no longer sees them", len(found))
	}
	for a, where := range found {
		if _, ok := actions[a]; !ok {
			t.Errorf("audit action %q (%s) has no name in views.actions", a, where)
		}
	}
}

func audits(fn string) bool {
	n := strings.ToLower(fn)
	for _, w := range []string{"audit", "create", "change", "remove", "impersonation"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}
