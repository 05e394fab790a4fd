package screenset

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"
)

// defaultsFS holds the built-in screen-sets, one folder per id:
// screenset.html, screenset.css (optional), translations/<lang>.json (a JSON
// object of KEY to text per language), metadata.json (optional object).
// default.css beside the folders is the stylesheet of every set that has
// no screenset.css of its own (one stylesheet, which the SDK adopts once).
//
//go:embed all:defaults
var defaultsFS embed.FS

// Defaults returns the built-in screen-sets by id. They are checked as a
// site's are (a test loads them); one that does not load panics, as it is
// a fault of the build.
func Defaults() map[string]ScreenSet {
	sets, err := loadDefaults(defaultsFS, "defaults")
	if err != nil {
		panic(err)
	}
	return sets
}

// loadDefaults reads the screen-sets under dir of fsys, and dir's
// default.css (optional) as the stylesheet of those without their own.
func loadDefaults(fsys fs.FS, dir string) (map[string]ScreenSet, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	shared, err := fs.ReadFile(fsys, path.Join(dir, "default.css"))
	if err != nil && !isNotExist(err) {
		return nil, err
	}
	out := map[string]ScreenSet{}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		set, err := loadDefault(fsys, path.Join(dir, e.Name()), e.Name(), string(shared))
		if err != nil {
			return nil, fmt.Errorf("built-in screen-set %s: %w", e.Name(), err)
		}
		set.BuiltIn = true
		out[set.ID] = set
	}
	return out, nil
}

func loadDefault(fsys fs.FS, dir, id, sharedCSS string) (ScreenSet, error) {
	in := Input{ID: id, CSS: sharedCSS}
	html, err := fs.ReadFile(fsys, path.Join(dir, "screenset.html"))
	if err != nil {
		return ScreenSet{}, err
	}
	in.HTML = string(html)
	if css, err := fs.ReadFile(fsys, path.Join(dir, "screenset.css")); err == nil {
		in.CSS = string(css)
	} else if !isNotExist(err) {
		return ScreenSet{}, err
	}
	if md, err := fs.ReadFile(fsys, path.Join(dir, "metadata.json")); err == nil {
		in.Metadata = md
	} else if !isNotExist(err) {
		return ScreenSet{}, err
	}
	translations := map[string]json.RawMessage{}
	files, err := fs.ReadDir(fsys, path.Join(dir, "translations"))
	if err != nil && !isNotExist(err) {
		return ScreenSet{}, err
	}
	for _, f := range files {
		lang, ok := strings.CutSuffix(f.Name(), ".json")
		if f.IsDir() || !ok {
			continue
		}
		b, err := fs.ReadFile(fsys, path.Join(dir, "translations", f.Name()))
		if err != nil {
			return ScreenSet{}, err
		}
		translations[lang] = b
	}
	if len(translations) > 0 {
		if in.Translations, err = json.Marshal(translations); err != nil {
			return ScreenSet{}, fmt.Errorf("translations: %w", err)
		}
	}
	set, err := in.Check()
	if err != nil {
		return ScreenSet{}, err
	}
	return set, nil
}

func isNotExist(err error) bool { return err != nil && errors.Is(err, fs.ErrNotExist) }
