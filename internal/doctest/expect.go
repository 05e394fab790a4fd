package doctest

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The expected JSON of a document is JSON with elisions: "…" (or "...")
// unquoted, as a member of an object, means that other members may follow;
// as the last element of an array, that more elements may follow; as a value,
// any value. Inside a string, … stands for any text, and a string that is
// only … matches any value.

// object is an expected object; open ones may have other members.
type object struct {
	members map[string]any
	open    bool
}

// array is an expected array; open ones may have more elements.
type array struct {
	elems []any
	open  bool
}

// anyValue matches every value.
type anyValue struct{}

// parseExpected reads the expected JSON of a document. Strings stay Go
// strings, numbers json.Number, as decodeActual leaves the actual values.
func parseExpected(text string) (any, error) {
	p := &parser{s: text}
	v, err := p.value()
	if err != nil {
		return nil, err
	}
	p.space()
	if p.i < len(p.s) {
		return nil, p.errorf("text after the value")
	}
	return v, nil
}

type parser struct {
	s string
	i int
}

func (p *parser) errorf(format string, args ...any) error {
	line := 1 + strings.Count(p.s[:p.i], "\n")
	return fmt.Errorf("expected JSON, line %d: %s", line, fmt.Sprintf(format, args...))
}

func (p *parser) space() {
	for p.i < len(p.s) {
		r, n := utf8.DecodeRuneInString(p.s[p.i:])
		if !unicode.IsSpace(r) {
			return
		}
		p.i += n
	}
}

// ellipsis consumes … or ... if it comes next.
func (p *parser) ellipsis() bool {
	p.space()
	for _, e := range []string{"…", "..."} {
		if strings.HasPrefix(p.s[p.i:], e) {
			p.i += len(e)
			return true
		}
	}
	return false
}

func (p *parser) peek() byte {
	p.space()
	if p.i >= len(p.s) {
		return 0
	}
	return p.s[p.i]
}

func (p *parser) value() (any, error) {
	if p.ellipsis() {
		return anyValue{}, nil
	}
	switch c := p.peek(); {
	case c == '{':
		return p.object()
	case c == '[':
		return p.array()
	case c == '"':
		s, err := p.str()
		if err != nil {
			return nil, err
		}
		if s == "…" || s == "..." {
			return anyValue{}, nil
		}
		return s, nil
	case c == '-' || c >= '0' && c <= '9':
		return p.number()
	}
	for word, v := range map[string]any{"true": true, "false": false, "null": nil} {
		if strings.HasPrefix(p.s[p.i:], word) {
			p.i += len(word)
			return v, nil
		}
	}
	return nil, p.errorf("not a JSON value")
}

func (p *parser) object() (any, error) {
	o := object{members: map[string]any{}}
	p.i++ // {
	if p.peek() == '}' {
		p.i++
		return o, nil
	}
	for {
		if p.ellipsis() {
			o.open = true
		} else {
			if p.peek() != '"' {
				return nil, p.errorf("a member name must be a string")
			}
			k, err := p.str()
			if err != nil {
				return nil, err
			}
			if p.peek() != ':' {
				return nil, p.errorf("missing : after %q", k)
			}
			p.i++
			v, err := p.value()
			if err != nil {
				return nil, err
			}
			if _, dup := o.members[k]; dup {
				return nil, p.errorf("member %q twice", k)
			}
			o.members[k] = v
		}
		switch p.peek() {
		case ',':
			p.i++
		case '}':
			p.i++
			return o, nil
		default:
			return nil, p.errorf("missing , or } in an object")
		}
	}
}

func (p *parser) array() (any, error) {
	a := array{}
	p.i++ // [
	if p.peek() == ']' {
		p.i++
		return a, nil
	}
	for {
		if p.ellipsis() {
			if p.peek() != ']' {
				return nil, p.errorf("… may only end an array")
			}
			p.i++
			a.open = true
			return a, nil
		}
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		a.elems = append(a.elems, v)
		switch p.peek() {
		case ',':
			p.i++
		case ']':
			p.i++
			return a, nil
		default:
			return nil, p.errorf("missing , or ] in an array")
		}
	}
}

func (p *parser) str() (string, error) {
	start := p.i
	for p.i++; p.i < len(p.s); p.i++ {
		switch p.s[p.i] {
		case '\\':
			p.i++
		case '"':
			p.i++
			var s string
			if err := json.Unmarshal([]byte(p.s[start:p.i]), &s); err != nil {
				return "", p.errorf("bad string %s", p.s[start:p.i])
			}
			return s, nil
		}
	}
	return "", p.errorf("unterminated string")
}

func (p *parser) number() (any, error) {
	start := p.i
	for p.i < len(p.s) && strings.IndexByte("+-.0123456789eE", p.s[p.i]) >= 0 {
		p.i++
	}
	n := json.Number(p.s[start:p.i])
	if _, err := n.Float64(); err != nil || !json.Valid([]byte(n)) {
		return nil, p.errorf("bad number %s", n)
	}
	return n, nil
}
