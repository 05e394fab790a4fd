package account

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
)

// Parts are the parts of an account a read may leave out: the password
// hash and the JSON objects, the costly columns.
type Parts uint8

// The parts of an account.
const (
	PartProfile Parts = 1 << iota
	PartData
	PartPreferences
	PartSubscriptions
	PartPassword

	PartObjects = PartProfile | PartData | PartPreferences | PartSubscriptions
)

// Has tells whether p holds every part of q.
func (p Parts) Has(q Parts) bool { return p&q == q }

// Read is what a lookup reads of an account beside its other columns: the
// objects its answer needs, decoded, or kept as stored when Raw (an answer
// that shows them as they are need not decode them) and the store keeps
// them as json.Marshal writes them; else decoded (Account.Omitted tells).
// A read with a Read never reads the password hash: a session check has
// no use for it.
type Read struct {
	Objects Parts
	Raw     bool
}

// ReadObjects reads every object, decoded: an account whole but its
// password hash.
var ReadObjects = Read{Objects: PartObjects}

// Omits are the parts of an account that a read with r leaves out of its
// fields (raw objects are in Account.Raw, not in the maps).
func (r Read) Omits() Parts {
	if r.Raw {
		return PartPassword | PartObjects
	}
	return PartPassword | PartObjects&^r.Objects
}

// RawObjects are the objects of an account as the store keeps them, read
// by a Read with Raw; nil for an object not read.
type RawObjects struct {
	Profile, Data, Preferences, Subscriptions json.RawMessage
}

// ErrPartial is what a Store answers when asked to write an account read
// without some of its parts: the write would erase them.
var ErrPartial = errors.New("account read in part: read it whole to change it")

// whole is a, read again whole when a read left parts of it out (a
// session's account): what a change needs.
func (s *Service) whole(ctx context.Context, a Account) (Account, error) {
	if a.Omitted == 0 {
		return a, nil
	}
	return s.store.AccountByID(ctx, a.SiteID, a.ID)
}

// ByIDReading finds an account of a site by its internal ID, reading of it
// what r says (never its password hash): for answers that show it.
func (s *Service) ByIDReading(ctx context.Context, siteID, id int64, r Read) (Account, error) {
	a, err := s.store.AccountByIDReading(ctx, siteID, id, r)
	if errors.Is(err, ErrNotFound) {
		return Account{}, fail(ErrNotFound, AttrAccount, strconv.FormatInt(id, 10))
	}
	return a, err
}

// ResolveSession resolves a session token of a site with its account,
// reading of the account what r says and never its password hash: one
// indexed lookup, as lean as the answer allows.
func (s *Service) ResolveSession(ctx context.Context, siteID int64, token string, r Read) (Session, Account, error) {
	return s.sessions.ResolveReading(ctx, siteID, token, r)
}
