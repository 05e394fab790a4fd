package authn

import (
	"encoding/base64"
	"net/url"
	"testing"
	"time"
)

// The test vectors of gigya-api.md §2.3 (Java SDK's SigUtilsTest, and one
// computed with the Python SDK) and §2.5.
func TestVectors(t *testing.T) {
	javaSecret := base64.StdEncoding.EncodeToString([]byte("test-consumer-secret&test-token-secret"))
	javaParams := url.Values{"oauth_consumer_key": {"test-consumer-secret"}, "oauth_token": {"test-token-secret"},
		"oauth_signature_method": {"HMAC-SHA1"}, "oauth_timestamp": {"1191242096"}, "oauth_nonce": {"kllo9940pd9333jh"},
		"oauth_version": {"1.0"}, "file": {"vacation.jpg"}, "size": {"original"}}
	pySecret := "bXktdGVzdC1wYXJ0bmVyLXNlY3JldC0zMi1ieXRlcyE="
	pyParams := url.Values{"UID": {"abc123"}, "apiKey": {"3_testApiKey"}, "format": {"json"}, "httpStatusCodes": {"false"},
		"include": {"profile,data"}, "nonce": {"1700000000000_12345"}, "timestamp": {"1700000000"}}
	tests := []struct {
		name, secret, url string
		params            url.Values
		base, sig         string
	}{
		{"java", javaSecret, "http://photos.example.net/photos", javaParams,
			"POST&http%3A%2F%2Fphotos.example.net%2Fphotos&file%3Dvacation.jpg%26oauth_consumer_key%3Dtest-consumer-secret%26oauth_nonce%3Dkllo9940pd9333jh%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1191242096%26oauth_token%3Dtest-token-secret%26oauth_version%3D1.0%26size%3Doriginal",
			"j4/Jwtp11HLWl7KG3QlsczfRRpU="},
		{"python", pySecret, "https://accounts.us1.gigya.com/accounts.getAccountInfo", pyParams,
			"POST&https%3A%2F%2Faccounts.us1.gigya.com%2Faccounts.getAccountInfo&UID%3Dabc123%26apiKey%3D3_testApiKey%26format%3Djson%26httpStatusCodes%3Dfalse%26include%3Dprofile%252Cdata%26nonce%3D1700000000000_12345%26timestamp%3D1700000000",
			"vWRC16jF5HVSQxpcvuoVOPV2qZk="},
	}
	for _, tc := range tests {
		key, _ := base64.StdEncoding.DecodeString(tc.secret)
		if got := BaseString("POST", tc.url, tc.params); got != tc.base {
			t.Errorf("%s: base\n got %s\nwant %s", tc.name, got, tc.base)
		}
		if got := Sign(key, "post", tc.url, tc.params); got != tc.sig {
			t.Errorf("%s: sig %s, want %s", tc.name, got, tc.sig)
		}
		if !Matches(key, tc.sig, "POST", []string{"https://other.example/x", tc.url}, tc.params) {
			t.Errorf("%s: Matches refused the right signature", tc.name)
		}
	}
	key, _ := base64.StdEncoding.DecodeString(pySecret)
	if got := UIDSignature(key, "1700000000", "abc123"); got != "eTM8990iP64hcUq1b85AyHyIAXg=" {
		t.Errorf("UIDSignature = %s", got)
	}
	// The Java test expects the port in the URL when it is not the default.
	if u := NormalizeURL("HTTP", "Photos.Example.net", "8080", "/photos"); u != "http://photos.example.net:8080/photos" {
		t.Errorf("NormalizeURL = %s", u)
	}
	if u := NormalizeURL("https", "h", "443", "/p"); u != "https://h/p" {
		t.Errorf("NormalizeURL default port = %s", u)
	}
}

func TestMatchesRefuses(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	p := url.Values{"apiKey": {"k"}, "nonce": {"n"}, "timestamp": {"1"}, "flag": {"false"}}
	sig := Sign(key, "POST", "https://h/a.b", p)
	tampered := url.Values{"apiKey": {"k"}, "nonce": {"n"}, "timestamp": {"2"}, "flag": {"false"}}
	for name, ok := range map[string]bool{
		"right":        Matches(key, sig, "POST", []string{"https://h/a.b"}, p),
		"other method": Matches(key, sig, "GET", []string{"https://h/a.b"}, p),
		"other url":    Matches(key, sig, "POST", []string{"https://h/a.c"}, p),
		"other param":  Matches(key, sig, "POST", []string{"https://h/a.b"}, tampered),
		"other key":    Matches([]byte("x"), sig, "POST", []string{"https://h/a.b"}, p),
		"not base64":   Matches(key, "!!", "POST", []string{"https://h/a.b"}, p),
		"short":        Matches(key, "AAAA", "POST", []string{"https://h/a.b"}, p),
		"no urls":      Matches(key, sig, "POST", nil, p),
	} {
		if ok != (name == "right") {
			t.Errorf("%s: Matches = %v", name, ok)
		}
	}
	// The Node.js SDK signs false and 0 as empty strings.
	node := Sign(key, "POST", "https://h/a.b", url.Values{"apiKey": {"k"}, "nonce": {"n"}, "timestamp": {"1"}, "flag": {""}})
	if !Matches(key, node, "POST", []string{"https://h/a.b"}, p) {
		t.Error("Node.js SDK signature of a false value refused")
	}
}

func TestParseTimestamp(t *testing.T) {
	for s, want := range map[string]time.Time{
		"1700000000":    time.Unix(1700000000, 0),
		"1700000000123": time.UnixMilli(1700000000123),
	} {
		if got, ok := ParseTimestamp(s); !ok || !got.Equal(want) {
			t.Errorf("ParseTimestamp(%s) = %v, %v", s, got, ok)
		}
	}
	for _, s := range []string{"", "abc", "-5", "0", "1.5", "99999999999999999999"} {
		if _, ok := ParseTimestamp(s); ok {
			t.Errorf("ParseTimestamp(%q) accepted", s)
		}
	}
}

// FuzzSignature: parsing and matching never panic, and a signature made by
// Sign always matches.
func FuzzSignature(f *testing.F) {
	f.Add("apiKey=k&nonce=n&timestamp=1700000000", "j4/Jwtp11HLWl7KG3QlsczfRRpU=", "https://h/a.b")
	f.Add("a=%00&b=%FF%FE&flag=false", "", "http://x:8080/y")
	f.Fuzz(func(t *testing.T, query, sig, u string) {
		p, err := url.ParseQuery(query)
		if err != nil {
			return
		}
		key := []byte("fuzz-key")
		Matches(key, sig, "POST", []string{u}, p)
		ParseTimestamp(sig)
		if !Matches(key, Sign(key, "POST", u, p), "POST", []string{u}, p) {
			t.Fatalf("own signature refused: %q %q", query, u)
		}
	})
}
