package websdk_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/custos-id/custos/internal/apitest"
	"github.com/custos-id/custos/internal/store"
	"github.com/custos-id/custos/internal/websdk"
)

// gzipBudget is the most the gzipped bundle may weigh.
const gzipBudget = 40 << 10

// preludeRE finds the SITE constant of a bundle.
var preludeRE = regexp.MustCompile(`(?m)^const SITE = (\{.*\});$`)

type prelude struct {
	APIKey           string         `json:"apiKey"`
	SiteName         string         `json:"siteName"`
	Origin           string         `json:"origin"`
	Config           map[string]any `json:"config"`
	ScreenSetScripts bool           `json:"screenSetScripts"`
	Version          string         `json:"version"`
	Warning          string         `json:"warning"`
}

func get(t *testing.T, url string, header http.Header) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	// No transparent decompression: the test looks at what is sent.
	res, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, body
}

func parsePrelude(t *testing.T, body []byte) prelude {
	t.Helper()
	m := preludeRE.FindSubmatch(body)
	if m == nil {
		t.Fatalf("no SITE prelude in the bundle:\n%.300s", body)
	}
	var p prelude
	if err := json.Unmarshal(m[1], &p); err != nil {
		t.Fatalf("prelude %s: %v", m[1], err)
	}
	return p
}

func TestBundle(t *testing.T) {
	apitest.ForEachEngine(t, func(t *testing.T, a *apitest.App) {
		key := a.Site.APIKey
		tests := []struct {
			name, path  string
			wantKey     string
			wantSite    string
			wantWarning string
		}{
			{"gigya.js, apikey", "/js/gigya.js?apikey=" + key, key, "test", ""},
			{"apiKey camel case", "/js/gigya.js?apiKey=" + key + "&lang=de", key, "test", ""},
			{"APIKEY upper case", "/js/gigya.js?APIKEY=" + key, key, "test", ""},
			{"socialize.js", "/js/socialize.js?apikey=" + key, key, "test", ""},
			{"unknown key", "/js/gigya.js?apikey=3_nosuchkey", "3_nosuchkey", "", "names no site"},
			{"no key", "/js/gigya.js", "", "", "no apikey"},
			{"key too long", "/js/gigya.js?apikey=" + strings.Repeat("k", websdk.MaxAPIKeyLen+1), "", "", "too long"},
			// The SDK's cookie is glt_<apiKey>: no cookie syntax gets there.
			{"key with cookie syntax", "/js/gigya.js?apikey=3_a%3B%20domain%3Devil.example", "", "", "characters no API key has"},
			{"key with a space", "/js/gigya.js?apikey=3_a+b", "", "", "characters no API key has"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				res, body := get(t, a.Server.URL+tt.path, nil)
				if res.StatusCode != http.StatusOK {
					t.Fatalf("status %d: %s", res.StatusCode, body)
				}
				for k, want := range map[string]string{
					"Content-Type":  "text/javascript; charset=utf-8",
					"Cache-Control": "public, max-age=300",
				} {
					if got := res.Header.Get(k); got != want {
						t.Errorf("%s = %q, want %q", k, got, want)
					}
				}
				if res.Header.Get("ETag") == "" {
					t.Error("no ETag")
				}
				if !bytes.HasPrefix(body, []byte("(() => {\n'use strict';\nconst SITE = ")) ||
					!bytes.HasSuffix(body, []byte("custosStart();\n})();\n")) {
					t.Errorf("the bundle is not the one function:\n%.200s\n…\n%s", body, body[max(0, len(body)-100):])
				}
				p := parsePrelude(t, body)
				if p.APIKey != tt.wantKey || p.SiteName != tt.wantSite || p.Origin != apitest.PublicURL {
					t.Errorf("prelude apiKey %q site %q origin %q, want %q %q %q", p.APIKey, p.SiteName, p.Origin,
						tt.wantKey, tt.wantSite, apitest.PublicURL)
				}
				if !strings.Contains(p.Warning, tt.wantWarning) || (tt.wantWarning == "") != (p.Warning == "") {
					t.Errorf("warning %q, want one containing %q", p.Warning, tt.wantWarning)
				}
				if tt.wantSite != "" && p.Config["defaultRegScreenSet"] != websdk.DefaultRegScreenSet {
					t.Errorf("config %v: want defaultRegScreenSet %s", p.Config, websdk.DefaultRegScreenSet)
				}
				if !strings.HasPrefix(p.Version, "custos-") {
					t.Errorf("version %q", p.Version)
				}
			})
		}
	})
}

// TestBundleCaching: gzip when accepted (and its size reported against
// the budget), 304 for a known ETag.
func TestBundleCaching(t *testing.T) {
	apitest.ForEachEngine(t, func(t *testing.T, a *apitest.App) {
		url := a.Server.URL + "/js/gigya.js?apikey=" + a.Site.APIKey
		plainRes, plain := get(t, url, nil)
		if plainRes.Header.Get("Content-Encoding") != "" {
			t.Errorf("Content-Encoding %q without Accept-Encoding", plainRes.Header.Get("Content-Encoding"))
		}
		res, zipped := get(t, url, http.Header{"Accept-Encoding": {"br;q=1.0, gzip;q=0.8"}})
		if res.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(res.Header.Get("Vary"), "Accept-Encoding") {
			t.Fatalf("Content-Encoding %q, Vary %q: want gzip, Accept-Encoding", res.Header.Get("Content-Encoding"),
				res.Header.Get("Vary"))
		}
		zr, err := gzip.NewReader(bytes.NewReader(zipped))
		if err != nil {
			t.Fatal(err)
		}
		zr.Multistream(false) // one gzip member: browsers and curl read no more
		unzipped, err := io.ReadAll(zr)
		if err != nil || !bytes.Equal(unzipped, plain) {
			t.Fatalf("the gzipped bundle differs from the plain one (err %v)", err)
		}
		t.Logf("bundle: %d bytes, %d gzipped (budget %d)", len(plain), len(zipped), gzipBudget)
		if len(zipped) > gzipBudget {
			t.Errorf("the gzipped bundle is %d bytes, over the budget of %d", len(zipped), gzipBudget)
		}
		if res, _ := get(t, url, http.Header{"Accept-Encoding": {"gzip;q=0"}}); res.Header.Get("Content-Encoding") != "" {
			t.Errorf("gzip;q=0 got Content-Encoding %q", res.Header.Get("Content-Encoding"))
		}
		etag := plainRes.Header.Get("ETag")
		for _, inm := range []string{etag, "W/" + etag, `"other", ` + etag} {
			res, body := get(t, url, http.Header{"If-None-Match": {inm}})
			if res.StatusCode != http.StatusNotModified || len(body) != 0 {
				t.Errorf("If-None-Match %s: status %d, %d bytes; want 304, none", inm, res.StatusCode, len(body))
			}
		}
		if res, _ := get(t, url, http.Header{"If-None-Match": {`"other"`}}); res.StatusCode != http.StatusOK {
			t.Errorf("another ETag: status %d, want 200", res.StatusCode)
		}

		// Unknown keys: the prelude is compressed per request and the
		// code once, spliced into one gzip member; the ETag is the
		// prelude's, stable for one key and different for another.
		etags := map[string]string{}
		for _, key := range []string{"3_unknownA", "3_unknownB", "3_unknownA"} {
			u := a.Server.URL + "/js/gigya.js?apikey=" + key
			res, plain := get(t, u, nil)
			zres, zipped := get(t, u, http.Header{"Accept-Encoding": {"gzip"}})
			zr, err := gzip.NewReader(bytes.NewReader(zipped))
			if err != nil {
				t.Fatal(err)
			}
			zr.Multistream(false)
			unzipped, err := io.ReadAll(zr)
			if err != nil || !bytes.Equal(unzipped, plain) || zres.Header.Get("Content-Length") != strconv.Itoa(len(zipped)) {
				t.Fatalf("%s: the gzipped bundle differs from the plain one (err %v)", key, err)
			}
			if e := res.Header.Get("ETag"); e != zres.Header.Get("ETag") || etags[key] != "" && etags[key] != e {
				t.Errorf("%s: ETag %q, gzipped %q, before %q", key, e, zres.Header.Get("ETag"), etags[key])
			} else {
				etags[key] = e
			}
		}
		if etags["3_unknownA"] == etags["3_unknownB"] || etags["3_unknownA"] == etag {
			t.Errorf("two keys share an ETag: %v, %s", etags, etag)
		}
	})
}

// TestBundleParses checks the bundle is valid JavaScript with node --check
// (skipped without node).
func TestBundleParses(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed")
	}
	a := apitest.NewApp(t, store.SQLite)
	_, body := get(t, a.Server.URL+"/js/gigya.js?apikey="+a.Site.APIKey, nil)
	f := filepath.Join(t.TempDir(), "gigya.js")
	if err := os.WriteFile(f, body, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(node, "--check", f).CombinedOutput(); err != nil {
		t.Fatalf("node --check: %v\n%s", err, out)
	}
}
