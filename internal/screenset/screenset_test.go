package screenset

import (
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

// The built-in sets load (a broken one panics at start), each with the
// ids the Web SDK asks for, texts in English and German, and the shared
// stylesheet defaults/default.css.
func TestDefaults(t *testing.T) {
	css, err := defaultsFS.ReadFile("defaults/default.css")
	if err != nil || len(css) == 0 {
		t.Fatalf("defaults/default.css: %v", err)
	}
	d := Defaults()
	for _, id := range []string{"Default-RegistrationLogin", "Default-ProfileUpdate"} {
		s, ok := d[id]
		if !ok || !s.BuiltIn || s.ID != id || !strings.Contains(s.HTML, `id="`+id+`"`) {
			t.Errorf("%s: %+v", id, s)
			continue
		}
		if s.CSS != string(css) {
			t.Errorf("%s: not the shared stylesheet", id)
		}
		for _, lang := range []string{"en", "de"} {
			if len(s.Translations[lang]) == 0 {
				t.Errorf("%s: no %s texts", id, lang)
			}
		}
	}
}

func TestLoadDefaults(t *testing.T) {
	fsys := fstest.MapFS{
		"d/A/screenset.html":          {Data: []byte("<div></div>")},
		"d/A/screenset.css":           {Data: []byte("a{}")},
		"d/A/metadata.json":           {Data: []byte(`{"v": 1}`)},
		"d/A/translations/pt_BR.json": {Data: []byte(`{"K":"v"}`)},
		"d/A/translations/notes.txt":  {Data: []byte("ignored")},
		"d/B/screenset.html":          {Data: []byte("<p></p>")},
		"d/default.css":               {Data: []byte("b{}")},
		"d/README.md":                 {Data: []byte("a file beside the sets is not one")},
	}
	sets, err := loadDefaults(fsys, "d")
	if err != nil {
		t.Fatal(err)
	}
	a, b := sets["A"], sets["B"]
	if len(sets) != 2 || a.CSS != "a{}" || string(a.Metadata) != `{"v":1}` || a.Translations["pt-br"]["K"] != "v" ||
		b.HTML != "<p></p>" || b.CSS != "b{}" || len(b.Translations) != 0 || string(b.Metadata) != "{}" {
		t.Fatalf("sets %+v", sets)
	}
	for name, bad := range map[string]fstest.MapFS{
		"no html":          {"d/A/screenset.css": {Data: []byte("a{}")}},
		"bad translations": {"d/A/screenset.html": {Data: []byte("<p></p>")}, "d/A/translations/en.json": {Data: []byte(`{"K":1}`)}},
		"bad id":           {"d/-A/screenset.html": {Data: []byte("<p></p>")}},
	} {
		if _, err := loadDefaults(bad, "d"); err == nil {
			t.Errorf("%s: loaded", name)
		}
	}
}

func TestParseIDs(t *testing.T) {
	for in, want := range map[string][]string{
		"":                   nil,
		"A,B,":               {"A", "B"},
		" A , A ":            {"A"},
		`["A","B"]`:          {"A", "B"},
		"Default-Login_2.v1": {"Default-Login_2.v1"},
	} {
		got, err := ParseIDs(in)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("ParseIDs(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"a b", `["a",1]`, "-a", strings.Repeat("a", MaxIDLen+1)} {
		if _, err := ParseIDs(in); err == nil {
			t.Errorf("ParseIDs(%q) accepted", in)
		}
	}
}

func TestForLanguage(t *testing.T) {
	s := ScreenSet{Translations: map[string]map[string]string{"default": {"K": "d"}, "pt": {"K": "pt"}, "pt-br": {"K": "br"}, "de": {"K": "de"}}}
	for lang, want := range map[string][]string{
		"":      {"de", "default", "pt", "pt-br"},
		"pt_BR": {"default", "pt", "pt-br"},
		"pt-PT": {"default", "pt"},
		"fr":    {"default"},
	} {
		got := ScreenSet{Translations: s.ForLanguage(lang)}.Languages()
		if !slices.Equal(got, want) {
			t.Errorf("ForLanguage(%q) = %v, want %v", lang, got, want)
		}
	}
}
