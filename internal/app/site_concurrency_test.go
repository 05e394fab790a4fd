package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/custos-id/custos/internal/apitest"
	"github.com/custos-id/custos/internal/site"
)

// policyChange sets one field of the policies: section, the field's path
// within it, and its new value (not the default).
type policyChange struct {
	section string
	path    []string
	value   any
}

// raw is the section JSON that sets only this field.
func (c policyChange) raw() string {
	var v any = c.value
	for i := len(c.path) - 1; i >= 0; i-- {
		v = map[string]any{c.path[i]: v}
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// sixteenChanges are 16 fields of the policies that can each be changed
// alone. The policies have 17 such fields, so the test spreads its 64 calls
// over 4 sites, 16 per site.
var sixteenChanges = []policyChange{
	{"registration", []string{"requireLoginID"}, false},
	{"accountOptions", []string{"verifyEmail"}, true},
	{"accountOptions", []string{"allowUnverifiedLogin"}, true},
	{"accountOptions", []string{"loginIdentifiers"}, "email,username"},
	{"passwordComplexity", []string{"minLength"}, 12.0},
	{"passwordComplexity", []string{"minCharGroups"}, 3.0},
	{"passwordComplexity", []string{"regExp"}, "^.{12,}$"},
	{"passwordReset", []string{"tokenExpiration"}, 7200.0},
	{"passwordReset", []string{"resetURL"}, "https://example.com/reset"},
	{"emailVerification", []string{"verificationEmailExpiration"}, 3600.0},
	{"gigyaPlugins", []string{"sessionExpiration"}, 600.0},
	{"security", []string{"passwordHistorySize"}, 5.0},
	{"security", []string{"accountLockout", "failedLoginThreshold"}, 5.0},
	{"security", []string{"accountLockout", "lockoutTimeSec"}, 600.0},
	{"security", []string{"ipLockout", "hourlyFailedLoginThreshold"}, 50.0},
	{"security", []string{"ipLockout", "lockoutTimeSec"}, 900.0},
}

// 64 accounts.setPolicies calls at once, each changing a different field
// of its site: afterwards every change is there. (Before site changes ran in
// one transaction, the read-merge-write of concurrent calls lost most.)
func TestConcurrentSetPolicies(t *testing.T) {
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		sites := []site.Site{e.Site}
		for i := range 3 {
			st, err := e.App.Sites.Create(context.Background(), fmt.Sprint("site ", i), nil)
			if err != nil {
				t.Fatal(err)
			}
			sites = append(sites, st)
		}
		type call struct {
			site   site.Site
			change policyChange
		}
		var calls []call
		for _, st := range sites {
			for _, c := range sixteenChanges {
				calls = append(calls, call{st, c})
			}
		}
		answers := make([]map[string]any, len(calls))
		errs := make([]error, len(calls))
		var wg sync.WaitGroup
		for i, c := range calls {
			wg.Go(func() {
				answers[i], errs[i] = postRPC(e, "accounts.setPolicies", url.Values{"apiKey": {c.site.APIKey},
					"secret": {c.site.SecretBase64()}, c.change.section: {c.change.raw()}})
			})
		}
		wg.Wait()
		for i, m := range answers {
			if errs[i] != nil || m["errorCode"] != 0.0 {
				t.Errorf("call %d (%s %s): %v %s", i, calls[i].change.section, calls[i].change.raw(), errs[i], apitest.Dump(m))
			}
		}
		for _, st := range sites {
			m, err := postRPC(e, "accounts.getPolicies", url.Values{"apiKey": {st.APIKey}, "secret": {st.SecretBase64()}})
			if err != nil || m["errorCode"] != 0.0 {
				t.Fatalf("getPolicies: %v %s", err, apitest.Dump(m))
			}
			for _, c := range sixteenChanges {
				var v any = m[c.section]
				for _, k := range c.path {
					obj, _ := v.(map[string]any)
					v = obj[k]
				}
				if v != c.value {
					t.Errorf("site %d: %s.%s = %v, want %v (a change was lost)", st.ID, c.section, strings.Join(c.path, "."), v, c.value)
				}
			}
		}
	})
}

// postRPC POSTs form to an RPC method and decodes the answer. Unlike the
// helpers of the other tests, it may run outside the test's goroutine.
func postRPC(e *apitest.App, method string, form url.Values) (map[string]any, error) {
	res, err := e.Server.Client().Post(e.Server.URL+"/"+method, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %d", res.StatusCode)
	}
	var m map[string]any
	return m, json.NewDecoder(res.Body).Decode(&m)
}
