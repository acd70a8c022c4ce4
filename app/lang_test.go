package app

import (
	"context"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wgtray/wgtray/app/translations"
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
	for text := range trayTexts(t) {
		texts[text] = true
	}
	return texts
}

// trayTexts are the texts the tray agent translates with tr: literals,
// and the constants it names.
func trayTexts(t *testing.T) map[string]bool {
	t.Helper()
	files, err := filepath.Glob("../tray/*.go")
	if err != nil {
		t.Fatal(err)
	}
	consts := map[string]string{}
	var args []ast.Expr
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
			switch n := n.(type) {
			case *ast.ValueSpec:
				for i, id := range n.Names {
					if i < len(n.Values) {
						if lit, ok := n.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
							consts[id.Name], _ = strconv.Unquote(lit.Value)
						}
					}
				}
			case *ast.CallExpr:
				if id, ok := n.Fun.(*ast.Ident); ok && id.Name == "tr" && len(n.Args) > 0 {
					args = append(args, n.Args[0])
				}
			}
			return true
		})
	}
	texts := map[string]bool{}
	for _, a := range args {
		switch a := a.(type) {
		case *ast.BasicLit:
			s, _ := strconv.Unquote(a.Value)
			texts[s] = true
		case *ast.Ident:
			if s, ok := consts[a.Name]; ok {
				texts[s] = true
			} else {
				t.Errorf("%s: tr(%s) with no constant text: a translator cannot find it", fset.Position(a.Pos()), a.Name)
			}
		default:
			t.Errorf("%s: tr with a text that is no literal or constant", fset.Position(a.Pos()))
		}
	}
	if len(texts) < 20 {
		t.Fatalf("found only %d texts of the tray", len(texts))
	}
	return texts
}

var placeholder = regexp.MustCompile(`{{\s*\.\w+\s*}}`)

func TestEveryLanguageTranslatesEveryTextOfTheWindow(t *testing.T) {
	texts := textsToTranslate(t)
	if len(texts) < 50 {
		t.Fatalf("found only %d texts to translate", len(texts))
	}
	cats := translations.Catalogues()
	if len(cats) == 0 {
		t.Fatal("no translations")
	}
	for lang, data := range cats {
		file := lang + ".json"
		var catalogue map[string]string
		if err := json.Unmarshal(data, &catalogue); err != nil {
			t.Fatalf("%s: %v", file, err)
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
				t.Errorf("%s: %q has the placeholders %v, its translation %v", file, text, got, want)
			}
		}
		slices.Sort(missing)
		if len(missing) > 0 {
			t.Errorf("%s lacks %d texts:\n%s", file, len(missing), strings.Join(missing, ",\n"))
		}
		for text := range catalogue {
			if !texts[text] {
				t.Errorf("%s translates %q, which the app no longer uses", file, text)
			}
		}
	}
}

// With the C locale (Debian's default "C.UTF-8" in containers and
// services) the window is in English and nothing is logged about the
// locale: Fyne used to log "Error parsing user locale C" at start. The
// test runs the window in a child process, so that the locale is read
// at start as it is by the real program.
func TestCLocaleFallsBackToEnglishQuietly(t *testing.T) {
	if os.Getenv("WGTRAY_TEST_LOCALE_CHILD") != "" {
		h := newHarness(t, newFakeService())
		h.ready()
		if got := h.app.ui.details.remove.Text; h.app.ui.importButton.Text != "Import…" {
			t.Errorf("the window is not in English: %q %q", h.app.ui.importButton.Text, got)
		}
		return
	}
	for _, locale := range []string{"C", "C.UTF-8", "POSIX", "xx_INVALID.UTF-8@euro"} {
		t.Run(locale, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestCLocaleFallsBackToEnglishQuietly$", "-test.count=1")
			cmd.Env = append(os.Environ(), "WGTRAY_TEST_LOCALE_CHILD=1", "LANG="+locale, "LC_ALL=", "LC_MESSAGES=", "LANGUAGE=")
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			if strings.Contains(strings.ToLower(string(out)), "locale") {
				t.Errorf("LANG=%s logs about the locale:\n%s", locale, out)
			}
		})
	}
}
