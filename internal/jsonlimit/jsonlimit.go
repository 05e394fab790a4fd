// Package jsonlimit bounds the JSON a client may send: nesting depth, object
// members, array elements and string length, and refuses text that a JSON
// decoder would silently repair (invalid UTF-8, lone surrogate escapes, NUL).
// Both dialect adapters check every JSON value with it before decoding, so
// nothing unbounded or altered reaches the store.
package jsonlimit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"
)

// The limits of every JSON value a client sends.
const (
	// MaxDepth is the deepest nesting of objects and arrays; the outermost
	// object is level 1.
	MaxDepth = 32
	// MaxMembers is the most members one object may have.
	MaxMembers = 1000
	// MaxElements is the most elements one array may have.
	MaxElements = 1000
	// MaxStringBytes is the longest string (key or value), in bytes as sent.
	MaxStringBytes = 64 << 10
)

// Error says why a value was refused. TooLarge tells a value past a limit
// (400006 in the RPC dialect) from one that is not proper JSON text (400004).
type Error struct {
	TooLarge bool
	Reason   string
}

func (e *Error) Error() string { return e.Reason }

func malformed(reason string) *Error { return &Error{Reason: reason} }

func tooLarge(format string, args ...any) *Error {
	return &Error{TooLarge: true, Reason: fmt.Sprintf(format, args...)}
}

// ErrMalformed is the reason given for text that is not JSON at all.
var ErrMalformed = malformed("malformed JSON")

// Check returns nil when data is one JSON value within the limits, made of
// valid UTF-8 with no lone surrogate escape and no NUL; otherwise an *Error.
func Check(data []byte) error {
	if !json.Valid(data) {
		return ErrMalformed
	}
	if !utf8.Valid(data) {
		return malformed("not valid UTF-8 text")
	}
	return scan(data)
}

// AsError returns the *Error in err's chain.
func AsError(err error) (*Error, bool) { return errors.AsType[*Error](err) }

// scan walks JSON text that json.Valid accepted, counting what the limits
// bound. Between separators only one value or member can begin, so an
// object or array holds one item more than the commas directly inside it.
func scan(data []byte) error {
	type level struct {
		object bool
		commas int
	}
	var stack []level
	for i := 0; i < len(data); i++ {
		switch c := data[i]; c {
		case '{', '[':
			if len(stack) == MaxDepth {
				return tooLarge("nested deeper than %d levels", MaxDepth)
			}
			stack = append(stack, level{object: c == '{'})
		case '}', ']':
			stack = stack[:len(stack)-1]
		case ',':
			top := &stack[len(stack)-1]
			top.commas++
			if top.object && top.commas >= MaxMembers {
				return tooLarge("an object has more than %d members", MaxMembers)
			}
			if !top.object && top.commas >= MaxElements {
				return tooLarge("an array has more than %d elements", MaxElements)
			}
		case '"':
			end, err := str(data, i)
			if err != nil {
				return err
			}
			i = end
		}
	}
	return nil
}

// str checks the string that opens at data[start] and returns the index of
// its closing quote.
func str(data []byte, start int) (int, error) {
	for i := start + 1; i < len(data); i++ {
		switch data[i] {
		case '"':
			if i-start-1 > MaxStringBytes {
				return 0, tooLarge("a string is longer than %d bytes", MaxStringBytes)
			}
			return i, nil
		case '\\':
			if data[i+1] != 'u' {
				i++
				continue
			}
			r := hex4(data[i+2 : i+6])
			switch {
			case r == 0:
				return 0, malformed("a string holds the NUL character")
			case r >= 0xDC00 && r <= 0xDFFF:
				return 0, malformed("a string holds a lone surrogate escape")
			case r >= 0xD800 && r <= 0xDBFF:
				// A high surrogate must pair with a low one.
				if i+12 > len(data) || data[i+6] != '\\' || data[i+7] != 'u' {
					return 0, malformed("a string holds a lone surrogate escape")
				}
				if lo := hex4(data[i+8 : i+12]); lo < 0xDC00 || lo > 0xDFFF {
					return 0, malformed("a string holds a lone surrogate escape")
				}
				i += 6
			}
			i += 5
		}
	}
	return 0, ErrMalformed // unreachable for valid JSON
}

// hex4 reads the four hex digits of a \u escape json.Valid accepted.
func hex4(b []byte) rune {
	var r rune
	for _, c := range b {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		default:
			c -= 'A' - 10
		}
		r = r<<4 | rune(c)
	}
	return r
}

// Object returns data compacted when it is one JSON object within the
// limits of Check and at most maxBytes long (surrounding space aside);
// empty data is "{}". Otherwise an *Error: TooLarge for a value past a limit.
func Object(data []byte, maxBytes int) ([]byte, error) {
	t := bytes.TrimSpace(data)
	switch {
	case len(t) == 0:
		return []byte("{}"), nil
	case len(t) > maxBytes:
		return nil, tooLarge("larger than %d KiB", maxBytes>>10)
	}
	if err := Check(t); err != nil {
		return nil, err
	}
	if t[0] != '{' {
		return nil, malformed("want a JSON object")
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, t); err != nil {
		return nil, ErrMalformed
	}
	return buf.Bytes(), nil
}
