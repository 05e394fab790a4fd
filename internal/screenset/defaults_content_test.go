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
// adds, CUSTOS_FIELD_<path>). Both sets share one stylesheet.
func TestDefaultsTranslated(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join("defaults", "*"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no built-in screen-sets: %v", err)
	}
	var css []string
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
		b, err := os.ReadFile(filepath.Join(dir, "screenset.css"))
		if err != nil {
			t.Fatal(err)
		}
		css = append(css, string(b))
	}
	for _, c := range css[1:] {
		if c != css[0] {
			t.Errorf("the built-in sets' stylesheets differ: keep them one (the SDK adopts a stylesheet once)")
		}
	}
	if got := Defaults(); len(got) != len(dirs) {
		t.Errorf("Defaults() has %d sets, the folder %d", len(got), len(dirs))
	}
}
