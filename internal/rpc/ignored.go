package rpc

import (
	"cmp"
	"net/url"
	"slices"
	"strings"

	"github.com/custos-id/custos/errcode"
)

// controlParams are the parameters any call may carry besides its method's
// own: never reported as ignored, and never taken for a policy section by
// setPolicies.
var controlParams = []string{
	// Credentials and output options, read by the adapter.
	"apiKey", "secret", "userKey", "timestamp", "nonce", "sig", "oauth_token", "login_token",
	"format", "callback", "context", "httpStatusCodes",
	// What the SDKs add to every call: the server SDKs sdk; the mobile ones
	// gmid, ucid and targetEnv; the web SDK the rest (APIKey, with its
	// casing, beside an Authorization header; dataFormat is the caller's
	// renamed format). Gigya documents lang and cid for most methods.
	"sdk", "sdkBuild", "targetEnv", "lang", "cid", "pageURL", "authMode", "loginTokenExp",
	"gmid", "ucid", "gcid", "gmidTicket", "APIKey", "ctag", "source", "sourceData", "usePost", "refUID",
	"environment", "noAuth", "dataFormat", "riskContext",
}

// ignoredMessage is Gigya's text for a parameter it ignores.
const ignoredMessage = "This parameter was not recognized as valid for this API method with your security credentials " +
	"nor was it recognized as a standard Gigya control parameter."

// ignoredParam is an entry of the envelope's ignoredParams: a parameter the
// method does not take, answered as a warning rather than failing the call.
type ignoredParam struct {
	ParamName   string       `json:"paramName"`
	WarningCode errcode.Code `json:"warningCode"`
	Message     string       `json:"message"`
}

// ignored lists, sorted by name, the parameters of values that are neither
// control parameters nor among the method's. values holds at most
// maxParams names, so the list is bounded.
func (m registered) ignored(values url.Values) []ignoredParam {
	var out []ignoredParam
	for name := range values {
		if !m.known[name] && !(m.FoldCase && m.known[strings.ToLower(name)]) {
			out = append(out, ignoredParam{ParamName: name, WarningCode: errcode.PermissionDenied, Message: ignoredMessage})
		}
	}
	slices.SortFunc(out, func(a, b ignoredParam) int { return cmp.Compare(a.ParamName, b.ParamName) })
	return out
}

// knownParams is the set of names a method with params takes.
func knownParams(params []string) map[string]bool {
	known := make(map[string]bool, len(controlParams)+len(params))
	for _, p := range slices.Concat(controlParams, params) {
		known[p] = true
	}
	return known
}
