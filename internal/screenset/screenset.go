// Package screenset holds a site's screen-sets: the markup, stylesheet,
// optional script hooks, translations and metadata that the Web SDK's
// accounts.showScreenSet renders in a site's page. A site that has stored
// no set of a built-in id (Default-RegistrationLogin, Default-ProfileUpdate)
// is answered the built-in one (package defaults, embedded).
//
// Screen-sets are written through the site's transactional change
// (site.Changes), so a change of several sets is all or nothing; this
// package checks them and reads them back.
package screenset

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/custos-id/custos/internal/jsonlimit"
)

// Limits on a screen-set and on a site's screen-sets.
const (
	MaxIDLen        = 100
	MaxHTML         = 256 << 10
	MaxCSS          = 128 << 10
	MaxJavaScript   = 64 << 10
	MaxTranslations = 256 << 10 // the translations as JSON
	MaxLanguages    = 60
	MaxKeysPerLang  = 2000
	MaxKeyLen       = 200
	MaxTextLen      = 8 << 10 // one translated text
	MaxMetadata     = 16 << 10
	MaxPerSite      = 100
	MaxPerChange    = 20      // screen-sets one change writes
	MaxBytesPerSite = 8 << 20 // a site's stored sets in all (ScreenSetUsage)
	// MaxAnswerBytes bounds what Service.Get answers in one call: a site's
	// sets may hold more than one page should download at once.
	MaxAnswerBytes   = 2 << 20
	DefaultLanguage  = "default"
	maxLanguageLen   = 16
	maxIDListEntries = MaxPerSite
)

// The conditions of this package.
var (
	// ErrInvalid is the condition of every *InvalidError.
	ErrInvalid = errors.New("screenset: invalid")
	// ErrTooMany: the change would leave the site more than MaxPerSite sets.
	ErrTooMany = errors.New("screenset: too many screen-sets for one site")
	// ErrTooLarge: the change would leave the site's sets larger than
	// MaxBytesPerSite in all.
	ErrTooLarge = errors.New("screenset: the site's screen-sets would be too large")
	// ErrAnswerTooLarge: the sets asked for hold more than MaxAnswerBytes.
	ErrAnswerTooLarge = errors.New("screenset: the screen-sets asked for are too large for one answer")
)

// Problem is what is wrong with a value an *InvalidError names.
type Problem int

// The problems.
const (
	// ProblemValue: the value is out of bounds or not allowed.
	ProblemValue Problem = iota
	// ProblemFormat: the value is not of the form the attribute takes.
	ProblemFormat
	// ProblemMissing: the value is required and absent.
	ProblemMissing
)

// InvalidError is a value the domain refuses: Attr names it in the
// domain's words (one of Attributes), which adapters rename into their
// wire names; Reason says why, in words a developer can act on.
type InvalidError struct {
	Attr    string
	Problem Problem
	Reason  string
}

func (e *InvalidError) Error() string { return "screenset: invalid " + e.Attr + ": " + e.Reason }

// Is makes errors.Is(err, ErrInvalid) hold.
func (e *InvalidError) Is(target error) bool { return target == ErrInvalid }

func invalid(p Problem, attr, reason string) error {
	if p == ProblemMissing && reason == "" {
		reason = "missing"
	}
	return &InvalidError{Attr: attr, Problem: p, Reason: reason}
}

// The attributes of InvalidError: a screen-set's fields, a list of ids,
// and a change's screen-sets as a whole.
const (
	AttrID           = "id"
	AttrIDs          = "ids"
	AttrHTML         = "html"
	AttrCSS          = "css"
	AttrJavaScript   = "javascript"
	AttrTranslations = "translations"
	AttrMetadata     = "metadata"
	AttrScreenSets   = "screenSets"
)

// Attributes lists every attribute of InvalidError, for adapters' tests.
func Attributes() []string {
	return []string{AttrID, AttrIDs, AttrHTML, AttrCSS, AttrJavaScript, AttrTranslations, AttrMetadata, AttrScreenSets}
}

// ScreenSet is one screen-set of a site.
type ScreenSet struct {
	ID   string
	HTML string
	CSS  string
	// JavaScript is the site's hooks, an object literal of handlers. It
	// runs only when the site turns screen-set scripts on, and never
	// through eval: it is served as a script of its own.
	JavaScript string
	// Translations are texts by language ("default", "en", "pt-br") and key.
	// They are trusted markup of the site, as in Gigya.
	Translations map[string]map[string]string
	// Metadata is a JSON object, kept as given ({} when none).
	Metadata  json.RawMessage
	UpdatedAt time.Time
	// BuiltIn: the set is custos's default, the site stores none of this id.
	BuiltIn bool
}

// Record is a screen-set as the store keeps it: translations and metadata
// as JSON text.
type Record struct {
	ID           string
	HTML         string
	CSS          string
	JavaScript   string
	Translations string
	Metadata     string
	UpdatedAt    time.Time
}

// Reader reads the screen-sets a site stores.
type Reader interface {
	// ScreenSets returns the site's screen-sets of ids, or all of them when
	// ids is empty, ordered by id; an id the site has none of is left out.
	ScreenSets(ctx context.Context, siteID int64, ids []string) ([]Record, error)
}

// Writer changes the screen-sets of a site, within the transaction of a
// site change.
type Writer interface {
	// PutScreenSet inserts r, or replaces the set of its id.
	PutScreenSet(ctx context.Context, siteID int64, r Record) error
	// DeleteScreenSet removes the set id; deleted is false when there was none.
	DeleteScreenSet(ctx context.Context, siteID int64, id string) (deleted bool, err error)
	// ScreenSetUsage is how many screen-sets the site stores and their
	// size in all: the bytes of their html, css, javascript, translations
	// and metadata.
	ScreenSetUsage(ctx context.Context, siteID int64) (count int, size int64, err error)
}

// NotFoundError is the answer for a screen-set id that is neither stored
// nor built in.
type NotFoundError struct{ ID string }

func (e *NotFoundError) Error() string { return fmt.Sprintf("no screen-set %q", e.ID) }

// Input is a screen-set as a client sends it (accounts.setScreenSet's
// parameters, or one element of setScreenSets' array): translations and
// metadata are JSON text.
type Input struct {
	ID           string          `json:"screenSetID"`
	HTML         string          `json:"html"`
	CSS          string          `json:"css"`
	JavaScript   string          `json:"javascript"`
	Translations json.RawMessage `json:"translations"`
	Metadata     json.RawMessage `json:"metadata"`
}

// Check checks in and returns the screen-set it describes; an
// *InvalidError names the field by its attribute. A set replaces the stored
// one whole: what in leaves out is empty.
func (in Input) Check() (ScreenSet, error) {
	id, err := CheckID(in.ID)
	if err != nil {
		return ScreenSet{}, err
	}
	s := ScreenSet{ID: id, HTML: in.HTML, CSS: in.CSS, JavaScript: in.JavaScript}
	if strings.TrimSpace(s.HTML) == "" {
		return ScreenSet{}, invalid(ProblemMissing, AttrHTML, "")
	}
	for _, f := range []struct {
		name, v string
		max     int
	}{{AttrHTML, s.HTML, MaxHTML}, {AttrCSS, s.CSS, MaxCSS}, {AttrJavaScript, s.JavaScript, MaxJavaScript}} {
		if err := checkText(f.name, f.v, f.max); err != nil {
			return ScreenSet{}, err
		}
	}
	if s.Translations, err = parseTranslations(AttrTranslations, in.Translations); err != nil {
		return ScreenSet{}, err
	}
	if s.Metadata, err = parseMetadata(AttrMetadata, in.Metadata); err != nil {
		return ScreenSet{}, err
	}
	return s, nil
}

// CheckID checks a screen-set id: letters, digits, '-', '_' and '.', at most
// MaxIDLen of them, starting with a letter or digit. Gigya's ids look like
// "Default-RegistrationLogin" and "Acme-ProfileUpdate".
func CheckID(id string) (string, error) { return checkID(AttrID, id) }

func checkID(attr, id string) (string, error) {
	switch {
	case id == "":
		return "", invalid(ProblemMissing, attr, "")
	case len(id) > MaxIDLen:
		return "", invalid(ProblemValue, attr, fmt.Sprintf("longer than %d characters", MaxIDLen))
	case !idChar(id[0]) || id[0] == '-' || id[0] == '_' || id[0] == '.':
		return "", invalid(ProblemValue, attr, "want a letter or digit first")
	}
	for i := range len(id) {
		if !idChar(id[i]) {
			return "", invalid(ProblemValue, attr, "want letters, digits, '-', '_' and '.' only")
		}
	}
	return id, nil
}

func idChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.'
}

// ParseIDs reads a list of ids: a comma list or a JSON array of strings
// (Gigya's screenSetIDs is documented as either). An empty list is nil;
// errors are of AttrIDs.
func ParseIDs(v string) ([]string, error) {
	const attr = AttrIDs
	var raw []string
	if t := strings.TrimSpace(v); strings.HasPrefix(t, "[") {
		if err := jsonlimit.Check([]byte(t)); err != nil {
			return nil, invalid(ProblemFormat, attr, err.Error())
		}
		if err := json.Unmarshal([]byte(t), &raw); err != nil {
			return nil, invalid(ProblemFormat, attr, "want a JSON array of strings or a comma list")
		}
	} else {
		raw = strings.Split(v, ",")
	}
	var out []string
	for _, id := range raw {
		id = strings.TrimSpace(id)
		if id == "" {
			continue // the Web SDK may leave a trailing comma
		}
		id, err := checkID(attr, id)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
		if len(out) > maxIDListEntries {
			return nil, invalid(ProblemValue, attr, fmt.Sprintf("at most %d ids", maxIDListEntries))
		}
	}
	return out, nil
}

// checkText refuses text that is not UTF-8, holds NUL or is too long.
func checkText(attr, v string, limit int) error {
	switch {
	case len(v) > limit:
		return invalid(ProblemValue, attr, fmt.Sprintf("longer than %d KiB", limit>>10))
	case !utf8.ValidString(v):
		return invalid(ProblemValue, attr, "not valid UTF-8 text")
	case strings.IndexByte(v, 0) >= 0:
		return invalid(ProblemValue, attr, "holds a NUL character")
	}
	return nil
}

// NormalizeLanguage lower-cases a language tag and turns '_' into '-', as
// the Web SDK does ("pt_BR" is "pt-br").
func NormalizeLanguage(lang string) string {
	return strings.ToLower(strings.ReplaceAll(strings.TrimSpace(lang), "_", "-"))
}

func validLanguage(lang string) bool {
	if lang == DefaultLanguage {
		return true
	}
	if lang == "" || len(lang) > maxLanguageLen {
		return false
	}
	for i, part := range strings.Split(lang, "-") {
		if part == "" || len(part) > 8 || i == 0 && (len(part) < 2 || len(part) > 3) {
			return false
		}
		for _, c := range part {
			if !(c >= 'a' && c <= 'z' || i > 0 && c >= '0' && c <= '9') {
				return false
			}
		}
	}
	return true
}

func validKey(k string) bool {
	if k == "" || len(k) > MaxKeyLen {
		return false
	}
	for i := range len(k) {
		if !idChar(k[i]) {
			return false
		}
	}
	return true
}

// parseTranslations reads {lang: {KEY: text}}; absent or null is none.
func parseTranslations(attr string, raw json.RawMessage) (map[string]map[string]string, error) {
	out := map[string]map[string]string{}
	if t := bytes.TrimSpace(raw); len(t) == 0 || string(t) == "null" {
		return out, nil
	}
	if len(raw) > MaxTranslations {
		return nil, invalid(ProblemValue, attr, fmt.Sprintf("larger than %d KiB", MaxTranslations>>10))
	}
	if err := checkJSON(attr, raw); err != nil {
		return nil, err
	}
	var in map[string]map[string]string
	if err := json.Unmarshal(raw, &in); err != nil {
		return nil, invalid(ProblemFormat, attr, `want {"<language>": {"<KEY>": "<text>"}}`)
	}
	if len(in) > MaxLanguages {
		return nil, invalid(ProblemValue, attr, fmt.Sprintf("at most %d languages", MaxLanguages))
	}
	for lang, texts := range in {
		norm := NormalizeLanguage(lang)
		if !validLanguage(norm) {
			return nil, invalid(ProblemValue, attr, fmt.Sprintf("%.20q is not a language (want \"default\", \"en\", \"pt-br\" …)", lang))
		}
		if _, dup := out[norm]; dup {
			return nil, invalid(ProblemValue, attr, fmt.Sprintf("language %q is given twice", norm))
		}
		if len(texts) > MaxKeysPerLang {
			return nil, invalid(ProblemValue, attr, fmt.Sprintf("%s: at most %d keys", norm, MaxKeysPerLang))
		}
		m := make(map[string]string, len(texts))
		for k, v := range texts {
			if !validKey(k) {
				return nil, invalid(ProblemValue, attr, fmt.Sprintf("%s: %.40q is not a key (letters, digits, '-', '_', '.')", norm, k))
			}
			if err := checkText(attr, v, MaxTextLen); err != nil {
				return nil, invalid(ProblemValue, attr, fmt.Sprintf("%s.%s: longer than %d KiB, or not text", norm, k, MaxTextLen>>10))
			}
			m[k] = v
		}
		out[norm] = m
	}
	return out, nil
}

// parseMetadata reads a JSON object; absent or null is {}.
func parseMetadata(attr string, raw json.RawMessage) (json.RawMessage, error) {
	if t := bytes.TrimSpace(raw); string(t) == "null" {
		return json.RawMessage("{}"), nil
	}
	obj, err := jsonlimit.Object(raw, MaxMetadata)
	if e, ok := jsonlimit.AsError(err); ok {
		if e.TooLarge {
			return nil, invalid(ProblemValue, attr, e.Reason)
		}
		return nil, invalid(ProblemFormat, attr, e.Reason)
	}
	return json.RawMessage(obj), err
}

// checkJSON applies the limits of every client JSON value.
func checkJSON(attr string, raw []byte) error {
	err := jsonlimit.Check(raw)
	if err == nil {
		return nil
	}
	if e, ok := jsonlimit.AsError(err); ok && e.TooLarge {
		return invalid(ProblemValue, attr, e.Reason)
	}
	return invalid(ProblemFormat, attr, err.Error())
}

// Record is s as the store keeps it, updated at at.
func (s ScreenSet) Record(at time.Time) Record {
	tr, _ := json.Marshal(s.Translations) // maps of strings always marshal
	md := s.Metadata
	if len(md) == 0 {
		md = json.RawMessage("{}")
	}
	return Record{ID: s.ID, HTML: s.HTML, CSS: s.CSS, JavaScript: s.JavaScript, Translations: string(tr),
		Metadata: string(md), UpdatedAt: at}
}

// open reads a stored record.
func open(r Record) (ScreenSet, error) {
	s := ScreenSet{ID: r.ID, HTML: r.HTML, CSS: r.CSS, JavaScript: r.JavaScript, Metadata: json.RawMessage(r.Metadata),
		UpdatedAt: r.UpdatedAt, Translations: map[string]map[string]string{}}
	if r.Translations != "" {
		if err := json.Unmarshal([]byte(r.Translations), &s.Translations); err != nil {
			return ScreenSet{}, fmt.Errorf("screen-set %q translations: %w", r.ID, err)
		}
	}
	if len(s.Metadata) == 0 {
		s.Metadata = json.RawMessage("{}")
	}
	return s, nil
}

// ForLanguage returns the translations of lang: those of "default", the
// language's base ("pt" of "pt-br") and the language itself, where the set
// has them. An empty lang keeps them all.
func (s ScreenSet) ForLanguage(lang string) map[string]map[string]string {
	lang = NormalizeLanguage(lang)
	if lang == "" {
		return s.Translations
	}
	out := map[string]map[string]string{}
	base, _, _ := strings.Cut(lang, "-")
	for _, l := range []string{DefaultLanguage, base, lang} {
		if t, ok := s.Translations[l]; ok {
			out[l] = t
		}
	}
	return out
}

// Languages are the languages the set has texts in, ordered.
func (s ScreenSet) Languages() []string { return slices.Sorted(maps.Keys(s.Translations)) }

// Service reads a site's screen-sets, with the built-in defaults.
type Service struct {
	store    Reader
	defaults map[string]ScreenSet
}

// NewService returns a Service over store with the built-in defaults.
func NewService(store Reader) *Service {
	return &Service{store: store, defaults: Defaults()}
}

// Get returns the screen-sets ids of site siteID, in the order of ids: the
// stored one, else the built-in one; *NotFoundError for an id that is
// neither. Without ids, every stored set and every built-in one the site
// has not replaced, ordered by id. ErrAnswerTooLarge when the stored sets
// it would answer hold more than MaxAnswerBytes.
func (s *Service) Get(ctx context.Context, siteID int64, ids []string) ([]ScreenSet, error) {
	recs, err := s.store.ScreenSets(ctx, siteID, ids)
	if err != nil {
		return nil, err
	}
	stored := map[string]ScreenSet{}
	var size int
	for _, r := range recs {
		if size += len(r.HTML) + len(r.CSS) + len(r.JavaScript) + len(r.Translations) + len(r.Metadata); size > MaxAnswerBytes {
			return nil, ErrAnswerTooLarge
		}
		set, err := open(r)
		if err != nil {
			return nil, err
		}
		stored[r.ID] = set
	}
	if len(ids) == 0 {
		for id, d := range s.defaults {
			if _, ok := stored[id]; !ok {
				stored[id] = d
			}
		}
		ids = slices.Sorted(maps.Keys(stored))
	}
	out := make([]ScreenSet, 0, len(ids))
	for _, id := range ids {
		set, ok := stored[id]
		if !ok {
			if set, ok = s.defaults[id]; !ok {
				return nil, &NotFoundError{ID: id}
			}
		}
		out = append(out, set)
	}
	return out, nil
}

// IsBuiltIn tells whether id names a built-in default.
func (s *Service) IsBuiltIn(id string) bool { _, ok := s.defaults[id]; return ok }

// Apply writes puts and deletes the ids of del through w, for site siteID,
// at at: the part of a site change that concerns screen-sets (the caller
// runs it in the change's transaction). A deleted id the site does not
// store is a *NotFoundError.
func Apply(ctx context.Context, w Writer, siteID int64, puts []ScreenSet, del []string, at time.Time) error {
	for _, id := range del {
		ok, err := w.DeleteScreenSet(ctx, siteID, id)
		if err != nil {
			return err
		}
		if !ok {
			return &NotFoundError{ID: id}
		}
	}
	for _, s := range puts {
		if err := w.PutScreenSet(ctx, siteID, s.Record(at)); err != nil {
			return err
		}
	}
	if len(puts) == 0 {
		return nil
	}
	// Counted after the writes, in the change's transaction (the site's
	// row is locked): two changes cannot both pass the limits.
	n, size, err := w.ScreenSetUsage(ctx, siteID)
	switch {
	case err != nil:
		return err
	case n > MaxPerSite:
		return ErrTooMany
	case size > MaxBytesPerSite:
		return ErrTooLarge
	}
	return nil
}
