package authn

import (
	"encoding/base64"
	"errors"
	"testing"
	"time"

	"github.com/custos-id/custos/errcode"
)

// A UIDSignature of the site (the vector of gigya-api.md §2.5) is exchanged
// for one of the application key's secret, within 180 seconds of its
// timestamp either way.
func TestExchangeUIDSignature(t *testing.T) {
	site, _ := base64.StdEncoding.DecodeString("bXktdGVzdC1wYXJ0bmVyLXNlY3JldC0zMi1ieXRlcyE=")
	key := []byte("an application key's secret....")
	const uid, ts, sig = "abc123", "1700000000", "eTM8990iP64hcUq1b85AyHyIAXg="
	issued := time.Unix(1_700_000_000, 0)
	if got := UIDSignature(site, ts, uid); got != sig {
		t.Fatalf("vector: %s, want %s", got, sig)
	}
	for _, tc := range []struct {
		name          string
		uid, sig, ts  string
		now           time.Time
		code          errcode.Code
		wantTimestamp string
	}{
		{"at once", uid, sig, ts, issued, 0, "1700000000"},
		{"180 s later", uid, sig, ts, issued.Add(180 * time.Second), 0, "1700000180"},
		{"180 s earlier (clocks apart)", uid, sig, ts, issued.Add(-180 * time.Second), 0, "1699999820"},
		{"milliseconds", uid, UIDSignature(site, "1700000000000", uid), "1700000000000", issued, 0, "1700000000"},
		{"181 s later", uid, sig, ts, issued.Add(181 * time.Second), errcode.RequestExpired, ""},
		{"181 s earlier", uid, sig, ts, issued.Add(-181 * time.Second), errcode.RequestExpired, ""},
		{"another UID", "abc124", sig, ts, issued, errcode.InvalidRequestSignature, ""},
		{"another timestamp", uid, sig, "1700000001", issued, errcode.InvalidRequestSignature, ""},
		{"the key's signature", uid, UIDSignature(key, ts, uid), ts, issued, errcode.InvalidRequestSignature, ""},
		{"not base64", uid, "not base64!", ts, issued, errcode.InvalidRequestSignature, ""},
		{"short", uid, "AAAA", ts, issued, errcode.InvalidRequestSignature, ""},
		{"timestamp not a number", uid, sig, "yesterday", issued, errcode.InvalidParameterValue, ""},
		{"timestamp negative", uid, sig, "-1", issued, errcode.InvalidParameterValue, ""},
	} {
		newSig, newTS, err := ExchangeUIDSignature(site, key, tc.uid, tc.sig, tc.ts, tc.now)
		if tc.code != 0 {
			var e *errcode.Error
			if !errors.As(err, &e) || e.Code != tc.code || newSig != "" || newTS != "" {
				t.Errorf("%s: %q %q %v, want %d", tc.name, newSig, newTS, err, tc.code)
			}
			continue
		}
		if err != nil || newTS != tc.wantTimestamp || newSig != UIDSignature(key, newTS, tc.uid) || newSig == UIDSignature(site, newTS, tc.uid) {
			t.Errorf("%s: %q %q %v", tc.name, newSig, newTS, err)
		}
	}
}
