package search

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

type tokenKind int

const (
	tEOF tokenKind = iota
	tIdent
	tString
	tNumber
	tPunct
)

// token is one lexeme; pos counts characters from 1.
type token struct {
	kind tokenKind
	text string
	pos  int
}

func (t token) describe() string {
	switch t.kind {
	case tString:
		return fmt.Sprintf("the string %q", t.text)
	case tNumber:
		return "the number " + t.text
	}
	return fmt.Sprintf("%q", t.text)
}

// lex splits q into tokens. Identifiers are field paths and keywords
// (letters, digits, _ and dots); strings are in double or single quotes,
// with \ escaping the quote or a backslash.
func lex(q string) ([]token, error) {
	if !utf8.ValidString(q) {
		return nil, &Error{1, "the query is not valid UTF-8"}
	}
	var out []token
	pos := 1 // in characters
	for i := 0; i < len(q); {
		c := q[i]
		start := pos
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
			pos++
			continue
		case isIdentStart(c):
			j := i
			for j < len(q) && (isIdentStart(q[j]) || isDigit(q[j]) || q[j] == '.') {
				j++
			}
			out = append(out, token{tIdent, q[i:j], start})
			pos += j - i
			i = j
		case isDigit(c) || c == '-' && i+1 < len(q) && isDigit(q[i+1]):
			j := i + 1
			for j < len(q) && (isDigit(q[j]) || q[j] == '.' || q[j] == 'e' || q[j] == 'E' ||
				(q[j] == '+' || q[j] == '-') && (q[j-1] == 'e' || q[j-1] == 'E')) {
				j++
			}
			if j < len(q) && isIdentStart(q[j]) {
				return nil, &Error{start, fmt.Sprintf("malformed number %q", q[i:j+1])}
			}
			out = append(out, token{tNumber, q[i:j], start})
			pos += j - i
			i = j
		case c == '"' || c == '\'':
			var b strings.Builder
			j := i + 1
			chars := 1
			closed := false
			for j < len(q) {
				r, n := utf8.DecodeRuneInString(q[j:])
				if r == rune(c) {
					j++
					chars++
					closed = true
					break
				}
				if r == '\\' && j+1 < len(q) {
					r2, n2 := utf8.DecodeRuneInString(q[j+1:])
					if r2 == rune(c) || r2 == '\\' {
						b.WriteRune(r2)
						j += 1 + n2
						chars += 2
						continue
					}
				}
				b.WriteRune(r)
				j += n
				chars++
			}
			if !closed {
				return nil, &Error{start, "the string is not closed"}
			}
			out = append(out, token{tString, b.String(), start})
			pos += chars
			i = j
		default:
			two := ""
			if i+1 < len(q) {
				two = q[i : i+2]
			}
			switch two {
			case "!=", "<>", "<=", ">=":
				out = append(out, token{tPunct, two, start})
				i += 2
				pos += 2
				continue
			}
			if strings.IndexByte("(),*=<>!", c) >= 0 {
				out = append(out, token{tPunct, string(c), start})
				i++
				pos++
				continue
			}
			r, _ := utf8.DecodeRuneInString(q[i:])
			return nil, &Error{start, fmt.Sprintf("unexpected character %q", r)}
		}
	}
	return append(out, token{tEOF, "", pos}), nil
}

func isIdentStart(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' }
func isDigit(c byte) bool      { return c >= '0' && c <= '9' }
