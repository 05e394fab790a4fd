package search

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxRepeat bounds {n,m}, so that a pattern's program stays small.
const maxRepeat = 100

// checkPattern validates a regex() pattern against the documented dialect.
func checkPattern(p string, pos int) error {
	_, err := translatePattern(p, pos)
	return err
}

// translatePattern turns a pattern of the documented dialect (. + * ? {n}
// {n,m} {n,} ( ) | [a-c] [^a-c], \ escaping the next character; every
// other character is itself) into a regular expression that RE2 and
// PostgreSQL's AREs read alike: every literal is escaped or plain, and no
// construct of either engine's own extensions can appear.
func translatePattern(p string, pos int) (string, error) {
	if len(p) > MaxPattern {
		return "", &Error{pos, fmt.Sprintf("the pattern is longer than %d bytes", MaxPattern)}
	}
	fail := func(msg string) error { return &Error{pos, "invalid pattern: " + msg} }
	// The engines read \x escapes differently (PostgreSQL takes every hex
	// digit that follows), so control characters are refused.
	if strings.ContainsFunc(p, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return "", fail("control characters are not allowed")
	}
	var b strings.Builder
	depth := 0
	canRepeat := false
	for i := 0; i < len(p); {
		r, n := utf8.DecodeRuneInString(p[i:])
		switch r {
		case '\\':
			if i+n >= len(p) {
				return "", fail("it ends with \\")
			}
			r2, n2 := utf8.DecodeRuneInString(p[i+n:])
			literal(&b, r2)
			i += n + n2
			canRepeat = true
			continue
		case '.':
			b.WriteByte('.')
			canRepeat = true
		case '+', '*', '?':
			if !canRepeat {
				return "", fail(fmt.Sprintf("%c repeats nothing", r))
			}
			b.WriteRune(r)
			canRepeat = false
		case '{':
			end := strings.IndexByte(p[i:], '}')
			if end < 0 || !canRepeat {
				return "", fail("{ must follow what it repeats and close with }")
			}
			spec := p[i+1 : i+end]
			lo, hi, hasComma := strings.Cut(spec, ",")
			if !count(lo) || hasComma && hi != "" && !count(hi) {
				return "", fail(fmt.Sprintf("bad repetition {%s}", spec))
			}
			if hasComma && hi != "" {
				a, _ := strconv.Atoi(lo)
				z, _ := strconv.Atoi(hi)
				if a > z {
					return "", fail(fmt.Sprintf("bad repetition {%s}", spec))
				}
			}
			b.WriteString("{" + spec + "}")
			i += end + 1
			canRepeat = false
			continue
		case '(':
			depth++
			if depth > MaxDepth {
				return "", fail("groups nested too deep")
			}
			b.WriteString("(?:")
			canRepeat = false
		case ')':
			if depth == 0 {
				return "", fail("unbalanced )")
			}
			depth--
			b.WriteByte(')')
			canRepeat = true
		case '|':
			b.WriteByte('|')
			canRepeat = false
		case '[':
			end, err := class(&b, p, i+1)
			if err != nil {
				return "", fail(err.Error())
			}
			i = end
			canRepeat = true
			continue
		case ']', '}':
			return "", fail(fmt.Sprintf("unexpected %c", r))
		default:
			if r == utf8.RuneError && n == 1 {
				return "", fail("invalid UTF-8")
			}
			literal(&b, r)
			canRepeat = true
		}
		i += n
	}
	if depth != 0 {
		return "", fail("unbalanced (")
	}
	out := b.String()
	if _, err := regexp.Compile(out); err != nil {
		return "", fail(err.Error())
	}
	return out, nil
}

func count(s string) bool {
	n, err := strconv.Atoi(s)
	return err == nil && n >= 0 && n <= maxRepeat && len(s) <= 3
}

// literal writes r to match itself: ASCII punctuation escaped, letters,
// digits and the rest as they are.
func literal(b *strings.Builder, r rune) {
	switch {
	case r < 0x80 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'):
		b.WriteRune(r)
	case r < 0x80:
		b.WriteByte('\\')
		b.WriteRune(r)
	default:
		b.WriteRune(r)
	}
}

// class translates a character class starting after its [ at p[i:]; it
// returns the index after the closing ].
func class(b *strings.Builder, p string, i int) (int, error) {
	b.WriteByte('[')
	if i < len(p) && p[i] == '^' {
		b.WriteByte('^')
		i++
	}
	first := true
	for i < len(p) {
		r, n := utf8.DecodeRuneInString(p[i:])
		switch {
		case r == ']' && !first:
			b.WriteByte(']')
			return i + n, nil
		case r == '\\':
			if i+n >= len(p) {
				return 0, fmt.Errorf("it ends with \\")
			}
			r2, n2 := utf8.DecodeRuneInString(p[i+n:])
			classLiteral(b, r2)
			i += n + n2
		case r == '-' && !first && i+1 < len(p) && p[i+1] != ']':
			b.WriteByte('-')
			i += n
		case r == '[':
			return 0, fmt.Errorf("[ inside a class must be escaped")
		default:
			if r == utf8.RuneError && n == 1 {
				return 0, fmt.Errorf("invalid UTF-8")
			}
			classLiteral(b, r)
			i += n
		}
		first = false
	}
	return 0, fmt.Errorf("the class [ is not closed")
}

func classLiteral(b *strings.Builder, r rune) {
	switch {
	case r < 0x80 && !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'):
		b.WriteByte('\\')
		b.WriteRune(r)
	default:
		b.WriteRune(r)
	}
}
