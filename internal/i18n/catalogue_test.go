package i18n

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// messageArgs names the calls whose string-literal argument at the given index is a message: the catalogue's own
// functions, the views' wrappers around them, the user-facing error constructors, whose formats are translated
// where errors are shown, and the handlers' own messages: refusals (userErr), flashes and page titles (h.render).
var messageArgs = map[string]int{
	"i18n.T": 1, "i18n.Tf": 1, "i18n.Ts": 1, "Ts": 1, "i18n.M": 0, "T": 1, "Tf": 1, "M": 0, "i18n.Keep": 0,
	"fail.New": 1, "fail.Field": 1, "fail.Invalid": 0, "fail.Conflict": 0, "fail.Forbidden": 0, "fail.Platform": 0,
	".Text": 0, ".Textf": 0, ".Addf": 1, ".fill": 0,
	"userErr": 1, ".flash": 1, ".render": 3, ".mailboxDone": 3,
}

// pluralArgs names the calls whose argument at the index is a plural key.
var pluralArgs = map[string]int{"i18n.N": 1, "N": 1, ".Plural": 0}

type use struct {
	msg string
	at  string
}

// usedMessages parses every non-test Go file of the module (generated templ code included) and returns the
// messages and plural keys it passes to the calls above.
func usedMessages(t *testing.T) (msgs, plurals []use) {
	t.Helper()
	root := filepath.Join("..", "..")
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "node_modules") && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			name := callName(call.Fun)
			if i, ok := messageArgs[name]; ok {
				if s, ok := literal(call, i); ok {
					msgs = append(msgs, use{s, fset.Position(call.Pos()).String()})
				}
			}
			if i, ok := pluralArgs[name]; ok {
				if s, ok := literal(call, i); ok {
					plurals = append(plurals, use{s, fset.Position(call.Pos()).String()})
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return msgs, plurals
}

// callName is "pkg.F" for a package function, ".M" for a method on anything else, "F" for a local function.
func callName(fun ast.Expr) string {
	switch f := fun.(type) {
	case *ast.Ident:
		return f.Name
	case *ast.SelectorExpr:
		if x, ok := f.X.(*ast.Ident); ok && (x.Name == "i18n" || x.Name == "fail") {
			return x.Name + "." + f.Sel.Name
		}
		return "." + f.Sel.Name
	}
	return ""
}

func literal(call *ast.CallExpr, i int) (string, bool) {
	if i >= len(call.Args) {
		return "", false
	}
	lit, ok := call.Args[i].(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(lit.Value)
	return s, err == nil
}

func TestCatalogue_EveryMessageInBothLanguages(t *testing.T) {
	msgs, plurals := usedMessages(t)
	if len(msgs) == 0 {
		t.Fatal("found no messages in the code: the scan is broken")
	}
	used := map[string]bool{}
	for _, u := range msgs {
		used[u.msg] = true
		if !hasLetters(u.msg) {
			continue // "%s", "·": nothing to translate
		}
		if _, ok := text[De][u.msg]; !ok {
			t.Errorf("%s: %q has no German translation", u.at, u.msg)
		}
	}
	usedPlural := map[string]bool{}
	for _, u := range plurals {
		usedPlural[u.msg] = true
		for _, l := range Langs {
			if _, ok := plural[l][u.msg]; !ok {
				t.Errorf("%s: plural %q has no %s forms", u.at, u.msg, l)
			}
		}
	}
	for k := range text[De] {
		if !used[k] {
			t.Errorf("German has %q, which no code uses", k)
		}
	}
	for _, l := range Langs {
		for k := range plural[l] {
			if !usedPlural[k] {
				t.Errorf("%s plural %q is used by no code", l, k)
			}
		}
	}
}

var verbs = regexp.MustCompile(`%[-+# 0-9.*]*[a-zA-Z%]`)

func TestCatalogue_TranslationsKeepTheirVerbs(t *testing.T) {
	same := func(a, b string) bool {
		x, y := verbs.FindAllString(a, -1), verbs.FindAllString(b, -1)
		sort.Strings(x)
		sort.Strings(y)
		return slices.Equal(x, y)
	}
	for k, v := range text[De] {
		if !same(k, v) {
			t.Errorf("German %q changes the verbs of %q", v, k)
		}
	}
	for _, l := range Langs {
		for k, p := range plural[l] {
			if !same(k, p.Other) || !same(k, p.One) {
				t.Errorf("%s plural %q: forms %q/%q change its verbs", l, k, p.One, p.Other)
			}
		}
	}
}

func hasLetters(s string) bool {
	s = verbs.ReplaceAllString(s, "")
	return strings.IndexFunc(s, func(r rune) bool { return r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' }) >= 0
}

// staticText finds what templ writes as literal markup: the strings the generated code passes to WriteString.
// rawText is the markup a hand-written row writes (htmlWriter.raw with a constant).
var rawText = regexp.MustCompile("\\.raw\\((`[^`]*`|\"(?:[^\"\\\\]|\\\\.)*\")\\)")

var staticText = regexp.MustCompile(`templruntime\.WriteString\(templ_7745c5c3_Buffer, [0-9]+, "((?:[^"\\]|\\.)*)"\)`)

var (
	// shownAttrs are the attributes whose values people read or hear.
	shownAttrs = regexp.MustCompile(`(?:aria-label|title|placeholder|alt)="([^"\x00]*)"`)
	tags       = regexp.MustCompile(`<(?:[^>"]|"[^"]*")*>`) // a quoted attribute may hold ">" (hx-select="main > *")
	entities   = regexp.MustCompile(`&[a-z]+;|&#[0-9]+;`)
)

// TestCatalogue_TemplatesHaveNoRawText fails when a template, or a list row written by hand (views/rows.go),
// writes words of its own instead of asking the catalogue: every word a page shows must be translatable.
func TestCatalogue_TemplatesHaveNoRawText(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "views", "*_templ.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no generated templates found: %v", err)
	}
	files = append(files, filepath.Join("..", "views", "rows.go"))
	markup := 0
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		// Join the file's markup, with a NUL where the code writes something of its own, so a tag split around
		// an attribute value still reads as one tag.
		var joined strings.Builder
		for _, m := range staticText.FindAllStringSubmatch(string(src), -1) {
			markup++
			s, err := strconv.Unquote(`"` + m[1] + `"`)
			if err != nil {
				t.Fatal(err)
			}
			joined.WriteString(s)
			joined.WriteByte(0)
		}
		for _, m := range rawText.FindAllStringSubmatch(string(src), -1) {
			markup++
			s, err := strconv.Unquote(m[1])
			if err != nil {
				t.Fatal(err)
			}
			joined.WriteString(s)
			joined.WriteByte(0)
		}
		for _, a := range shownAttrs.FindAllStringSubmatch(joined.String(), -1) {
			if hasLetters(a[1]) {
				t.Errorf("%s writes an untranslated attribute %s", filepath.Base(f), a[0])
			}
		}
		rest := entities.ReplaceAllString(tags.ReplaceAllString(joined.String(), " "), " ")
		for _, frag := range strings.Split(rest, "\x00") {
			if hasLetters(frag) {
				t.Errorf("%s writes untranslated text %q", filepath.Base(f), strings.TrimSpace(frag))
			}
		}
	}
	if markup == 0 {
		t.Fatal("found no markup in the generated templates: the scan is broken")
	}
}
