package rpc_test

// End-to-end tests of how the RPC dialect checks credentials (reference
// gigya-api.md §2): requests signed with timestamp, nonce and sig (keyed by
// the site secret, an application key's secret or a mobile session's
// secret), application keys in clear, session tokens, and Bearer JWTs of
// application keys. Requests are built as the SDKs build them and sent over
// HTTP to the real router, on every database engine.

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/custos-id/custos/internal/apitest"

	"github.com/custos-id/custos/internal/app"
	"github.com/custos-id/custos/internal/authn"
	"github.com/custos-id/custos/internal/rest"
	"github.com/custos-id/custos/internal/site"
	"github.com/custos-id/custos/internal/store"
	"github.com/custos-id/custos/internal/store/storetest"
)

// ---------------------------------------------------------------- helpers

const (
	getAccountInfo = "accounts.getAccountInfo"
	// annUID is the account newEnv seeds.
	annUID = "0123456789abcdef0123456789abcdef"
	// omit, as a value of sdkForm, drops the parameter.
	omit = "\x00omit"
)

// Error details of the credential checks.
const (
	noTimestamp  = "Missing required parameter: timestamp"
	badTimestamp = "Invalid timestamp parameter: want Unix seconds or milliseconds"
	badSig       = "Invalid request signature"
	dupNonce     = "Duplicate nonce: this nonce was used already"
	badUserKey   = "Invalid Secret: unknown or revoked userKey"
	wrongSecret  = "Invalid Secret"
	browserSigns = "Invalid session token: a browser session cannot sign requests"
	jwtNotRS256  = "Invalid token: not an RS256 JWT"
	jwtNoPublic  = "Invalid token: the key has no public key for JWTs"
	jwtClaims    = "Invalid token: want the claims iat and jti"
	jwtBadSig    = "Invalid request signature: the JWT does not verify with the key"
)

// expired are the details of 403002 at server time at: they name it, in
// Unix seconds too, for SDKs to correct their clock.
func expired(at time.Time) string {
	return fmt.Sprintf("Request has expired: the timestamp differs from the server time (%s, Unix %d) by more than 120 seconds; "+
		"correct the clock with the Date header", at.UTC().Format(time.RFC3339), at.Unix())
}

func outOfScope(method string) string {
	return "Permission denied: the application key may not call " + method
}

// expectAuth asserts the error of a response: code with its catalog status
// and message, details exactly (none on success).
func expectAuth(t *testing.T, m map[string]any, code float64, details string) {
	t.Helper()
	apitest.ExpectRPC(t, m, code, details)
}

// freshNonce is a nonce no request used.
func freshNonce() string {
	b := make([]byte, 12)
	rand.Read(b)
	return strconv.FormatInt(apitest.Now.UnixMilli(), 10) + "_" + hex.EncodeToString(b)
}

// sdkForm is the form of a signed call as an SDK builds it before signing:
// apiKey, timestamp (Unix seconds of at), a fresh nonce, then kv, which may
// override them; a value of omit drops the parameter.
func sdkForm(apiKey string, at time.Time, kv ...string) url.Values {
	f := url.Values{"apiKey": {apiKey}, "timestamp": {strconv.FormatInt(at.Unix(), 10)}, "nonce": {freshNonce()}}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == omit {
			f.Del(kv[i])
			continue
		}
		f.Set(kv[i], kv[i+1])
	}
	return f
}

// signed returns form with sig = authn.Sign(secret, httpMethod, signURL, form).
func signed(secret []byte, httpMethod, signURL string, form url.Values) url.Values {
	f := url.Values{}
	for k, v := range form {
		f[k] = v
	}
	f.Set("sig", authn.Sign(secret, httpMethod, signURL, f))
	return f
}

// receivedURL is the URL of method as the server receives it: http, the
// host and port of the test server.
func receivedURL(e *apitest.App, method string) string { return e.Server.URL + "/" + method }

// portlessURL is receivedURL without the port, as the .NET SDK signs.
func portlessURL(e *apitest.App, method string) string {
	u, _ := url.Parse(e.Server.URL)
	return "http://" + u.Hostname() + "/" + method
}

// gigyaURL is the canonical Gigya URL of method, as the Node.js SDK signs.
func gigyaURL(method string) string {
	ns, _, _ := strings.Cut(method, ".")
	return "https://" + ns + ".us1.gigya.com/" + method
}

// send POSTs form (apiKey added unless it has one) and checks the whole
// envelope, the Date header included.
func send(t *testing.T, e *apitest.App, method string, form url.Values, hdr http.Header) map[string]any {
	t.Helper()
	r, m := e.RPC(t, method, form, hdr)
	apitest.CheckEnvelope(t, r, m, apitest.Now)
	return m
}

// b64 decodes standard base64, failing the test when it cannot.
func b64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b) == 0 {
		t.Fatalf("not base64: %q", s)
	}
	return b
}

// otherSecret is a secret of the site's size that is not the site's.
func otherSecret(e *apitest.App) []byte {
	b := make([]byte, len(e.Site.Secret))
	for i := range b {
		b[i] = e.Site.Secret[i] ^ 0x5a
	}
	return b
}

// authCase is one request and the answer it must get.
type authCase struct {
	name    string
	method  string // default accounts.getAccountInfo
	form    func() url.Values
	hdr     http.Header
	get     bool // send the form as the query of a GET
	code    float64
	details string
	want    map[string]any
	absent  []string
	check   func(t *testing.T, m map[string]any)
}

func runAuth(t *testing.T, e *apitest.App, cases []authCase) {
	t.Helper()
	a := e
	for _, tc := range cases {
		s := apitest.Scenario{Name: tc.name, Path: "/" + cmp.Or(tc.method, getAccountInfo), Headers: tc.hdr,
			Code: tc.code, Details: tc.details, Want: tc.want, Absent: tc.absent}
		if tc.get {
			s.Method = "GET"
		}
		// Built when its turn comes: a form may sign with a fresh nonce or
		// act on the site, as the cases before it left it.
		s.Form = tc.form()
		if check := tc.check; check != nil {
			s.After = func(t *testing.T, _ apitest.Response, m map[string]any) { check(t, m) }
		}
		s.Test(t, a)
	}
}

// annView is what a server call of getAccountInfo for ann returns: her
// account, without the UID signature that goes to clients only.
var (
	annView  = map[string]any{"UID": annUID, "isRegistered": false, "profile": map[string]any{}, "data": map[string]any{}}
	noUIDSig = []string{"UIDSignature", "signatureTimestamp"}
)

// ------------------------------------------------- site secret signatures

func TestAuthSiteSignature(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		secret := e.Site.Secret
		post := func(signURL string, kv ...string) func() url.Values {
			return func() url.Values {
				return signed(secret, "POST", signURL, sdkForm(e.Site.APIKey, apitest.Now, append([]string{"UID", annUID}, kv...)...))
			}
		}
		recv := receivedURL(e, getAccountInfo)
		ms := strconv.FormatInt(apitest.Now.UnixMilli(), 10)
		at := func(d time.Duration) string { return strconv.FormatInt(apitest.Now.Add(d).Unix(), 10) }
		runAuth(t, e, []authCase{
			{name: "received URL with port", form: post(recv), code: 0, want: annView, absent: noUIDSig},
			{name: "received URL without port (.NET)", form: post(portlessURL(e, getAccountInfo)), code: 0, want: annView, absent: noUIDSig},
			{name: "https variant of the received URL", form: post(strings.Replace(recv, "http://", "https://", 1)), code: 0, want: annView},
			{name: "https variant without port", form: post(strings.Replace(portlessURL(e, getAccountInfo), "http://", "https://", 1)), code: 0},
			{name: "canonical Gigya URL (Node.js)", form: post(gigyaURL(getAccountInfo)), code: 0, want: annView, absent: noUIDSig},
			{name: "timestamp in milliseconds (Node.js)", form: post(gigyaURL(getAccountInfo), "timestamp", ms), code: 0, want: annView},
			{name: "the parameters every SDK adds", form: post(recv, "format", "json", "httpStatusCodes", "false", "sdk", "java_3.2.4",
				"include", "profile,data"), code: 0, want: annView},
			{name: "Node.js signs false as an empty string", form: func() url.Values {
				f := signed(secret, "POST", gigyaURL(getAccountInfo), sdkForm(e.Site.APIKey, apitest.Now, "UID", annUID, "timestamp", ms,
					"format", "json", "httpStatusCodes", ""))
				f.Set("httpStatusCodes", "false")
				return f
			}, code: 0, want: annView},
			{name: "signed GET, parameters in the query", get: true, form: func() url.Values {
				return signed(secret, "GET", recv, sdkForm(e.Site.APIKey, apitest.Now, "UID", annUID))
			}, code: 0, want: annView},
			{name: "119 s old", form: post(recv, "timestamp", at(-119*time.Second)), code: 0},
			{name: "120 s ahead", form: post(recv, "timestamp", at(120*time.Second)), code: 0},
			{name: "a signature is a server call: UID required", form: post(recv, "UID", omit), code: 400002, details: missing("UID")},
			{name: "unknown UID", form: post(recv, "UID", strings.Repeat("f", 32)), code: 403005, details: noUID(strings.Repeat("f", 32))},

			{name: "no timestamp", form: post(recv, "timestamp", omit), code: 400097, details: noTimestamp},
			{name: "unreadable timestamp", form: post(recv, "timestamp", "abc"), code: 400098, details: badTimestamp},
			{name: "negative timestamp", form: post(recv, "timestamp", "-5"), code: 400098, details: badTimestamp},
			{name: "fractional timestamp", form: post(recv, "timestamp", at(0)+".5"), code: 400098, details: badTimestamp},
			{name: "121 s old", form: post(recv, "timestamp", at(-121*time.Second)), code: 403002, details: expired(apitest.Now)},
			{name: "121 s ahead", form: post(recv, "timestamp", at(121*time.Second)), code: 403002, details: expired(apitest.Now)},
			{name: "121 s old in milliseconds", form: post(recv, "timestamp", strconv.FormatInt(apitest.Now.Add(-121*time.Second).UnixMilli(), 10)),
				code: 403002, details: expired(apitest.Now)},
			{name: "expiry is checked before the signature", form: func() url.Values {
				f := post(recv, "timestamp", at(-121*time.Second))()
				f.Set("sig", "AAAAAAAAAAAAAAAAAAAAAAAAAAA=")
				return f
			}, code: 403002, details: expired(apitest.Now)},

			{name: "wrong sig", form: func() url.Values {
				f := post(recv)()
				f.Set("sig", base64.StdEncoding.EncodeToString(make([]byte, 20)))
				return f
			}, code: 403003, details: badSig, absent: []string{"UID", "profile"}},
			{name: "sig not base64", form: func() url.Values { f := post(recv)(); f.Set("sig", "not base64!"); return f },
				code: 403003, details: badSig},
			{name: "sig over other params", form: func() url.Values {
				f := post(recv, "UID", strings.Repeat("f", 32))()
				f.Set("UID", annUID)
				return f
			}, code: 403003, details: badSig, absent: []string{"UID"}},
			{name: "sig over another timestamp", form: func() url.Values {
				f := post(recv)()
				f.Set("timestamp", at(time.Second))
				return f
			}, code: 403003, details: badSig},
			{name: "sig over another nonce", form: func() url.Values { f := post(recv)(); f.Set("nonce", freshNonce()); return f },
				code: 403003, details: badSig},
			{name: "a parameter added after signing", form: func() url.Values { f := post(recv)(); f.Set("include", "loginIDs"); return f },
				code: 403003, details: badSig},
			{name: "sig of another method", form: func() url.Values {
				return signed(secret, "POST", receivedURL(e, "accounts.setAccountInfo"), sdkForm(e.Site.APIKey, apitest.Now, "UID", annUID))
			}, code: 403003, details: badSig},
			{name: "sig of another host", form: post("https://accounts.eu1.gigya.com/" + getAccountInfo), code: 403003, details: badSig},
			{name: "sig as GET, sent as POST", form: func() url.Values {
				return signed(secret, "GET", recv, sdkForm(e.Site.APIKey, apitest.Now, "UID", annUID))
			}, code: 403003, details: badSig},
			{name: "other secret", form: func() url.Values {
				return signed(otherSecret(e), "POST", recv, sdkForm(e.Site.APIKey, apitest.Now, "UID", annUID))
			}, code: 403003, details: badSig},
			{name: "the base64 text of the secret as the key", form: func() url.Values {
				return signed([]byte(e.Site.SecretBase64()), "POST", recv, sdkForm(e.Site.APIKey, apitest.Now, "UID", annUID))
			}, code: 403003, details: badSig},
			{name: "missing nonce", form: post(recv, "nonce", omit), code: 400002, details: missing("nonce")},
			{name: "nonce too long", form: post(recv, "nonce", strings.Repeat("n", 257)), code: 400006,
				details: "Invalid parameter value: nonce: longer than 256 characters"},
		})
	})
}

// --------------------------------------------------------------- nonces

func TestAuthNonce(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		secret := e.Site.Secret
		recv := receivedURL(e, getAccountInfo)
		form := func(nonce string, kv ...string) url.Values {
			return signed(secret, "POST", recv, sdkForm(e.Site.APIKey, apitest.Now, append([]string{"UID", annUID, "nonce", nonce}, kv...)...))
		}
		st2, err := e.App.Sites.Create(context.Background(), "second", nil)
		if err != nil {
			t.Fatal(err)
		}
		e2 := e.With(st2)
		uid2, _ := register(t, e2, "nonce@example.com", "pass-word-1")
		key, err := e.App.Sites.CreateKey(context.Background(), e.Site.ID, "backend", nil, "")
		if err != nil {
			t.Fatal(err)
		}
		first, second, third, fourth, fifth := freshNonce(), freshNonce(), freshNonce(), freshNonce(), freshNonce()
		replay := form(first)
		runAuth(t, e, []authCase{
			{name: "first use", form: func() url.Values { return replay }, code: 0, want: annView},
			{name: "the same request again", form: func() url.Values { return replay }, code: 403004, details: dupNonce, absent: []string{"UID"}},
			{name: "the same nonce in another request", form: func() url.Values { return form(first, "include", "profile") },
				code: 403004, details: dupNonce},
			{name: "the same nonce, ms timestamp", form: func() url.Values {
				return form(first, "timestamp", strconv.FormatInt(apitest.Now.UnixMilli(), 10))
			}, code: 403004, details: dupNonce},
			// Nonces are per signer: one signer cannot spend another's.
			{name: "the same nonce by an application key of the site is its own", form: func() url.Values {
				return signed(key.Secret, "POST", recv, sdkForm(e.Site.APIKey, apitest.Now, "UID", annUID, "userKey", key.UserKey, "nonce", first))
			}, code: 0},
			{name: "and the application key's replay is refused", form: func() url.Values {
				return signed(key.Secret, "POST", recv, sdkForm(e.Site.APIKey, apitest.Now, "UID", annUID, "userKey", key.UserKey, "nonce", first))
			}, code: 403004, details: dupNonce},
			// A request that fails its checks does not spend its nonce.
			{name: "a bad signature", form: func() url.Values { f := form(second); f.Set("sig", "AAAAAAAAAAAAAAAAAAAAAAAAAAA="); return f },
				code: 403003, details: badSig},
			{name: "its nonce is still fresh", form: func() url.Values { return form(second) }, code: 0},
			{name: "an expired request", form: func() url.Values {
				return form(third, "timestamp", strconv.FormatInt(apitest.Now.Add(-time.Hour).Unix(), 10))
			}, code: 403002, details: expired(apitest.Now)},
			{name: "its nonce is still fresh too", form: func() url.Values { return form(third) }, code: 0},
			// A nonce is per site.
			{name: "nonce of site 1 on site 1", form: func() url.Values { return form(fourth) }, code: 0},
			{name: "the same nonce on site 2", form: func() url.Values {
				return signed(st2.Secret, "POST", recv, sdkForm(st2.APIKey, apitest.Now, "UID", uid2, "nonce", fourth))
			}, code: 0, want: map[string]any{"UID": uid2}},
			{name: "and again on site 2", form: func() url.Values {
				return signed(st2.Secret, "POST", recv, sdkForm(st2.APIKey, apitest.Now, "UID", uid2, "nonce", fourth))
			}, code: 403004, details: dupNonce},
			{name: "a nonce first seen on site 2", form: func() url.Values {
				return signed(st2.Secret, "POST", recv, sdkForm(st2.APIKey, apitest.Now, "UID", uid2, "nonce", fifth))
			}, code: 0},
			{name: "then on site 1", form: func() url.Values { return form(fifth) }, code: 0},
			{name: "nonces are case-sensitive", form: func() url.Values { return form(strings.ToUpper(fifth)) }, code: 0},
		})
	})
}

// A nonce is kept until its request can no longer pass the window: the
// purge of expired rows must not open a moment where a replay passes.
func TestAuthNoncePurgeEdge(t *testing.T) {
	t.Parallel()
	apitest.ForEachClockEngine(t, func(t *testing.T, e *apitest.App, clock *apitest.Clock) {
		ts := apitest.Now.Truncate(time.Second)
		form := signed(e.Site.Secret, "POST", receivedURL(e, "accounts.getPolicies"),
			sdkForm(e.Site.APIKey, ts, "sections", "accountOptions"))
		_, m := e.RPC(t, "accounts.getPolicies", form, nil)
		expectAuth(t, m, 0, "")
		// The last instant at which the request's timestamp is still
		// within 120 s of the server's clock.
		clock.Advance(ts.Add(authn.Window).Sub(clock.Now()))
		if _, err := e.DB.Purge(context.Background(), clock.Now()); err != nil {
			t.Fatal(err)
		}
		_, m = e.RPC(t, "accounts.getPolicies", form, nil)
		expectAuth(t, m, 403004, dupNonce)
		clock.Advance(time.Millisecond)
		_, m = e.RPC(t, "accounts.getPolicies", form, nil)
		expectAuth(t, m, 403002, expired(clock.Now()))
	})
}

// ------------------------------------------ replay across two instances

// instance is a second custos on db, serving site st, with the fixed clock.
func instance(t *testing.T, db *store.DB, st site.Site, clock func() time.Time, opts ...apitest.Option) *apitest.App {
	t.Helper()
	e := apitest.NewApp(t, "", append([]apitest.Option{apitest.WithDB(db), apitest.WithoutSite(), apitest.WithClock(clock)}, opts...)...)
	e.Site = st
	return e
}

// Two processes on one database share what they saw: a request accepted by
// one is a replay for the other.
// twoInstances are two custos processes, a and b, on one database of
// engine (each with its own pool), serving the site st, which has one
// account, uid.
func twoInstances(t *testing.T, engine store.Engine) (a, b *apitest.App, st site.Site, uid string) {
	t.Helper()
	ctx := context.Background()
	u := storetest.URL(t, engine)
	dbA, dbB := storetest.OpenURL(t, u), storetest.OpenURL(t, u)
	fixed := func() time.Time { return apitest.Now }
	a = instance(t, dbA, site.Site{}, fixed)
	st, err := a.App.Sites.Create(ctx, "shared", nil)
	if err != nil {
		t.Fatal(err)
	}
	a.Site = st
	b = instance(t, dbB, st, fixed)
	uid, _ = register(t, a, "replay@example.com", "pass-word-1")
	return a, b, st, uid
}

func TestAuthReplayAcrossInstances(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			t.Parallel()
			a, b, st, uid := twoInstances(t, engine)
			ctx := context.Background()
			key, err := a.App.Sites.CreateKey(ctx, st.ID, "backend", []string{"accounts.*"}, "")
			if err != nil {
				t.Fatal(err)
			}
			priv, _ := rsaKeys(t)
			jwtKey, err := a.App.Sites.CreateKey(ctx, st.ID, "jwt", nil, publicPEM(t, &priv.PublicKey))
			if err != nil {
				t.Fatal(err)
			}

			for _, tc := range []struct {
				name        string
				form        url.Values
				hdr         http.Header
				first, then *apitest.App
			}{
				{name: "site secret, canonical URL, A then B",
					form: signed(st.Secret, "POST", gigyaURL(getAccountInfo), sdkForm(st.APIKey, apitest.Now, "UID", uid)), first: a, then: b},
				{name: "site secret, URL without port, B then A",
					form: signed(st.Secret, "POST", portlessURL(b, getAccountInfo), sdkForm(st.APIKey, apitest.Now, "UID", uid)), first: b, then: a},
				{name: "application key, A then B",
					form:  signed(key.Secret, "POST", gigyaURL(getAccountInfo), sdkForm(st.APIKey, apitest.Now, "UID", uid, "userKey", key.UserKey)),
					first: a, then: b},
				{name: "Bearer JWT, B then A", form: apitest.Form("UID", uid),
					hdr:   http.Header{"Authorization": {"Bearer " + mintJWT(t, priv, jwtKey.UserKey, apitest.Now.Unix(), freshNonce())}},
					first: b, then: a},
			} {
				t.Run(tc.name, func(t *testing.T) {
					m := send(t, tc.first, getAccountInfo, tc.form, tc.hdr)
					expectAuth(t, m, 0, "")
					apitest.ExpectFields(t, m, map[string]any{"UID": uid})
					m = send(t, tc.then, getAccountInfo, tc.form, tc.hdr)
					expectAuth(t, m, 403004, dupNonce)
					apitest.ExpectAbsent(t, m, "UID")
				})
			}
		})
	}
}

// The same signed request sent at once to both instances, many times: the
// database lets exactly one through.
func TestAuthReplayConcurrent(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			t.Parallel()
			a, b, st, uid := twoInstances(t, engine)
			t.Run("concurrent copies", func(t *testing.T) {
				form := signed(st.Secret, "POST", gigyaURL(getAccountInfo), sdkForm(st.APIKey, apitest.Now, "UID", uid))
				const copies = 8
				codes := make([]float64, copies)
				var wg sync.WaitGroup
				for i := range copies {
					on := a
					if i%2 == 1 {
						on = b
					}
					wg.Go(func() {
						_, m := on.RPC(t, getAccountInfo, form, nil)
						codes[i], _ = m["errorCode"].(float64)
					})
				}
				wg.Wait()
				ok, dup := 0, 0
				for _, c := range codes {
					switch c {
					case 0:
						ok++
					case 403004:
						dup++
					}
				}
				if ok != 1 || dup != copies-1 {
					t.Errorf("codes %v: want one 0 and %d 403004", codes, copies-1)
				}
			})
		})
	}
}

// The canonical URL a signature may be made over is the configured data
// center's.
func TestAuthDataCenter(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		eu := instance(t, e.DB, e.Site, func() time.Time { return apitest.Now }, apitest.WithOptions(func(o *app.Options) { o.DataCenter = "EU1" }))
		cn := instance(t, e.DB, e.Site, func() time.Time { return apitest.Now }, apitest.WithOptions(func(o *app.Options) { o.DataCenter = "cn1" }))
		for _, tc := range []struct {
			name    string
			on      *apitest.App
			signURL string
			code    float64
			details string
		}{
			{"us1 by default", e, "https://accounts.us1.gigya.com/" + getAccountInfo, 0, ""},
			{"eu1 on a us1 server", e, "https://accounts.eu1.gigya.com/" + getAccountInfo, 403003, badSig},
			{"eu1", eu, "https://accounts.eu1.gigya.com/" + getAccountInfo, 0, ""},
			{"us1 on an eu1 server", eu, "https://accounts.us1.gigya.com/" + getAccountInfo, 403003, badSig},
			{"cn1", cn, "https://accounts.cn1.gigya-api.cn/" + getAccountInfo, 0, ""},
			{"http scheme of the canonical URL", e, "http://accounts.us1.gigya.com/" + getAccountInfo, 403003, badSig},
		} {
			t.Run(tc.name, func(t *testing.T) {
				m := send(t, tc.on, getAccountInfo, signed(e.Site.Secret, "POST", tc.signURL, sdkForm(e.Site.APIKey, apitest.Now, "UID", annUID)), nil)
				expectAuth(t, m, tc.code, tc.details)
			})
		}
	})
}

// ------------------------------------------------------ application keys

// createKey creates an application key of siteID, failing the test when
// it cannot.
func createKey(t *testing.T, e *apitest.App, siteID int64, name string, scopes []string, publicKey string) site.AppKey {
	t.Helper()
	k, err := e.App.Sites.CreateKey(context.Background(), siteID, name, scopes, publicKey)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// secondSite creates a second site, for keys and tokens of another site.
func secondSite(t *testing.T, e *apitest.App) site.Site {
	t.Helper()
	st, err := e.App.Sites.Create(context.Background(), "second", nil)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// inClear is the form of a call with the userKey of k and secret in clear.
func inClear(k site.AppKey, secret string, kv ...string) func() url.Values {
	return func() url.Values {
		f := apitest.Form(kv...)
		f.Set("userKey", k.UserKey)
		f.Set("secret", secret)
		return f
	}
}

// keySigned is the form of a call to method with the userKey of k, signed
// with secret.
func keySigned(e *apitest.App, k site.AppKey, secret []byte, method string, kv ...string) func() url.Values {
	return func() url.Values {
		return signed(secret, "POST", receivedURL(e, method), sdkForm(e.Site.APIKey, apitest.Now, append([]string{"userKey", k.UserKey}, kv...)...))
	}
}

func TestAuthAppKeys(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		ctx := context.Background()
		backend := createKey(t, e, e.Site.ID, "backend", []string{"accounts.getAccountInfo"}, "")
		ns := createKey(t, e, e.Site.ID, "namespace", []string{"accounts.*"}, "")
		all := createKey(t, e, e.Site.ID, "everything", nil, "")
		foreign := createKey(t, e, secondSite(t, e).ID, "foreign", nil, "")
		doomed := createKey(t, e, e.Site.ID, "doomed", nil, "")
		victim1, _ := register(t, e, "victim1@example.com", "pass-word-1")
		victim2, _ := register(t, e, "victim2@example.com", "pass-word-1")
		sig := func(k site.AppKey, secret []byte, method string, kv ...string) func() url.Values {
			return keySigned(e, k, secret, method, kv...)
		}
		wrong := base64.StdEncoding.EncodeToString(make([]byte, len(backend.Secret)))
		unknown := site.AppKey{UserKey: "AKunknownunknownunknownun"}
		runAuth(t, e, []authCase{
			{name: "userKey and secret in clear", form: inClear(backend, backend.SecretBase64(), "UID", annUID), code: 0,
				want: annView, absent: noUIDSig},
			{name: "wrong secret", form: inClear(backend, wrong, "UID", annUID), code: 403010, details: wrongSecret, absent: []string{"UID"}},
			{name: "the site secret with a userKey", form: inClear(backend, e.Site.SecretBase64(), "UID", annUID), code: 403010,
				details: wrongSecret},
			{name: "another key's secret", form: inClear(backend, ns.SecretBase64(), "UID", annUID), code: 403010, details: wrongSecret},
			{name: "signed with the key's secret", form: sig(backend, backend.Secret, getAccountInfo, "UID", annUID), code: 0,
				want: annView, absent: noUIDSig},
			{name: "signed with the key's secret, canonical URL", form: func() url.Values {
				return signed(backend.Secret, "POST", gigyaURL(getAccountInfo),
					sdkForm(e.Site.APIKey, apitest.Now, "userKey", backend.UserKey, "UID", annUID))
			}, code: 0, want: annView},
			{name: "signed with the site secret, with a userKey", form: sig(backend, e.Site.Secret, getAccountInfo, "UID", annUID),
				code: 403003, details: badSig},
			{name: "signed with the key's secret, without the userKey", form: func() url.Values {
				return signed(backend.Secret, "POST", receivedURL(e, getAccountInfo), sdkForm(e.Site.APIKey, apitest.Now, "UID", annUID))
			}, code: 403003, details: badSig},
			{name: "userKey added after signing", form: func() url.Values {
				f := signed(backend.Secret, "POST", receivedURL(e, getAccountInfo), sdkForm(e.Site.APIKey, apitest.Now, "UID", annUID))
				f.Set("userKey", backend.UserKey)
				return f
			}, code: 403003, details: badSig},

			{name: "outside the scope, in clear", method: "accounts.deleteAccount",
				form: inClear(backend, backend.SecretBase64(), "UID", victim1), code: 403007, details: outOfScope("accounts.deleteAccount")},
			{name: "outside the scope, signed", method: "accounts.deleteAccount",
				form: sig(backend, backend.Secret, "accounts.deleteAccount", "UID", victim1), code: 403007,
				details: outOfScope("accounts.deleteAccount")},
			{name: "a client method outside the scope", method: "accounts.isAvailableLoginID",
				form: inClear(backend, backend.SecretBase64(), "loginID", "x@example.com"), code: 403007,
				details: outOfScope("accounts.isAvailableLoginID")},
			{name: "the victim is still there", form: func() url.Values { return e.Secret("UID", victim1) }, code: 0},
			{name: "accounts.* allows deleteAccount", method: "accounts.deleteAccount",
				form: inClear(ns, ns.SecretBase64(), "UID", victim1), code: 0},
			{name: "the deletion happened", form: func() url.Values { return e.Secret("UID", victim1) }, code: 403005,
				details: noUID(victim1)},
			{name: "accounts.* allows deleteAccount, signed", method: "accounts.deleteAccount",
				form: sig(ns, ns.Secret, "accounts.deleteAccount", "UID", victim2), code: 0},
			{name: "accounts.* allows getAccountInfo", form: inClear(ns, ns.SecretBase64(), "UID", annUID), code: 0, want: annView},
			{name: "a key without scopes allows every method", method: "accounts.getPolicies",
				form: inClear(all, all.SecretBase64(), "sections", "passwordReset"), code: 0},

			{name: "a key of another site, in clear", form: inClear(foreign, foreign.SecretBase64(), "UID", annUID), code: 403010,
				details: badUserKey},
			{name: "a key of another site, signed", form: sig(foreign, foreign.Secret, getAccountInfo, "UID", annUID), code: 403010,
				details: badUserKey},
			{name: "the site secret with an unknown userKey", form: inClear(unknown, e.Site.SecretBase64(), "UID", annUID), code: 403010,
				details: badUserKey},
			{name: "signed with the site secret, unknown userKey", form: sig(unknown, e.Site.Secret, getAccountInfo, "UID", annUID),
				code: 403010, details: badUserKey},
			{name: "an oversized userKey", form: inClear(site.AppKey{UserKey: strings.Repeat("K", 65)}, e.Site.SecretBase64(), "UID", annUID),
				code: 403010, details: badUserKey},

			{name: "a key before its revocation", form: inClear(doomed, doomed.SecretBase64(), "UID", annUID), code: 0},
			{name: "revoke", form: func() url.Values {
				if err := e.App.Sites.RevokeKey(ctx, e.Site.ID, doomed.UserKey); err != nil {
					t.Errorf("revoke: %v", err)
				}
				return apitest.Form("loginID", "x@example.com")
			}, method: "accounts.isAvailableLoginID", code: 0},
			{name: "a revoked key, in clear", form: inClear(doomed, doomed.SecretBase64(), "UID", annUID), code: 403010, details: badUserKey},
			{name: "a revoked key, signed", form: sig(doomed, doomed.Secret, getAccountInfo, "UID", annUID), code: 403010, details: badUserKey},
		})
	})
}

// Another process stops accepting a revoked key within its cache TTL; with
// the cache off, at once.
func TestAuthAppKeyRevocationAcrossInstances(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e := apitest.NewApp(t, engine)
			clock := apitest.NewClock()
			cached := instance(t, e.DB, e.Site, clock.Now)
			uncached := instance(t, e.DB, e.Site, func() time.Time { return apitest.Now }, apitest.WithOptions(func(o *app.Options) { o.SiteCacheTTL = -1 }))
			key, err := e.App.Sites.CreateKey(ctx, e.Site.ID, "backend", []string{getAccountInfo}, "")
			if err != nil {
				t.Fatal(err)
			}
			call := func(t *testing.T, on *apitest.App, at time.Time, code float64, details string) {
				t.Helper()
				form := signed(key.Secret, "POST", gigyaURL(getAccountInfo),
					sdkForm(e.Site.APIKey, at, "userKey", key.UserKey, "UID", annUID))
				_, m := on.RPC(t, getAccountInfo, form, nil)
				expectAuth(t, m, code, details)
			}
			call(t, e, apitest.Now, 0, "")
			call(t, cached, clock.Now(), 0, "")
			call(t, uncached, apitest.Now, 0, "")
			if err := e.App.Sites.RevokeKey(ctx, e.Site.ID, key.UserKey); err != nil {
				t.Fatal(err)
			}
			call(t, e, apitest.Now, 403010, badUserKey)        // the revoking process forgets it at once
			call(t, uncached, apitest.Now, 403010, badUserKey) // no cache
			call(t, cached, clock.Now(), 0, "")                // cached for up to 5 s (documented)
			clock.Advance(5 * time.Second)
			call(t, cached, clock.Now(), 403010, badUserKey)
		})
	}
}

// -------------------------------------------------------- mobile sessions

// mobileLogin logs in with targetEnv=mobile and returns the session token
// and the decoded session secret.
func mobileLogin(t *testing.T, e *apitest.App, loginID, pw string) (string, []byte) {
	t.Helper()
	r, m := e.RPC(t, "accounts.login", apitest.Form("loginID", loginID, "password", pw, "targetEnv", "mobile"), nil)
	apitest.CheckEnvelope(t, r, m, apitest.Now)
	expectAuth(t, m, 0, "")
	si := apitest.Object(t, m, "sessionInfo")
	tok, _ := si["sessionToken"].(string)
	sec, _ := si["sessionSecret"].(string)
	if tok == "" || sec == "" || si["expires_in"] == nil {
		t.Fatalf("sessionInfo %s", apitest.Dump(si))
	}
	if _, ok := si["cookieValue"]; ok || sessionCookie(e, r) != nil {
		t.Errorf("a mobile session got a cookie: %s %q", apitest.Dump(si), r.Header.Values("Set-Cookie"))
	}
	return tok, b64(t, sec)
}

func TestAuthSessionSignature(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		uid, browser := register(t, e, "mobile@example.com", "pass-word-1")
		token, secret := mobileLogin(t, e, "mobile@example.com", "pass-word-1")
		other, otherSec := mobileLogin(t, e, "mobile@example.com", "pass-word-1")
		if token == other || string(secret) == string(otherSec) {
			t.Fatal("two mobile sessions share their token or secret")
		}
		sessSig := func(tok string, key []byte, signURL string, kv ...string) func() url.Values {
			return func() url.Values {
				return signed(key, "POST", signURL, sdkForm(e.Site.APIKey, apitest.Now, append([]string{"oauth_token", tok}, kv...)...))
			}
		}
		recv := receivedURL(e, getAccountInfo)
		mine := map[string]any{"UID": uid, "profile": map[string]any{"email": "mobile@example.com"}}
		signedForUser := func(t *testing.T, m map[string]any) { expectSigned(t, e, m, apitest.Now) }
		replay := sessSig(token, secret, recv)()
		st2, err := e.App.Sites.Create(context.Background(), "second", nil)
		if err != nil {
			t.Fatal(err)
		}
		runAuth(t, e, []authCase{
			{name: "signed with the session secret", form: func() url.Values { return replay }, code: 0, want: mine, check: signedForUser},
			{name: "replayed", form: func() url.Values { return replay }, code: 403004, details: dupNonce},
			{name: "as the Android SDK: canonical URL, its params", form: sessSig(token, secret, gigyaURL(getAccountInfo),
				"format", "json", "httpStatusCodes", "false", "sdk", "Android_6.2.1", "targetEnv", "mobile"),
				code: 0, want: mine, check: signedForUser},
			{name: "a client names no other UID", form: sessSig(token, secret, recv, "UID", annUID), code: 0,
				want: map[string]any{"UID": uid}},
			{name: "timestamp in milliseconds", form: sessSig(token, secret, recv, "timestamp", strconv.FormatInt(apitest.Now.UnixMilli(), 10)),
				code: 0, want: mine},
			{name: "wrong sig", form: func() url.Values {
				f := sessSig(token, secret, recv)()
				f.Set("sig", "AAAAAAAAAAAAAAAAAAAAAAAAAAA=")
				return f
			},
				code: 403003, details: badSig, absent: []string{"UID"}},
			{name: "signed with the site secret", form: sessSig(token, e.Site.Secret, recv), code: 403003, details: badSig},
			{name: "signed with another session's secret", form: sessSig(token, otherSec, recv), code: 403003, details: badSig},
			{name: "the base64 text of the secret as the key", form: sessSig(token, []byte(base64.StdEncoding.EncodeToString(secret)), recv),
				code: 403003, details: badSig},
			{name: "expired", form: sessSig(token, secret, recv, "timestamp", strconv.FormatInt(apitest.Now.Add(-121*time.Second).Unix(), 10)),
				code: 403002, details: expired(apitest.Now)},
			{name: "no timestamp", form: sessSig(token, secret, recv, "timestamp", omit), code: 400097, details: noTimestamp},
			{name: "no nonce", form: sessSig(token, secret, recv, "nonce", omit), code: 400002, details: missing("nonce")},
			{name: "a session is no server call", method: "accounts.deleteAccount",
				form: func() url.Values {
					return signed(secret, "POST", receivedURL(e, "accounts.deleteAccount"),
						sdkForm(e.Site.APIKey, apitest.Now, "oauth_token", token, "UID", annUID))
				}, code: 403007, details: serverOnly("accounts.deleteAccount")},
			{name: "a browser session cannot sign", form: sessSig(browser, e.Site.Secret, recv), code: 403001, details: browserSigns},
			{name: "an unknown token", form: sessSig("st1_nope", secret, recv), code: 403001, details: badToken},
			{name: "a token of another site", form: func() url.Values {
				return signed(secret, "POST", recv, sdkForm(st2.APIKey, apitest.Now, "oauth_token", token))
			}, code: 403001, details: badToken},

			{name: "Authorization: OAuth, unsigned", form: func() url.Values { return apitest.Form() },
				hdr: http.Header{"Authorization": {"OAuth " + token}}, code: 0, want: mine, check: signedForUser},
			{name: "Authorization: oauth, lower case", form: func() url.Values { return apitest.Form() },
				hdr: http.Header{"Authorization": {"oauth " + token}}, code: 0, want: mine},
			{name: "Authorization: OAuth, a browser session", form: func() url.Values { return apitest.Form() },
				hdr: http.Header{"Authorization": {"OAuth " + browser}}, code: 0, want: mine},
			{name: "Authorization: OAuth, unknown", form: func() url.Values { return apitest.Form() },
				hdr: http.Header{"Authorization": {"OAuth st1_nope"}}, code: 403001, details: badToken},
			{name: "oauth_token unsigned", form: func() url.Values { return apitest.Form("oauth_token", token) }, code: 0, want: mine},
			{name: "Authorization: OAuth is no server call", method: "accounts.deleteAccount", form: func() url.Values { return apitest.Form("UID", annUID) },
				hdr: http.Header{"Authorization": {"OAuth " + token}}, code: 403007, details: serverOnly("accounts.deleteAccount")},

			{name: "logout, signed with the session", method: "accounts.logout", form: sessSig(token, secret, receivedURL(e, "accounts.logout")),
				code: 0},
			{name: "after logout, signed", form: sessSig(token, secret, recv), code: 403001, details: badToken},
			{name: "after logout, Authorization: OAuth", form: func() url.Values { return apitest.Form() },
				hdr: http.Header{"Authorization": {"OAuth " + token}}, code: 403001, details: badToken},
			{name: "after logout, oauth_token", form: func() url.Values { return apitest.Form("oauth_token", token) }, code: 403001, details: badToken},
			{name: "the other mobile session lives on", form: sessSig(other, otherSec, recv), code: 0, want: mine},
			{name: "logout with Authorization: OAuth", method: "accounts.logout", form: func() url.Values { return apitest.Form() },
				hdr: http.Header{"Authorization": {"OAuth " + other}}, code: 0},
			{name: "that session ended too", form: sessSig(other, otherSec, recv), code: 403001, details: badToken},
		})
	})
}

// ------------------------------------------------------------ Bearer JWT

// mintJWT signs {"iat": iat, "jti": jti} with RS256 and header kid, as the
// SDKs make their Bearer tokens.
func mintJWT(t *testing.T, priv *rsa.PrivateKey, kid string, iat int64, jti string) string {
	t.Helper()
	return mintClaims(t, priv, kid, map[string]any{"iat": iat, "jti": jti})
}

func mintClaims(t *testing.T, priv *rsa.PrivateKey, kid string, claims map[string]any) string {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: priv},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", kid))
	if err != nil {
		t.Fatal(err)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	s, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// algNoneJWT is a JWT with alg none and the kid of key: it must never pass.
func algNoneJWT(key site.AppKey) string {
	return base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","kid":"`+key.UserKey+`"}`)) + "." +
		base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf(`{"iat":%d,"jti":"%s"}`, apitest.Now.Unix(), freshNonce()))) + "."
}

// hs256JWT is a JWT signed with HS256 and the key's secret as the HMAC key.
func hs256JWT(t *testing.T, key site.AppKey) string {
	t.Helper()
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: key.Secret},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", key.UserKey))
	if err != nil {
		t.Fatal(err)
	}
	jws, err := s.Sign([]byte(fmt.Sprintf(`{"iat":%d,"jti":"%s"}`, apitest.Now.Unix(), freshNonce())))
	if err != nil {
		t.Fatal(err)
	}
	c, _ := jws.CompactSerialize()
	return c
}

func TestAuthBearer(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		priv, stranger := rsaKeys(t)
		pub := publicPEM(t, &priv.PublicKey)
		key := createKey(t, e, e.Site.ID, "jwt", []string{"accounts.getAccountInfo"}, pub)
		noPublic := createKey(t, e, e.Site.ID, "nopub", nil, "")
		doomed := createKey(t, e, e.Site.ID, "doomed", nil, pub)
		if err := e.App.Sites.RevokeKey(context.Background(), e.Site.ID, doomed.UserKey); err != nil {
			t.Fatal(err)
		}
		foreign := createKey(t, e, secondSite(t, e).ID, "foreign", nil, pub)
		bearer := func(tok string) http.Header { return http.Header{"Authorization": {"Bearer " + tok}} }
		uid := func() url.Values { return apitest.Form("UID", annUID) }
		iat := func(d time.Duration) int64 { return apitest.Now.Add(d).Unix() }
		fresh := mintJWT(t, priv, key.UserKey, iat(0), freshNonce())
		jti := freshNonce()
		// A nonce of a signed request and a jti with the same text.
		shared := freshNonce()
		none, hs256 := algNoneJWT(key), hs256JWT(t, key)
		runAuth(t, e, []authCase{
			{name: "Bearer JWT", form: uid, hdr: bearer(fresh), code: 0, want: annView, absent: noUIDSig},
			{name: "the same JWT again", form: uid, hdr: bearer(fresh), code: 403004, details: dupNonce, absent: []string{"UID"}},
			{name: "a new JWT", form: uid, hdr: bearer(mintJWT(t, priv, key.UserKey, iat(0), jti)), code: 0, want: annView},
			{name: "another JWT with a used jti", form: uid, hdr: bearer(mintJWT(t, priv, key.UserKey, iat(-time.Second), jti)),
				code: 403004, details: dupNonce},
			{name: "scheme in lower case", form: uid, hdr: http.Header{"Authorization": {"bearer " + mintJWT(t, priv, key.UserKey, iat(0), freshNonce())}},
				code: 0},
			{name: "iat in milliseconds", form: uid, hdr: bearer(mintJWT(t, priv, key.UserKey, apitest.Now.UnixMilli(), freshNonce())), code: 0},
			{name: "iat 119 s old", form: uid, hdr: bearer(mintJWT(t, priv, key.UserKey, iat(-119*time.Second), freshNonce())), code: 0},
			{name: "iat 200 s old", form: uid, hdr: bearer(mintJWT(t, priv, key.UserKey, iat(-200*time.Second), freshNonce())),
				code: 403002, details: expired(apitest.Now)},
			{name: "iat 200 s ahead", form: uid, hdr: bearer(mintJWT(t, priv, key.UserKey, iat(200*time.Second), freshNonce())),
				code: 403002, details: expired(apitest.Now)},
			{name: "signed with another RSA key", form: uid, hdr: bearer(mintJWT(t, stranger, key.UserKey, iat(0), freshNonce())),
				code: 403003, details: jwtBadSig},
			{name: "a kid that is unknown", form: uid, hdr: bearer(mintJWT(t, priv, "AKnobodyknowsthiskey00000", iat(0), freshNonce())),
				code: 403010, details: badUserKey},
			{name: "no kid", form: uid, hdr: bearer(mintJWT(t, priv, "", iat(0), freshNonce())), code: 403010, details: badUserKey},
			{name: "a kid of another site", form: uid, hdr: bearer(mintJWT(t, priv, foreign.UserKey, iat(0), freshNonce())),
				code: 403010, details: badUserKey},
			{name: "a revoked key", form: uid, hdr: bearer(mintJWT(t, priv, doomed.UserKey, iat(0), freshNonce())),
				code: 403010, details: badUserKey},
			{name: "garbage", form: uid, hdr: bearer("garbage"), code: 403025, details: jwtNotRS256},
			{name: "empty", form: uid, hdr: http.Header{"Authorization": {"Bearer "}}, code: 403025, details: jwtNotRS256},
			{name: "alg none", form: uid, hdr: bearer(none), code: 403025, details: jwtNotRS256},
			{name: "HS256 with the key's secret", form: uid, hdr: bearer(hs256), code: 403025, details: jwtNotRS256},
			{name: "a key without public key", form: uid, hdr: bearer(mintJWT(t, priv, noPublic.UserKey, iat(0), freshNonce())),
				code: 403025, details: jwtNoPublic},
			{name: "no jti", form: uid, hdr: bearer(mintClaims(t, priv, key.UserKey, map[string]any{"iat": iat(0)})),
				code: 403025, details: jwtClaims},
			// Without iat, the same answer as without jti: the token lacks a
			// claim (there is no timestamp parameter to miss).
			{name: "no iat", form: uid, hdr: bearer(mintClaims(t, priv, key.UserKey, map[string]any{"jti": freshNonce()})),
				code: 403025, details: jwtClaims},
			{name: "iat not a number", form: uid, hdr: bearer(mintClaims(t, priv, key.UserKey, map[string]any{"iat": "soon", "jti": freshNonce()})),
				code: 403025, details: jwtClaims},
			{name: "outside the key's scope", method: "accounts.deleteAccount", form: uid,
				hdr: bearer(mintJWT(t, priv, key.UserKey, iat(0), freshNonce())), code: 403007, details: outOfScope("accounts.deleteAccount")},
			{name: "a signed request with a nonce", form: func() url.Values {
				return signed(e.Site.Secret, "POST", receivedURL(e, getAccountInfo), sdkForm(e.Site.APIKey, apitest.Now, "UID", annUID, "nonce", shared))
			}, code: 0},
			{name: "a JWT with that text as jti", form: uid, hdr: bearer(mintJWT(t, priv, key.UserKey, iat(0), shared)), code: 0},
			{name: "a Bearer JWT comes alone: not with a sig", form: func() url.Values { return apitest.Form("UID", annUID, "sig", "AAAA") },
				hdr: bearer(mintJWT(t, priv, key.UserKey, iat(0), freshNonce())), code: 400001,
				details: "Invalid request format: a Bearer token comes alone, without sig, secret or userKey"},
		})
	})
}

// ---------------------------------------------------------- Date header

// SDKs correct their clock with the Date header after a 403002: every
// response carries it, success or failure, in every dialect.
func TestAuthDateHeader(t *testing.T) {
	t.Parallel()
	e := apitest.NewApp(t, store.SQLite)
	form := func(kv ...string) string { return sdkForm(e.Site.APIKey, apitest.Now, kv...).Encode() }
	post := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	for _, tc := range []struct {
		name, method, path, body string
		hdr                      http.Header
	}{
		{"success", "GET", "/accounts.isAvailableLoginID?apiKey=" + e.Site.APIKey + "&loginID=x", "", nil},
		{"403002", "POST", "/" + getAccountInfo, form("UID", annUID, "timestamp", "1", "sig", "AAAA"), post},
		{"403003", "POST", "/" + getAccountInfo, form("UID", annUID, "sig", "AAAA"), post},
		{"400097", "POST", "/" + getAccountInfo, form("timestamp", omit, "sig", "AAAA"), post},
		{"jsonp", "GET", "/accounts.isAvailableLoginID?format=jsonp&callback=cb&apiKey=" + e.Site.APIKey, "", nil},
		{"httpStatusCodes", "POST", "/" + getAccountInfo, form("sig", "AAAA", "httpStatusCodes", "true"), post},
		{"unknown method", "GET", "/accounts.nothing", "", nil},
		{"REST 401", "GET", rest.Prefix + "/users/find_by?username=x", "", nil},
		{"health", "GET", "/healthz", "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var r apitest.Response
			if tc.body != "" {
				r = e.Do(t, tc.method, tc.path, strings.NewReader(tc.body), tc.hdr)
			} else {
				r = e.Do(t, tc.method, tc.path, nil, tc.hdr)
			}
			d := r.Header.Get("Date")
			if _, err := http.ParseTime(d); err != nil {
				t.Errorf("Date %q (HTTP %d): %v", d, r.Status, err)
			}
		})
	}
}

// rsaKeys are two fixed RSA keys of apitest: no test generates keys.
func rsaKeys(t *testing.T) (*rsa.PrivateKey, *rsa.PrivateKey) { return apitest.ClientKeys(t) }

func publicPEM(t *testing.T, pub *rsa.PublicKey) string { return apitest.PublicPEM(t, pub) }
