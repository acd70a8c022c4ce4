package app

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// textsToTranslate are the first arguments of every lang.L call in the
// app's code.
func textsToTranslate(t *testing.T) map[string]bool {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	texts := map[string]bool{}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || sel.Sel.Name != "L" || len(call.Args) == 0 {
				return true
			}
			if pkg, ok := sel.X.(*ast.Ident); !ok || pkg.Name != "lang" {
				return true
			}
			lit, ok := call.Args[0].(*ast.BasicLit)
			if !ok {
				t.Errorf("%s: lang.L with a text that is no literal: a translator cannot find it", fset.Position(call.Pos()))
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil {
				t.Fatal(err)
			}
			texts[s] = true
			return true
		})
	}
	return texts
}

var placeholder = regexp.MustCompile(`{{\s*\.\w+\s*}}`)

func TestEveryLanguageTranslatesEveryTextOfTheWindow(t *testing.T) {
	texts := textsToTranslate(t)
	if len(texts) < 50 {
		t.Fatalf("found only %d texts to translate", len(texts))
	}
	entries, err := translations.ReadDir("translations")
	if err != nil || len(entries) == 0 {
		t.Fatalf("no translations: %v", err)
	}
	for _, e := range entries {
		data, err := translations.ReadFile("translations/" + e.Name())
		if err != nil {
			t.Fatal(err)
		}
		var catalogue map[string]string
		if err := json.Unmarshal(data, &catalogue); err != nil {
			t.Fatalf("%s: %v", e.Name(), err)
		}
		var missing []string
		for text := range texts {
			tr, ok := catalogue[text]
			if !ok || tr == "" {
				missing = append(missing, strconv.Quote(text))
				continue
			}
			want, got := placeholder.FindAllString(text, -1), placeholder.FindAllString(tr, -1)
			slices.Sort(want)
			slices.Sort(got)
			if !slices.Equal(want, got) {
				t.Errorf("%s: %q has the placeholders %v, its translation %v", e.Name(), text, got, want)
			}
		}
		slices.Sort(missing)
		if len(missing) > 0 {
			t.Errorf("%s lacks %d texts:\n%s", e.Name(), len(missing), strings.Join(missing, ",\n"))
		}
		for text := range catalogue {
			if !texts[text] {
				t.Errorf("%s translates %q, which the app no longer uses", e.Name(), text)
			}
		}
	}
}
