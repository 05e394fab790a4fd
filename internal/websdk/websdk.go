// Package websdk serves custos's Web SDK, the browser side of the RPC
// dialect: GET /js/gigya.js?apikey=… (and the same bundle as
// /js/socialize.js), the script a site written for Gigya's Web SDK loads.
//
// The bundle is one function the handler assembles from embedded files:
//
//	(() => { 'use strict'; const SITE = <prelude>; <js/core.js> <js/screenset.js> custosStart(); })();
//
// The prelude tells the SDK its site: apiKey, siteName, origin (where calls
// go), config (the site's Web SDK configuration over the defaults),
// screenSetScripts and version. An unknown apiKey still gets the bundle,
// with an empty configuration and a console warning: its calls then get the
// server's own answer for the key. docs/web-sdk.md describes the SDK.
package websdk

import (
	"bytes"
	"compress/flate"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"hash/crc32"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/custos-id/custos/internal/weburl"
)

// Paths of the bundle.
const (
	GigyaPath     = "/js/gigya.js"
	SocializePath = "/js/socialize.js"
)

// MaxAPIKeyLen bounds the apikey of the script URL.
const MaxAPIKeyLen = 128

// DefaultRegScreenSet is the screen-set the SDK opens on an interruption
// (pending registration, verification or password change) unless the
// site's configuration names another.
const DefaultRegScreenSet = "Default-RegistrationLogin"

// cacheControl lets browsers and proxies keep a bundle briefly: a site's
// configuration change shows within minutes, and the ETag makes the next
// check cheap.
const cacheControl = "public, max-age=300"

//go:embed js/core.js js/screenset.js
var files embed.FS

// ErrUnknownSite is what a Lookup answers for an apiKey of no site.
var ErrUnknownSite = errors.New("websdk: unknown apiKey")

// Site is what the bundle tells the SDK about a site.
type Site struct {
	APIKey string
	Name   string
	// Config is the site's Web SDK configuration, a JSON object merged over
	// the SDK's defaults (nil: none).
	Config json.RawMessage
	// ScreenSetScripts lets stored screen-set JavaScript run (through
	// /js/screenset-hooks.js).
	ScreenSetScripts bool
	// Domains are the site's page domains; the bundle publishes only the
	// bases of its "*." entries (BaseDomains).
	Domains []string
	// SocialProviders are the names of the site's enabled social login
	// providers (docs/social.md), for gigya.accounts.socialLogin and the
	// screen-sets' social-login widget.
	SocialProviders []string
}

// Lookup resolves an apiKey: ErrUnknownSite when it names no site.
type Lookup func(ctx context.Context, apiKey string) (Site, error)

// Options configure the handler.
type Options struct {
	Sites Lookup
	// PublicURL is custos's public base URL: its origin is where the SDK
	// sends its calls.
	PublicURL string
	Log       *slog.Logger
}

// SDK serves the bundle.
type SDK struct {
	sites  Lookup
	origin string
	log    *slog.Logger
	// tail is the bundle after the prelude: core.js, screenset.js and the
	// end of the IIFE, the same for every site; deflatedTail is it
	// compressed once, at New, by a fresh compressor (so it refers to no
	// byte before it). A request deflates its small prelude only and
	// splices the two into one gzip member (gzipBundle): not two members,
	// which RFC 1952 allows but Chromium and curl read the first of only.
	tail, deflatedTail []byte
	// Version names the SDK build: it changes with the embedded code.
	Version string
}

// bundleHead opens the bundle; the prelude's JSON follows.
const bundleHead = "(() => {\n'use strict';\nconst SITE = "

// New returns the handler of the bundle.
func New(o Options) (*SDK, error) {
	u, err := url.Parse(o.PublicURL)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, errors.New("websdk: PublicURL must be an absolute URL")
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	var code bytes.Buffer
	for _, name := range []string{"js/core.js", "js/screenset.js"} {
		b, err := files.ReadFile(name)
		if err != nil {
			return nil, err
		}
		code.Write(b)
		code.WriteByte('\n')
	}
	sum := sha256.Sum256(code.Bytes())
	code.WriteString("custosStart();\n})();\n")
	return &SDK{sites: o.Sites, origin: weburl.Origin(o.PublicURL), log: o.Log, tail: code.Bytes(),
		deflatedTail: deflate(code.Bytes()), Version: "custos-" + hex.EncodeToString(sum[:6])}, nil
}

// Register adds the bundle's routes to mux.
func (s *SDK) Register(mux *http.ServeMux) {
	mux.Handle("GET "+GigyaPath, s)
	mux.Handle("GET "+SocializePath, s)
}

// prelude is the SITE constant of the bundle.
type prelude struct {
	APIKey           string          `json:"apiKey"`
	SiteName         string          `json:"siteName"`
	Origin           string          `json:"origin"`
	Config           json.RawMessage `json:"config"`
	SocialProviders  []string        `json:"socialProviders,omitempty"`
	ScreenSetScripts bool            `json:"screenSetScripts"`
	// BaseDomains are the bases of the site's "*." domains: the SDK writes
	// glt_ on the one that holds the page's host, as Gigya writes it on the
	// site's base domain, so a site's other hosts see the session too.
	BaseDomains []string `json:"baseDomains,omitempty"`
	Version     string   `json:"version"`
	// Warning is logged to the console when the SDK starts.
	Warning string `json:"warning,omitempty"`
}

func (s *SDK) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	apiKey := weburl.QueryFold(r.URL.RawQuery, "apikey")
	p := prelude{APIKey: apiKey, Origin: s.origin, Config: json.RawMessage("{}"), Version: s.Version}
	switch {
	case apiKey == "":
		p.Warning = "custos: the script URL has no apikey parameter: calls will fail"
	case len(apiKey) > MaxAPIKeyLen:
		p.APIKey = ""
		p.Warning = "custos: the script URL's apikey is too long to be an API key: calls will fail"
	case !apiKeyChars(apiKey):
		// The SDK names its cookie glt_<apiKey>: a ';' or '=' there would
		// write cookie attributes of the page's choosing.
		p.APIKey = ""
		p.Warning = "custos: the script URL's apikey has characters no API key has: calls will fail"
	default:
		st, err := s.sites(r.Context(), apiKey)
		switch {
		case errors.Is(err, ErrUnknownSite):
			p.Warning = "custos: the script URL's apikey names no site: calls will fail"
		case err != nil:
			s.log.Error("websdk: site lookup", "err", err)
			w.Header().Set("Cache-Control", "no-store")
			http.Error(w, "/* custos: the Web SDK is unavailable, try again */", http.StatusServiceUnavailable)
			return
		default:
			p.SiteName, p.ScreenSetScripts, p.SocialProviders = st.Name, st.ScreenSetScripts, st.SocialProviders
			for _, d := range st.Domains {
				if base, ok := strings.CutPrefix(d, "*."); ok {
					p.BaseDomains = append(p.BaseDomains, base)
				}
			}
			if p.Config, err = siteConfig(st.Config); err != nil {
				s.log.Error("websdk: site config", "apiKey", apiKey, "err", err)
				p.Config = json.RawMessage(`{"defaultRegScreenSet":"` + DefaultRegScreenSet + `"}`)
			}
		}
	}
	head, err := s.head(p)
	if err != nil {
		s.log.Error("websdk: bundle", "err", err)
		http.Error(w, "/* custos: the Web SDK is unavailable */", http.StatusInternalServerError)
		return
	}
	// The tail is the build's (Version hashes it): the ETag is the
	// prelude's and the build's.
	sum := sha256.Sum256(append([]byte(s.Version+"\n"), head...))
	etag := `"` + hex.EncodeToString(sum[:12]) + `"`
	h := w.Header()
	h.Set("Content-Type", "text/javascript; charset=utf-8")
	h.Set("Cache-Control", cacheControl)
	h.Set("ETag", etag)
	h.Add("Vary", "Accept-Encoding")
	h.Set("X-Content-Type-Options", "nosniff")
	// Any page may load the script, as any page may load Gigya's.
	h.Set("Cross-Origin-Resource-Policy", "cross-origin")
	if etagMatches(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	tail := s.tail
	if acceptsGzip(r.Header.Get("Accept-Encoding")) {
		head, tail = s.gzipBundle(head)
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("Content-Length", strconv.Itoa(len(head)+len(tail)))
	_, _ = w.Write(head)
	_, _ = w.Write(tail)
}

// head is the bundle up to the code: the IIFE's opening and the SITE
// constant of p.
func (s *SDK) head(p prelude) ([]byte, error) {
	pre, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	return append(append([]byte(bundleHead), pre...), ";\n"...), nil
}

// apiKeyChars tells whether k has only the characters of API keys:
// letters, digits, '_' and '-'.
func apiKeyChars(k string) bool {
	for i := range len(k) {
		if c := k[i]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// siteConfig is the SDK's configuration for a site: its own Web SDK
// configuration over the defaults.
func siteConfig(raw json.RawMessage) (json.RawMessage, error) {
	conf := map[string]json.RawMessage{}
	if len(bytes.TrimSpace(raw)) > 0 {
		if err := json.Unmarshal(raw, &conf); err != nil {
			return nil, err
		}
		if conf == nil { // "null"
			conf = map[string]json.RawMessage{}
		}
	}
	if _, ok := conf["defaultRegScreenSet"]; !ok {
		conf["defaultRegScreenSet"] = json.RawMessage(`"` + DefaultRegScreenSet + `"`)
	}
	return json.Marshal(conf)
}

// deflate is b compressed as a complete raw DEFLATE stream (RFC 1951).
func deflate(b []byte) []byte {
	var out bytes.Buffer
	fw, _ := flate.NewWriter(&out, flate.BestCompression) // a valid level never fails
	_, _ = fw.Write(b)
	_ = fw.Close()
	return out.Bytes()
}

// gzipBundle is the bundle of head as one gzip member (RFC 1952), in two
// parts: the header and head's DEFLATE blocks, sync-flushed so that they
// end on a byte boundary and are not final; then the tail's blocks (the
// last one final) and the trailer, the CRC-32 and length of head and tail.
func (s *SDK) gzipBundle(head []byte) (start, end []byte) {
	var b bytes.Buffer
	b.Write([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255}) // deflate, no flags, no mtime, unknown OS
	fw, _ := flate.NewWriter(&b, flate.DefaultCompression)
	_, _ = fw.Write(head)
	_ = fw.Flush()
	crc := crc32.Update(crc32.ChecksumIEEE(head), crc32.IEEETable, s.tail)
	end = make([]byte, 0, len(s.deflatedTail)+8)
	end = append(end, s.deflatedTail...)
	end = binary.LittleEndian.AppendUint32(end, crc)
	end = binary.LittleEndian.AppendUint32(end, uint32(len(head)+len(s.tail)))
	return b.Bytes(), end
}

// acceptsGzip tells whether an Accept-Encoding value allows gzip.
func acceptsGzip(header string) bool {
	for part := range strings.SplitSeq(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(name), "gzip") && strings.TrimSpace(name) != "*" {
			continue
		}
		q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
		return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
	}
	return false
}

// etagMatches tells whether an If-None-Match value names etag.
func etagMatches(header, etag string) bool {
	for part := range strings.SplitSeq(header, ",") {
		part = strings.TrimPrefix(strings.TrimSpace(part), "W/")
		if part == etag || part == "*" {
			return true
		}
	}
	return false
}
