package account

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/custos-id/custos/internal/jsonlimit"
	"github.com/custos-id/custos/internal/password"
)

// The import document is the JSON object of accounts.importFullAccount,
// which custos export writes and custos import reads, one per line. Its
// property names match case-insensitively (Gigya's own examples mix
// "UID", "Uid" and "HashSettings"); properties custos does not import are
// skipped and listed. A value may be JSON or, as form parameters carry it,
// a string holding JSON.

// TimeLayout is how an import document writes times: ISO 8601 UTC with
// milliseconds. Reading accepts any RFC 3339 time in UTC.
const TimeLayout = "2006-01-02T15:04:05.000Z"

// doc reads the properties of one object of an import document.
type doc struct {
	path    string
	m       map[string]any
	used    map[string]bool
	unknown *[]string
}

func newDoc(path string, m map[string]any, unknown *[]string) *doc {
	return &doc{path: path, m: m, used: map[string]bool{}, unknown: unknown}
}

// get returns the value of the property named name in any case.
func (d *doc) get(names ...string) (any, bool) {
	for k, v := range d.m {
		for _, n := range names {
			if strings.EqualFold(k, n) {
				d.used[k] = true
				if v == nil {
					return nil, false
				}
				return v, true
			}
		}
	}
	return nil, false
}

func (d *doc) name(n string) string {
	if d.path == "" {
		return n
	}
	return d.path + "." + n
}

// done lists the properties nobody read.
func (d *doc) done() {
	for k := range d.m {
		if !d.used[k] {
			*d.unknown = append(*d.unknown, d.name(k))
		}
	}
}

func badValue(name, why string) error { return fail(ErrBadValue, AttrBase, name, why) }

func (d *doc) str(n string) (string, error) {
	v, ok := d.get(n)
	if !ok {
		return "", nil
	}
	switch v := v.(type) {
	case string:
		return v, nil
	case json.Number:
		return v.String(), nil
	}
	return "", badValue(d.name(n), "want a string")
}

func (d *doc) boolean(n string) (*bool, error) {
	v, ok := d.get(n)
	if !ok {
		return nil, nil
	}
	switch v := v.(type) {
	case bool:
		return &v, nil
	case string:
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "true", "1":
			t := true
			return &t, nil
		case "false", "0":
			f := false
			return &f, nil
		}
	}
	return nil, badValue(d.name(n), "want true or false")
}

func (d *doc) integer(n string) (int, error) {
	v, ok := d.get(n)
	if !ok {
		return 0, nil
	}
	var s string
	switch v := v.(type) {
	case json.Number:
		s = v.String()
	case string:
		s = strings.TrimSpace(v)
	}
	i, err := strconv.Atoi(s)
	if err != nil || i < 0 {
		return 0, badValue(d.name(n), "want a whole number, 0 or more")
	}
	return i, nil
}

func (d *doc) time(n string) (time.Time, error) {
	s, err := d.str(n)
	if err != nil || s == "" {
		return time.Time{}, err
	}
	t, perr := time.Parse(time.RFC3339Nano, strings.TrimSpace(s))
	if _, off := t.Zone(); perr != nil || off != 0 {
		return time.Time{}, badValue(d.name(n), fmt.Sprintf("%.40q is not an ISO 8601 time in UTC (2006-01-02T15:04:05.000Z)", s))
	}
	return t.UTC(), nil
}

// object returns the object property n: a JSON object, or a string
// holding one (a form parameter).
func (d *doc) object(n string) (map[string]any, error) {
	v, ok := d.get(n)
	if !ok {
		return nil, nil
	}
	switch v := v.(type) {
	case map[string]any:
		return v, nil
	case string:
		if strings.TrimSpace(v) == "" || strings.TrimSpace(v) == "null" {
			return nil, nil
		}
		var m map[string]any
		if err := jsonlimit.Check([]byte(v)); err != nil {
			return nil, badValue(d.name(n), err.Error())
		}
		dec := json.NewDecoder(strings.NewReader(v))
		dec.UseNumber()
		if err := dec.Decode(&m); err != nil || m == nil || dec.More() {
			return nil, badValue(d.name(n), "not a JSON object")
		}
		return m, nil
	}
	return nil, badValue(d.name(n), "want a JSON object")
}

// list returns the string list n: a JSON array, or a string holding one.
func (d *doc) list(n string) ([]string, error) {
	v, ok := d.get(n)
	if !ok {
		return nil, nil
	}
	if s, isStr := v.(string); isStr {
		if err := json.Unmarshal([]byte(s), &v); err != nil {
			return nil, badValue(d.name(n), "want an array of strings")
		}
	}
	arr, isArr := v.([]any)
	if !isArr {
		return nil, badValue(d.name(n), "want an array of strings")
	}
	out := make([]string, 0, len(arr))
	for _, e := range arr {
		s, ok := e.(string)
		if !ok {
			return nil, badValue(d.name(n), "want an array of strings")
		}
		out = append(out, s)
	}
	return out, nil
}

// ParseImport reads an import document. unknown lists the properties it
// skipped, sorted, as "password.hashSettings.pepper".
func ParseImport(m map[string]any) (in ImportInput, unknown []string, err error) {
	unknown = []string{}
	d := newDoc("", m, &unknown)
	err = d.parse(&in)
	d.done()
	slices.Sort(unknown)
	return in, unknown, err
}

func (d *doc) parse(in *ImportInput) error {
	var err error
	if in.UID, err = d.str("UID"); err != nil {
		return err
	}
	create, err := d.boolean("createUID")
	if err != nil {
		return err
	}
	in.CreateUID = create != nil && *create
	pol, err := d.str("importPolicy")
	if err != nil {
		return err
	}
	if in.Policy, err = ParseImportPolicy(pol); err != nil {
		return err
	}
	for _, t := range []struct {
		name string
		dst  *time.Time
	}{{"created", &in.Created}, {"lastLogin", &in.LastLogin}, {"lastUpdated", &in.LastUpdated},
		{"registered", &in.RegisteredAt}, {"verified", &in.VerifiedAt}} {
		if *t.dst, err = d.time(t.name); err != nil {
			return err
		}
	}
	for _, b := range []struct {
		name string
		dst  **bool
	}{{"isActive", &in.Active}, {"isRegistered", &in.Registered}, {"isVerified", &in.Verified}} {
		if *b.dst, err = d.boolean(b.name); err != nil {
			return err
		}
	}
	for _, o := range []struct {
		name string
		dst  *map[string]any
	}{{"profile", &in.Objects.Profile}, {"data", &in.Objects.Data}, {"preferences", &in.Objects.Preferences},
		{"subscriptions", &in.Objects.Subscriptions}} {
		if *o.dst, err = d.object(o.name); err != nil {
			return err
		}
	}
	if err := d.emails(in); err != nil {
		return err
	}
	if err := d.loginIDs(in); err != nil {
		return err
	}
	return d.password(in)
}

func (d *doc) emails(in *ImportInput) error {
	m, err := d.object("emails")
	if m == nil || err != nil {
		return err
	}
	e := newDoc(d.name("emails"), m, d.unknown)
	defer e.done()
	in.Emails = &ImportEmails{}
	if in.Emails.Verified, err = e.list("verified"); err != nil {
		return err
	}
	in.Emails.Unverified, err = e.list("unverified")
	return err
}

func (d *doc) loginIDs(in *ImportInput) error {
	m, err := d.object("loginIDs")
	if m == nil || err != nil {
		return err
	}
	l := newDoc(d.name("loginIDs"), m, d.unknown)
	defer l.done()
	in.LoginIDs = &ImportLoginIDs{}
	if in.LoginIDs.Username, err = l.str("username"); err != nil {
		return err
	}
	if in.LoginIDs.Emails, err = l.list("emails"); err != nil {
		return err
	}
	in.LoginIDs.UnverifiedEmails, err = l.list("unverifiedEmails")
	return err
}

func (d *doc) password(in *ImportInput) error {
	m, err := d.object("password")
	if m == nil || err != nil {
		return err
	}
	p := newDoc(d.name("password"), m, d.unknown)
	defer p.done()
	var imp password.Imported
	if imp.Compound, err = p.str("compoundHashedPassword"); err != nil {
		return err
	}
	if imp.Hash, err = p.str("hashedPassword"); err != nil {
		return err
	}
	hs, err := p.object("hashSettings")
	if err != nil {
		return err
	}
	if hs != nil {
		if err := parseHashSettings(newDoc(p.name("hashSettings"), hs, d.unknown), &imp); err != nil {
			return err
		}
	}
	switch {
	case imp.Compound != "" && (imp.Hash != "" || imp.Algorithm != ""):
		return badValue(p.name("compoundHashedPassword"), "give it alone, without hashedPassword or hashSettings.algorithm")
	case imp.Compound == "" && imp.Hash == "":
		return badValue(d.name("password"), "give compoundHashedPassword, or hashedPassword with hashSettings")
	case imp.Hash != "" && imp.Algorithm == "":
		return badValue(p.name("hashSettings.algorithm"), "hashedPassword needs its algorithm")
	}
	in.Password = &imp
	return nil
}

func parseHashSettings(h *doc, imp *password.Imported) error {
	defer h.done()
	var err error
	if imp.Algorithm, err = h.str("algorithm"); err != nil {
		return err
	}
	if imp.Algorithm == "" { // Gigya's own examples write hashAlgorithm
		if imp.Algorithm, err = h.str("hashAlgorithm"); err != nil {
			return err
		}
	}
	imp.Algorithm = strings.ToLower(strings.TrimSpace(imp.Algorithm))
	if imp.Salt, err = h.str("salt"); err != nil {
		return err
	}
	if imp.Rounds, err = h.integer("rounds"); err != nil {
		return err
	}
	if imp.Format, err = h.str("format"); err != nil {
		return err
	}
	if imp.BinaryFormat, err = h.str("binaryFormat"); err != nil {
		return err
	}
	imp.URL, err = h.str("URL")
	return err
}

// ExportDocument is the import document of an account: importing it into
// another site makes the same account, with the same UID, login IDs,
// timestamps, objects and password hash.
func ExportDocument(e ExportedAccount) map[string]any {
	a := e.Account
	doc := map[string]any{
		"UID": a.UID, "importPolicy": string(ImportUpsert),
		"isActive": a.Active, "isRegistered": a.Registered, "isVerified": a.EmailVerified,
		"profile": orEmptyMap(a.Profile), "data": orEmptyMap(a.Data),
		"preferences": orEmptyMap(a.Preferences), "subscriptions": orEmptyMap(a.Subscriptions),
	}
	for name, t := range map[string]time.Time{"created": a.CreatedAt, "lastLogin": a.LastLoginAt,
		"lastUpdated": a.UpdatedAt, "registered": a.RegisteredAt, "verified": a.VerifiedAt} {
		if !t.IsZero() {
			doc[name] = t.UTC().Format(TimeLayout)
		}
	}
	ids := map[string]any{"emails": []string{}, "unverifiedEmails": []string{}}
	emails := map[string]any{"verified": []string{}, "unverified": []string{}}
	for _, id := range e.LoginIDs {
		switch {
		case id.Kind == Username:
			ids["username"] = id.Display
		case id.VerifiedAt.IsZero():
			ids["unverifiedEmails"] = append(ids["unverifiedEmails"].([]string), id.Display)
		default:
			ids["emails"] = append(ids["emails"].([]string), id.Display)
		}
	}
	if a.Email != "" {
		k := "unverified"
		if a.EmailVerified {
			k = "verified"
		}
		emails[k] = []string{a.Email}
	}
	doc["loginIDs"], doc["emails"] = ids, emails
	if a.PasswordHash != "" {
		doc["password"] = map[string]any{"compoundHashedPassword": a.PasswordHash}
	}
	return doc
}

func orEmptyMap(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}
