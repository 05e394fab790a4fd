package doctest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Check compares what an example printed on stdout with the outputs its
// document shows for it:
//
//   - json: the last JSON value printed (after any HTTP head that curl -i
//     printed);
//   - http: the last HTTP response head printed: its status line (the HTTP
//     version aside) and the headers shown; other headers may follow. A body
//     after a blank line is compared as a json output;
//   - text: everything printed, … standing for any text; white space at the
//     ends of lines does not count.
//
// Values that change from run to run compare by their shape: times, 32-hex
// ids (callId, UID, kid), tokens (st1_…), API keys (3_…), userKeys (AK…),
// secrets (the base64 of 32 bytes), and the values of the members named in
// volatileKeys. Every other JSON value printed, and
// every other response head, must not be an error: no errorCode but 0, no
// REST "error" member, no HTTP status of 400 or more. So an example whose
// document shows no output must succeed.
func Check(outputs []Output, stdout string) error {
	pieces := split(stdout)
	var errs []error
	shownJSON, shownHead := -1, -1
	for _, o := range outputs {
		var err error
		switch o.Lang {
		case "json":
			shownJSON, err = checkJSON(o.Text, pieces)
		case "http":
			var body string
			shownHead, body, err = checkHead(o.Text, pieces)
			if err == nil && strings.TrimSpace(body) != "" {
				shownJSON, err = checkJSON(body, pieces)
			}
		case "text":
			err = checkText(o.Text, stdout)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("output at line %d: %w", o.Line, err))
		}
	}
	for i, p := range pieces {
		// The body of a head shown is shown too, as far as the document cares.
		if i == shownJSON || i == shownHead || (shownHead >= 0 && i == shownHead+1) {
			continue
		}
		if err := p.failure(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// piece is one thing an example printed: an HTTP head, a JSON value, or
// other text.
type piece struct {
	head  *head
	value any
	json  bool
	text  string
}

type head struct {
	status string // "400 Bad Request"
	header map[string][]string
}

func (p piece) failure() error {
	if p.head != nil {
		if code, _ := strconv.Atoi(strings.Fields(p.head.status + " 0")[0]); code >= 400 {
			return fmt.Errorf("an earlier response is an error: HTTP %s", p.head.status)
		}
		return nil
	}
	if !p.json {
		return nil
	}
	if o, ok := p.value.(map[string]any); ok {
		if code, ok := o["errorCode"]; ok && fmt.Sprint(code) != "0" {
			return fmt.Errorf("a response that is not shown is an error: %s", compact(p.value))
		}
		if _, ok := o["error"]; ok {
			return fmt.Errorf("a response that is not shown is an error: %s", compact(p.value))
		}
	}
	return nil
}

// split cuts stdout into HTTP heads, JSON values and lines of other text.
// curl prints bodies without a final newline, so a value may run straight
// into the next head or value.
func split(s string) []piece {
	var out []piece
	for {
		s = strings.TrimLeft(s, " \t\r\n")
		if s == "" {
			return out
		}
		if strings.HasPrefix(s, "HTTP/") {
			h, rest := readHead(s)
			out = append(out, piece{head: h})
			s = rest
			continue
		}
		dec := json.NewDecoder(strings.NewReader(s))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err == nil {
			out = append(out, piece{value: v, json: true})
			s = s[dec.InputOffset():]
			continue
		}
		line, rest, _ := strings.Cut(s, "\n")
		out = append(out, piece{text: line})
		s = rest
	}
}

// readHead reads a status line and headers up to a blank line.
func readHead(s string) (*head, string) {
	h := &head{header: map[string][]string{}}
	first := true
	for s != "" {
		line, rest, _ := strings.Cut(s, "\n")
		s = rest
		line = strings.TrimRight(line, "\r")
		if line == "" {
			break
		}
		if first {
			_, h.status, _ = strings.Cut(line, " ")
			first = false
			continue
		}
		if name, value, ok := strings.Cut(line, ":"); ok {
			k := strings.ToLower(strings.TrimSpace(name))
			h.header[k] = append(h.header[k], strings.TrimSpace(value))
		}
	}
	return h, s
}

// checkJSON compares the last JSON value printed with the expected text and
// returns its index.
func checkJSON(text string, pieces []piece) (int, error) {
	want, err := parseExpected(text)
	if err != nil {
		return -1, err
	}
	i := len(pieces) - 1
	for ; i >= 0 && !pieces[i].json; i-- {
	}
	if i < 0 {
		return -1, errors.New("nothing printed is JSON")
	}
	if err := match(want, pieces[i].value, "", "$"); err != nil {
		return i, fmt.Errorf("%w\n  printed: %s", err, compact(pieces[i].value))
	}
	return i, nil
}

// checkHead compares the last response head printed with the status line and
// headers of an http output, and returns the head's index and the body shown.
func checkHead(text string, pieces []piece) (int, string, error) {
	want, body := readHead(strings.TrimLeft(text, "\n"))
	i := len(pieces) - 1
	for ; i >= 0 && pieces[i].head == nil; i-- {
	}
	if i < 0 {
		return -1, body, errors.New("no HTTP response head printed (curl -i prints it)")
	}
	got := pieces[i].head
	var errs []error
	if normalize(got.status) != normalize(want.status) {
		errs = append(errs, fmt.Errorf("status %q, shown %q", got.status, want.status))
	}
	for _, name := range slices.Sorted(maps.Keys(want.header)) {
		for _, v := range want.header[name] {
			if !slices.ContainsFunc(got.header[name], func(g string) bool { return matchString(v, g) }) {
				errs = append(errs, fmt.Errorf("header %s: %q, shown %q", name, got.header[name], v))
			}
		}
	}
	return i, body, errors.Join(errs...)
}

func checkText(want, got string) error {
	if !matchString(trimLines(want), trimLines(got)) {
		return fmt.Errorf("printed:\n%s", got)
	}
	return nil
}

// trimLines drops the white space at the ends of the text and of its lines.
func trimLines(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t\r")
	}
	return strings.Join(lines, "\n")
}

// volatileKeys name members whose values differ from run to run and have no
// shape of their own: only their JSON type is compared. So does every member
// whose name ends in "Timestamp".
var volatileKeys = map[string]bool{
	"UIDSignature":       true,
	"signatureTimestamp": true,
	"sessionSecret":      true,
	"id_token":           true,
	"secret":             true,
	"n":                  true, // a JWK's modulus
}

func volatile(key string) bool { return volatileKeys[key] || strings.HasSuffix(key, "Timestamp") }

// match compares an expected value (of parseExpected) with a printed one.
func match(want, got any, key, path string) error {
	if _, ok := want.(anyValue); ok {
		return nil
	}
	if volatile(key) && sameType(want, got) {
		return nil
	}
	switch w := want.(type) {
	case object:
		g, ok := got.(map[string]any)
		if !ok {
			return mismatch(path, want, got)
		}
		var errs []error
		for _, k := range slices.Sorted(maps.Keys(w.members)) {
			gv, ok := g[k]
			if !ok {
				errs = append(errs, fmt.Errorf("%s: no member %q", path, k))
				continue
			}
			errs = append(errs, match(w.members[k], gv, k, path+"."+k))
		}
		if !w.open {
			for _, k := range slices.Sorted(maps.Keys(g)) {
				if _, ok := w.members[k]; !ok {
					errs = append(errs, fmt.Errorf("%s: member %q is not shown (end the object with … to allow others)", path, k))
				}
			}
		}
		return errors.Join(errs...)
	case array:
		g, ok := got.([]any)
		if !ok || len(g) < len(w.elems) || (!w.open && len(g) != len(w.elems)) {
			return mismatch(path, want, got)
		}
		var errs []error
		for i, wv := range w.elems {
			errs = append(errs, match(wv, g[i], "", fmt.Sprintf("%s[%d]", path, i)))
		}
		return errors.Join(errs...)
	case string:
		if g, ok := got.(string); ok && matchString(w, g) {
			return nil
		}
	case json.Number:
		if g, ok := got.(json.Number); ok && sameNumber(w, g) {
			return nil
		}
	default: // bool, nil
		if want == got {
			return nil
		}
	}
	return mismatch(path, want, got)
}

func mismatch(path string, want, got any) error {
	return fmt.Errorf("%s: printed %s, shown %s", path, compact(got), compact(show(want)))
}

// show turns an expected value back into plain values to print it.
func show(v any) any {
	switch w := v.(type) {
	case object:
		m := map[string]any{}
		for k, x := range w.members {
			m[k] = show(x)
		}
		if w.open {
			m["…"] = "…"
		}
		return m
	case array:
		var a []any
		for _, x := range w.elems {
			a = append(a, show(x))
		}
		if w.open {
			a = append(a, "…")
		}
		return a
	case anyValue:
		return "…"
	}
	return v
}

func sameType(want, got any) bool {
	switch want.(type) {
	case string:
		_, ok := got.(string)
		return ok
	case json.Number:
		_, ok := got.(json.Number)
		return ok
	}
	return false
}

func sameNumber(a, b json.Number) bool {
	x, err1 := a.Float64()
	y, err2 := b.Float64()
	return err1 == nil && err2 == nil && x == y
}

// shapes are the values that differ from run to run, found in any string.
var shapes = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)`), "<time>"},
	{regexp.MustCompile(`\b[0-9a-f]{32}\b`), "<hex32>"},
	{regexp.MustCompile(`\b([a-z]{2}[0-9])_[A-Za-z0-9_-]{43}`), "${1}_<token>"},
	{regexp.MustCompile(`\b3_[A-Za-z0-9_-]{32}`), "3_<apiKey>"},
	{regexp.MustCompile(`\bAK[A-Za-z0-9_-]{20,}`), "AK<userKey>"},
	{regexp.MustCompile(`[A-Za-z0-9+/]{43}=`), "<base64 of 32 bytes>"}, // secrets
}

// normalize replaces what differs from run to run by its shape.
func normalize(s string) string {
	for _, sh := range shapes {
		s = sh.re.ReplaceAllString(s, sh.with)
	}
	return s
}

// matchString compares a shown string, where … (or ...) stands for any
// text, with a printed one, both normalized.
func matchString(want, got string) bool {
	want, got = normalize(want), normalize(got)
	if !strings.Contains(want, "…") && !strings.Contains(want, "...") {
		return want == got
	}
	var re strings.Builder
	re.WriteString(`(?s)\A`)
	for i, part := range strings.Split(strings.ReplaceAll(want, "...", "…"), "…") {
		if i > 0 {
			re.WriteString(`.*`)
		}
		re.WriteString(regexp.QuoteMeta(part))
	}
	re.WriteString(`\z`)
	return regexp.MustCompile(re.String()).MatchString(got)
}

func compact(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimSpace(b.String())
}
