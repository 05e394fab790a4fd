package account_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/custos-id/custos/internal/account"
)

func decode(t *testing.T, s string) map[string]any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

// Keys in any case, values as JSON or as form strings holding JSON, and
// the properties skipped listed with their paths.
func TestParseImport(t *testing.T) {
	for _, doc := range []string{
		`{"Uid":"u1","IMPORTPOLICY":"Upsert","created":"2019-03-01T10:00:00.000Z","isActive":false,
		  "loginIDs":{"Username":"ann","emails":["ann@example.com"]},"profile":{"firstName":"Ann"},
		  "password":{"hashedPassword":"aGFzaA==","HashSettings":{"HashAlgorithm":"SHA1","salt":"c2FsdA==","rounds":3,"pepper":1}},
		  "phoneNumber":"+15550100"}`,
		`{"UID":"u1","importPolicy":"upsert","created":"2019-03-01T10:00:00Z","isActive":"false",
		  "loginIDs":"{\"username\":\"ann\",\"emails\":[\"ann@example.com\"]}","profile":"{\"firstName\":\"Ann\"}",
		  "password":"{\"hashedPassword\":\"aGFzaA==\",\"hashSettings\":{\"algorithm\":\"sha1\",\"salt\":\"c2FsdA==\",\"rounds\":\"3\",\"pepper\":1}}",
		  "phoneNumber":"+15550100"}`,
	} {
		in, unknown, err := account.ParseImport(decode(t, doc))
		if err != nil {
			t.Fatal(err)
		}
		if in.UID != "u1" || in.Policy != account.ImportUpsert || in.Active == nil || *in.Active ||
			!in.Created.Equal(time.Date(2019, 3, 1, 10, 0, 0, 0, time.UTC)) ||
			!reflect.DeepEqual(in.LoginIDs, &account.ImportLoginIDs{Username: "ann", Emails: []string{"ann@example.com"}}) ||
			in.Objects.Profile["firstName"] != "Ann" || in.Password == nil ||
			in.Password.Algorithm != "sha1" || in.Password.Rounds != 3 || in.Password.Salt != "c2FsdA==" {
			t.Errorf("%s: %+v", doc, in)
		}
		if len(unknown) != 2 || !strings.HasSuffix(unknown[0], ".pepper") || unknown[1] != "phoneNumber" {
			t.Errorf("unknown %q", unknown)
		}
	}
}

func TestParseImportErrors(t *testing.T) {
	for doc, want := range map[string]string{
		`{"UID":"u","created":"yesterday"}`:                     "created",
		`{"UID":"u","isVerified":2}`:                            "isVerified",
		`{"UID":"u","emails":{"verified":"a@b.c"}}`:             "emails.verified",
		`{"UID":"u","password":{"hashedPassword":"x"}}`:         "password.hashSettings.algorithm",
		`{"UID":"u","password":{"hashSettings":{"rounds":-1}}}`: "password.hashSettings.rounds",
		`{"UID":"u","profile":[1]}`:                             "profile",
		`{"UID":"u","importPolicy":"merge"}`:                    "importPolicy",
	} {
		_, _, err := account.ParseImport(decode(t, doc))
		var e *account.Error
		if !errors.As(err, &e) || e.Err != account.ErrBadValue || e.Args[0] != want {
			t.Errorf("%s: %v, want ErrBadValue of %s", doc, err, want)
		}
	}
}

// An exported account reads back as the import of the same account.
func TestExportDocumentParses(t *testing.T) {
	t0 := time.Date(2020, 1, 2, 3, 4, 5, 6e6, time.UTC)
	a := account.ExportedAccount{
		Account: account.Account{UID: "u1", Username: "ann", Email: "ann@example.com", PasswordHash: "$2a$10$x",
			Profile: map[string]any{"firstName": "Ann"}, Active: true, Registered: true, EmailVerified: true,
			CreatedAt: t0, UpdatedAt: t0, RegisteredAt: t0, VerifiedAt: t0, LastLoginAt: t0},
		LoginIDs: []account.StoredLoginID{
			{LoginID: account.LoginID{Kind: account.Email, Value: "ann@example.com"}, Display: "ann@example.com", VerifiedAt: t0},
			{LoginID: account.LoginID{Kind: account.Email, Value: "ann@work.example"}, Display: "Ann@Work.example"},
			{LoginID: account.LoginID{Kind: account.Username, Value: "ann"}, Display: "ann"},
		},
	}
	b, err := json.Marshal(account.ExportDocument(a))
	if err != nil {
		t.Fatal(err)
	}
	in, unknown, err := account.ParseImport(decode(t, string(b)))
	if err != nil || len(unknown) != 0 {
		t.Fatalf("%s: %v %q", b, err, unknown)
	}
	want := &account.ImportLoginIDs{Username: "ann", Emails: []string{"ann@example.com"}, UnverifiedEmails: []string{"Ann@Work.example"}}
	if in.UID != "u1" || !in.LastLogin.Equal(t0) || !reflect.DeepEqual(in.LoginIDs, want) ||
		in.Password.Compound != "$2a$10$x" || *in.Verified != true || in.Policy != account.ImportUpsert {
		t.Errorf("%s read back as %+v", b, in)
	}
}
