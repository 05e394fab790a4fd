package screenset

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// translationKey finds the translation keys of a screen-set's markup.
var translationKey = regexp.MustCompile(`data-translation-key(?:-[a-z-]+)?="([^"]+)"`)

// The built-in sets are translated completely: every key their markup uses
// has a text in every language they ship, and no language has keys the
// markup does not use (but the labels of the fields custos-missing-fields
// adds, CUSTOS_FIELD_<path>).
func TestDefaultsTranslated(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join("defaults", "*", "screenset.html"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no built-in screen-sets: %v", err)
	}
	for i := range dirs {
		dirs[i] = filepath.Dir(dirs[i])
	}
	for _, dir := range dirs {
		html, err := os.ReadFile(filepath.Join(dir, "screenset.html"))
		if err != nil {
			t.Fatal(err)
		}
		used := map[string]bool{}
		for _, m := range translationKey.FindAllStringSubmatch(string(html), -1) {
			used[m[1]] = true
		}
		files, _ := filepath.Glob(filepath.Join(dir, "translations", "*.json"))
		langs := []string{}
		for _, f := range files {
			langs = append(langs, strings.TrimSuffix(filepath.Base(f), ".json"))
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var texts map[string]string
			if err := json.Unmarshal(b, &texts); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			for k := range used {
				if strings.TrimSpace(texts[k]) == "" {
					t.Errorf("%s: no text for %s", f, k)
				}
			}
			for k := range texts {
				if !used[k] && !strings.HasPrefix(k, "CUSTOS_FIELD_") {
					t.Errorf("%s: %s is not used by the markup", f, k)
				}
			}
		}
		slices.Sort(langs)
		if !slices.Equal(langs, []string{"de", "en"}) {
			t.Errorf("%s: languages %v, want de and en", dir, langs)
		}
	}
	if got := Defaults(); len(got) != len(dirs) {
		t.Errorf("Defaults() has %d sets, the folder %d", len(got), len(dirs))
	}
}

// The built-in sets look like custos's hosted pages and take the same
// theme: their stylesheet (and the SDK's dialog) set no custom property and
// read each with a fallback, the hosted pages' value for the properties the
// pages have. A theme on :root then restyles pages and screen-sets alike.
func TestDefaultsThemeLikePages(t *testing.T) {
	pagesCSS, err := os.ReadFile(filepath.Join("..", "oidcop", "pages.css"))
	if err != nil {
		t.Fatal(err)
	}
	root := regexp.MustCompile(`(?s):root\s*\{(.*?)\}`).FindSubmatch(pagesCSS)
	if root == nil {
		t.Fatal("pages.css: no :root block")
	}
	pages := map[string]string{}
	for _, m := range regexp.MustCompile(`(--custos-[a-z-]+)\s*:\s*([^;]+);`).FindAllStringSubmatch(string(root[1]), -1) {
		pages[m[1]] = strings.TrimSpace(m[2])
	}
	if pages["--custos-accent"] == "" {
		t.Fatalf("pages.css declares no --custos-accent: %v", pages)
	}
	sdk, err := os.ReadFile(filepath.Join("..", "websdk", "js", "screenset.js"))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{"screenset.js": string(sdk)}
	sheets, _ := filepath.Glob(filepath.Join("defaults", "*", "screenset.css"))
	for _, f := range append(sheets, filepath.Join("defaults", "default.css")) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		files[f] = string(b)
	}
	declared := regexp.MustCompile(`--custos-[a-z-]+\s*:`)
	for name, text := range files {
		if name != "screenset.js" {
			if d := declared.FindString(text); d != "" {
				t.Errorf("%s declares %s: set no custom property, read it with a fallback", name, d)
			}
		}
		uses := cssVars(text)
		if len(uses) == 0 {
			t.Errorf("%s reads no custom property", name)
		}
		for _, u := range uses {
			switch want, ok := pages[u.name]; {
			case u.fallback == "":
				t.Errorf("%s: var(%s) has no fallback", name, u.name)
			case ok && u.fallback != want:
				t.Errorf("%s: var(%s, %s), want the hosted pages' %s", name, u.name, u.fallback, want)
			}
		}
	}
}

type cssVar struct{ name, fallback string }

// cssVars finds every var(--custos-…[, fallback]) of text, also those
// inside a fallback.
func cssVars(text string) []cssVar {
	var out []cssVar
	for i := strings.Index(text, "var(--custos-"); i >= 0; {
		start := i + len("var(")
		depth, end := 1, start
		for ; end < len(text) && depth > 0; end++ {
			switch text[end] {
			case '(':
				depth++
			case ')':
				depth--
			}
		}
		inner := text[start : end-1]
		v := cssVar{name: strings.TrimSpace(inner)}
		if name, fallback, ok := strings.Cut(inner, ","); ok {
			v = cssVar{strings.TrimSpace(name), strings.TrimSpace(fallback)}
		}
		out = append(out, v)
		next := strings.Index(text[start:], "var(--custos-")
		if next < 0 {
			break
		}
		i = start + next
	}
	return out
}
