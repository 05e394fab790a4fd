// Package errcode is the catalog of every error custos can return.
//
// Each failure condition has one Entry: the numeric code of the Gigya / SAP
// Customer Data Cloud API, its short message and description, the HTTP status of
// the RPC dialect and the error token of the REST (Social ID) dialect. Field-level
// problems are FieldError values. Both wire dialects and docs/errors.md derive from
// this package; clients written in Go may import it to compare codes.
package errcode

import (
	"fmt"
	"net/http"
	"slices"
)

// Code is the numeric errorCode of the RPC dialect. 0 means success.
type Code int

// Origin tells where an entry of the catalog comes from.
type Origin string

const (
	// Seed entries are listed in the Gigya "Response Codes and Errors" document.
	Seed Origin = "seed"
	// Documented entries are further codes documented for the Gigya Accounts API.
	Documented Origin = "documented"
	// Custos entries are conditions of custos itself that no documented code fits.
	Custos Origin = "custos"
)

// Entry describes one code of the catalog.
type Entry struct {
	Code Code
	// Message is the errorMessage, exactly as the source document gives it.
	Message     string
	Description string
	// Status is the statusCode of the RPC envelope, and the HTTP status of an RPC
	// response when the caller asks for httpStatusCodes=true.
	Status int
	// Token is the REST dialect's "error" value; its HTTP status is Token.Status().
	// It is empty for the success codes.
	Token  Token
	Origin Origin
}

// StatusReason is the HTTP reason phrase of Status, as the statusReason field shows it.
func (e Entry) StatusReason() string { return http.StatusText(e.Status) }

// Lookup returns the entry of code.
func Lookup(code Code) (Entry, bool) {
	i, ok := slices.BinarySearchFunc(catalog, code, func(e Entry, c Code) int { return int(e.Code) - int(c) })
	if !ok {
		return Entry{}, false
	}
	return catalog[i], true
}

// All returns every entry, ordered by code.
func All() []Entry { return slices.Clone(catalog) }

// catalog is entries sorted by code; init checks that codes are unique.
var catalog = func() []Entry {
	c := slices.Clone(entries)
	slices.SortFunc(c, func(a, b Entry) int { return int(a.Code) - int(b.Code) })
	for i := 1; i < len(c); i++ {
		if c[i].Code == c[i-1].Code {
			panic(fmt.Sprintf("errcode: code %d listed twice", c[i].Code))
		}
	}
	return c
}()
