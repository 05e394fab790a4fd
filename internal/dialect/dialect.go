// Package dialect turns the domain's errors into catalog errors for one wire
// dialect. Each adapter owns one Table: which catalog entry a condition of
// the domain is, in which words, and what the domain's attributes are called
// on its wire. The domain itself names no parameter and no code.
package dialect

import (
	"errors"
	"fmt"
	"strings"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/account"
)

// Key selects an entry: a condition, narrowed by the attribute it concerns
// or by its case. Render looks up {Err, Case}, then {Err, Attr}, then {Err},
// each in the Table and then in the defaults.
type Key struct {
	Err  error
	Attr account.Attribute
	Case account.Case
}

// Entry is how a dialect tells a condition.
type Entry struct {
	Code errcode.Code
	// Format makes the details. Its arguments are the wire name of the
	// attribute (%[1]s) and the error's arguments (%[2]… ), attributes among
	// them renamed; verbs name their argument by index. Empty: the details
	// list the field errors.
	Format string
	// Base, when set, tells the condition as one field error of the request
	// as a whole with this rule, Format (or the rule's) as its message.
	Base errcode.Rule
}

// Table is a dialect's words for the domain's errors, over the defaults.
// Each adapter declares one (its Errors()), and renders every domain error
// through it.
type Table struct {
	// Names are the wire names of the domain's attributes: every attribute
	// has one in each dialect.
	Names map[account.Attribute]string
	// Entries are the catalog entry and the words of each condition the
	// dialect tells its own way (see Entry.Format for the arguments).
	Entries map[Key]Entry
}

// Name is the wire name of attr; ok is false when the table has none.
func (t Table) Name(attr account.Attribute) (string, bool) {
	n, ok := t.Names[attr]
	return n, ok
}

func (t Table) name(attr account.Attribute) string {
	if n, ok := t.Names[attr]; ok {
		return n
	}
	return string(attr)
}

// Lookup returns the entry of e.
func (t Table) Lookup(e *account.Error) (Entry, bool) {
	keys := []Key{{Err: e.Err, Attr: e.Attr}, {Err: e.Err}}
	if e.Case != "" {
		keys = append([]Key{{Err: e.Err, Case: e.Case}}, keys...)
	}
	for _, k := range keys {
		if ent, ok := t.Entries[k]; ok {
			return ent, true
		}
		if ent, ok := defaults[k]; ok {
			return ent, true
		}
	}
	return Entry{}, false
}

// Render returns the catalog error of a domain error in err's chain, told
// in the dialect's words; any other error is returned as it is. A bare
// condition (the session package answers with its sentinels) counts as an
// error of that condition about nothing in particular.
func (t Table) Render(err error) error {
	e, ok := errors.AsType[*account.Error](err)
	if !ok {
		if e = bare(err); e == nil {
			return err
		}
	}
	ent, ok := t.Lookup(e)
	if !ok {
		return err // not for clients: it stays a server error, and is logged
	}
	args := []any{t.name(e.Attr)}
	for _, a := range e.Args {
		if attr, ok := a.(account.Attribute); ok {
			a = t.name(attr)
		}
		args = append(args, a)
	}
	out := &errcode.Error{Code: ent.Code}
	out.Details = format(ent.Format, args)
	for _, f := range e.Fields {
		f.Attribute = t.name(account.Attribute(f.Attribute))
		out.Fields = append(out.Fields, f)
	}
	if ent.Base != "" {
		f := errcode.Field(errcode.BaseAttribute, ent.Base)
		if out.Details != "" {
			f.Message = out.Details
		}
		out.Fields = []errcode.FieldError{f}
		out.Details = ""
	}
	if out.Details == "" && len(out.Fields) > 0 {
		msgs := make([]string, len(out.Fields))
		for i, f := range out.Fields {
			msgs[i] = f.FullMessage()
		}
		out.Details = strings.Join(msgs, ", ")
	}
	return out
}

// format fills a Format; one without verbs is its own text (Sprintf would
// add the arguments it does not use).
func format(f string, args []any) string {
	if !strings.Contains(f, "%") {
		return f
	}
	return fmt.Sprintf(f, args...)
}

// bareConditions are the conditions that come without an *Error: the
// session package's, which has no attributes to tell.
var bareConditions = []error{account.ErrSessionUnknown, account.ErrSessionExpired, account.ErrSessionNoSecret}

// bare returns the domain error of a bare condition in err's chain; nil
// when there is none.
func bare(err error) *account.Error {
	for _, c := range bareConditions {
		if errors.Is(err, c) {
			return &account.Error{Err: c}
		}
	}
	return nil
}
