package token

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// APIKeyPlaceholder is what an issuer template holds where each site's API
// key goes.
const APIKeyPlaceholder = "{apiKey}"

// GigyaIssuer is the template of Gigya's issuer. The Java SDK's JWT
// validation requires iss to be exactly https://fidm.gigya.com/jwt/<apiKey>/
// (GSAuthRequestUtils.verifyJwt in SAP/gigya-java-sdk).
const GigyaIssuer = "https://fidm.gigya.com/jwt/" + APIKeyPlaceholder + "/"

// DefaultIssuer is the issuer template of a server reached at publicURL:
// <publicURL>/jwt/{apiKey}/, the form of Gigya's.
func DefaultIssuer(publicURL string) string {
	return strings.TrimSuffix(publicURL, "/") + "/jwt/" + APIKeyPlaceholder + "/"
}

// Issuer is the iss claim of a site's tokens: template with the site's API
// key in place of {apiKey}.
func Issuer(template, apiKey string) string {
	return strings.ReplaceAll(template, APIKeyPlaceholder, apiKey)
}

// CheckIssuer checks an issuer template: an absolute http(s) URL without
// query or fragment, holding {apiKey} in its path. The API key must be in
// it: every site's tokens verify with the key set of accounts.getJWTPublicKey
// without apiKey, so the issuer is what tells one site's tokens from
// another's.
func CheckIssuer(template string) error {
	if !strings.Contains(template, APIKeyPlaceholder) {
		return fmt.Errorf("want a URL with %s, such as %s", APIKeyPlaceholder, GigyaIssuer)
	}
	// A sample key stands in for the placeholder; any brace left is a
	// misspelt placeholder ({apikey}) or stray text.
	const sample = "3_SampleKey"
	s := Issuer(template, sample)
	if strings.ContainsAny(s, "{}") {
		return fmt.Errorf("the only placeholder is %s", APIKeyPlaceholder)
	}
	u, err := url.Parse(s)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return errors.New("want an absolute http(s) URL")
	case u.RawQuery != "" || u.Fragment != "" || strings.ContainsAny(s, "?#"):
		return errors.New("want no query or fragment")
	case strings.Contains(u.Host, sample) || u.User != nil:
		return fmt.Errorf("%s goes in the path, not the host", APIKeyPlaceholder)
	}
	return nil
}
