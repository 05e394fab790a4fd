package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/store"
)

func init() {
	register("account-reads", testAccountReads, "SessionByHashReading", "AccountByIDReading")
}

// readWithoutHash is a as a read that leaves out its password hash only
// answers it.
func readWithoutHash(a account.Account) account.Account {
	a.PasswordHash, a.Omitted = "", account.PartPassword
	return a
}

// A read with an account.Read reads the objects it names, decoded or as
// stored, leaves the others nil, never reads the password hash, and says
// what it left out; the account it answers cannot be written back.
func testAccountReads(t *testing.T, db *store.DB) {
	ctx := context.Background()
	s := NewSite(t, db)
	a := newAccount(t, db, s.ID, username("reader"))
	a.Profile = map[string]any{"firstName": "Ann", "age": json.Number("41"), "tags": []any{"x", "<y>"}}
	a.Data = map[string]any{"plan": "pro"}
	a.Subscriptions = map[string]any{"news": map[string]any{"email": map[string]any{"isSubscribed": true}}}
	if err := db.UpdateAccount(ctx, &a, a.UpdatedAt); err != nil {
		t.Fatal(err)
	}
	sess := account.Session{SiteID: s.ID, AccountID: a.ID, TokenHash: []byte(unique("read")), CreatedAt: t0}
	if err := db.CreateSession(ctx, &sess); err != nil {
		t.Fatal(err)
	}
	reads := map[string]func(account.Read) (account.Account, error){
		"SessionByHashReading": func(r account.Read) (account.Account, error) {
			got, acc, err := db.SessionByHashReading(ctx, sess.TokenHash, r)
			if err == nil && (got.ID != sess.ID || got.AccountID != a.ID) {
				t.Errorf("SessionByHashReading: session %+v, want %+v", got, sess)
			}
			return acc, err
		},
		"AccountByIDReading": func(r account.Read) (account.Account, error) {
			return db.AccountByIDReading(ctx, s.ID, a.ID, r)
		},
	}
	for name, read := range reads {
		for _, r := range []account.Read{{}, {Objects: account.PartProfile}, {Objects: account.PartProfile | account.PartData, Raw: true},
			account.ReadObjects, {Objects: account.PartObjects, Raw: true}} {
			got, err := read(r)
			if err != nil {
				t.Fatalf("%s(%+v): %v", name, r, err)
			}
			// Raw is a wish: a store may decode the objects all the same
			// (PostgreSQL does: jsonb has a key order of its own); SQLite keeps
			// them as written.
			asStored := r.Raw && got.Omitted == r.Omits()
			if !asStored {
				if r.Raw && r.Objects != 0 && db.Engine() == store.SQLite {
					t.Errorf("%s(%+v): objects decoded, want them as stored", name, r)
				}
				r.Raw = false
			}
			if got.PasswordHash != "" || got.Omitted != r.Omits() || !got.Omitted.Has(account.PartPassword) {
				t.Errorf("%s(%+v): hash %q, omitted %b; want none, %b", name, r, got.PasswordHash, got.Omitted, r.Omits())
			}
			maps := []map[string]any{got.Profile, got.Data, got.Preferences, got.Subscriptions}
			raws := []json.RawMessage{got.Raw.Profile, got.Raw.Data, got.Raw.Preferences, got.Raw.Subscriptions}
			wants := []map[string]any{a.Profile, a.Data, {}, a.Subscriptions}
			for i, part := range []account.Parts{account.PartProfile, account.PartData, account.PartPreferences, account.PartSubscriptions} {
				switch {
				case !r.Objects.Has(part):
					if maps[i] != nil || raws[i] != nil {
						t.Errorf("%s(%+v): object %d read: %v %s", name, r, i, maps[i], raws[i])
					}
				case r.Raw:
					if maps[i] != nil || !sameJSON(raws[i], wants[i]) {
						t.Errorf("%s(%+v): object %d = %v raw %s, want raw %v", name, r, i, maps[i], raws[i], wants[i])
					}
				default:
					if raws[i] != nil || !reflect.DeepEqual(maps[i], wants[i]) {
						t.Errorf("%s(%+v): object %d = %v raw %s, want %v", name, r, i, maps[i], raws[i], wants[i])
					}
				}
			}
			if got.ID != a.ID || got.UID != a.UID || got.Username != a.Username || !got.UpdatedAt.Equal(a.UpdatedAt) {
				t.Errorf("%s(%+v) = %+v, want the columns of %+v", name, r, got, a)
			}
			// What a read left out would be erased by a write: the store refuses it.
			prev := got.UpdatedAt
			if err := db.UpdateAccount(ctx, &got, prev); !errors.Is(err, account.ErrPartial) {
				t.Errorf("UpdateAccount of a read in part: %v, want ErrPartial", err)
			}
		}
	}
	if whole, err := db.AccountByID(ctx, s.ID, a.ID); err != nil || whole.PasswordHash != a.PasswordHash || whole.Omitted != 0 {
		t.Errorf("AccountByID after the refused writes: hash %q omitted %b, %v; want %q", whole.PasswordHash, whole.Omitted, err, a.PasswordHash)
	}
	if _, _, err := db.SessionByHashReading(ctx, []byte("none"), account.Read{}); !errors.Is(err, account.ErrNotFound) {
		t.Errorf("SessionByHashReading of no session: %v", err)
	}
	if _, err := db.AccountByIDReading(ctx, s.ID+1000, a.ID, account.Read{}); !errors.Is(err, account.ErrNotFound) {
		t.Errorf("AccountByIDReading in another site: %v", err)
	}
}

// sameJSON tells whether raw is the JSON of want (numbers compared as
// written).
func sameJSON(raw json.RawMessage, want map[string]any) bool {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var got map[string]any
	return dec.Decode(&got) == nil && reflect.DeepEqual(got, want)
}
