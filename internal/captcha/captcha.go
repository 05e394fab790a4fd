// Package captcha checks CAPTCHA answers with a siteverify endpoint, the
// protocol reCAPTCHA, hCaptcha and Cloudflare Turnstile share: a form POST of
// secret, response and remoteip, answered with JSON {"success": bool}.
package captcha

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Verifier checks answers with one siteverify endpoint.
type Verifier struct {
	url    string
	secret string
	client *http.Client
}

// New returns a Verifier for an absolute http(s) siteverify URL.
func New(verifyURL, secret string) (*Verifier, error) {
	u, err := url.Parse(verifyURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("captcha: %q is not an absolute http(s) URL", verifyURL)
	}
	if secret == "" {
		return nil, fmt.Errorf("captcha: the verifier needs its secret")
	}
	return &Verifier{url: verifyURL, secret: secret, client: &http.Client{Timeout: 10 * time.Second}}, nil
}

// Verify tells whether token is a solved CAPTCHA. An error means the
// verifier could not be asked, not that the answer is wrong.
func (v *Verifier) Verify(ctx context.Context, token, remoteIP string) (bool, error) {
	if token == "" || len(token) > 4096 {
		return false, nil
	}
	form := url.Values{"secret": {v.secret}, "response": {token}}
	if remoteIP != "" {
		form.Set("remoteip", remoteIP)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, v.url, strings.NewReader(form.Encode()))
	if err != nil {
		return false, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := v.client.Do(req)
	if err != nil {
		return false, fmt.Errorf("captcha: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return false, fmt.Errorf("captcha: verifier answered HTTP %d", res.StatusCode)
	}
	var out struct {
		Success bool `json:"success"`
	}
	if err := json.NewDecoder(io.LimitReader(res.Body, 64<<10)).Decode(&out); err != nil {
		return false, fmt.Errorf("captcha: verifier answer: %w", err)
	}
	return out.Success, nil
}
