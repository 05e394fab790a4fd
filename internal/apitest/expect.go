package apitest

import (
	"testing"
)

// CodeInfo is what the RPC envelope carries with an errorCode.
type CodeInfo struct {
	Status  float64
	Reason  string
	Message string
}

// Codes are the codes the tests meet, as the catalog should give them
// (written out here rather than read from errcode, so that a change of the
// catalog shows).
var Codes = map[float64]CodeInfo{
	0:      {200, "OK", ""},
	100001: {100, "Continue", "Data pending"},
	200001: {200, "OK", "Operation canceled"},
	200003: {200, "OK", "Permission not granted"},
	200009: {200, "OK", "Accounts linked"},
	206001: {206, "Partial Content", "Account pending registration"},
	206002: {206, "Partial Content", "Account pending verification"},
	206003: {206, "Partial Content", "Account missing loginID"},
	400001: {400, "Bad Request", "Invalid request format"},
	400002: {400, "Bad Request", "Missing required parameter"},
	400003: {400, "Bad Request", "Unique identifier exists"},
	400015: {400, "Bad Request", "Code expired"},
	400004: {400, "Bad Request", "Invalid parameter format"},
	400006: {400, "Bad Request", "Invalid parameter value"},
	400008: {400, "Bad Request", "Invalid authentication header"},
	400011: {400, "Bad Request", "Invalid redirect URI"},
	400013: {400, "Bad Request", "Unsupported grant type"},
	400014: {400, "Bad Request", "Invalid grant"},
	400009: {400, "Bad Request", "Validation error"},
	400021: {400, "Bad Request", "CAPTCHA verification failed"},
	400092: {400, "Bad Request", "Missing required ApiKey parameter"},
	400093: {400, "Bad Request", "Invalid ApiKey parameter"},
	400096: {400, "Bad Request", "Not supported"},
	400099: {400, "Bad Request", "Invalid provider"},
	400100: {400, "Bad Request", "No providers"},
	400122: {400, "Bad Request", "Provider configuration error"},
	400097: {400, "Bad Request", "Missing required timestamp parameter"},
	400098: {400, "Bad Request", "Invalid timestamp parameter"},
	400120: {400, "Bad Request", "Invalid site domain"},
	401000: {401, "Unauthorized", "Invalid policy configuration"},
	401020: {401, "Unauthorized", "Login Failed Captcha Required"},
	401021: {401, "Unauthorized", "Login Failed Wrong Captcha"},
	401030: {401, "Unauthorized", "Old password used"},
	403001: {403, "Forbidden", "Invalid session token"},
	403002: {403, "Forbidden", "The difference between the request's timestamp and the server time is larger than 120 seconds. " +
		"Please check your server's time and timezone configuration."},
	403003: {403, "Forbidden", "Invalid request signature"},
	403004: {403, "Forbidden", "Duplicate nonce"},
	403025: {403, "Forbidden", "Invalid token"},
	403026: {403, "Forbidden", "Unauthorized access error"},
	403120: {403, "Forbidden", "Account Temporarily Locked Out"},
	403005: {403, "Forbidden", "Unauthorized user"},
	403006: {403, "Forbidden", "Secret Sent Over Http"},
	403007: {403, "Forbidden", "Permission denied"},
	403008: {403, "Forbidden", "Invalid OpenID Url"},
	403009: {403, "Forbidden", "Provider session expired"},
	403022: {403, "Forbidden", "Permission not requested"},
	403023: {403, "Forbidden", "No user permission"},
	403024: {403, "Forbidden", "Provider limit reached"},
	403046: {403, "Forbidden", "Default application configuration error"},
	403010: {403, "Forbidden", "Invalid Secret"},
	403011: {403, "Forbidden", "Session has expired"},
	403012: {403, "Forbidden", "No valid session"},
	403041: {403, "Forbidden", "Account disabled"},
	403042: {403, "Forbidden", "Invalid loginID"},
	403043: {403, "Forbidden", "Login identifier exists"},
	403044: {403, "Forbidden", "Underage user"},
	403047: {403, "Forbidden", "There is no user with that username or email"},
	403100: {403, "Forbidden", "Pending password change"},
	403200: {403, "Forbidden", "Redundant operation"},
	404000: {404, "Not Found", "Not found"},
	413001: {413, "Request Entity Too Large", "Request entity too large"},
	500001: {500, "Internal Server Error", "General Server Error"},
	500023: {500, "Internal Server Error", "Provider error"},
	500031: {500, "Internal Server Error", "No provider application"},
	501001: {501, "Not Implemented", "Invalid API method"},
}

// FieldErr is one entry of the validationErrors of an RPC answer.
type FieldErr struct {
	Code  float64
	Field string
	Msg   string
}

// ExpectRPC asserts the error of an RPC answer, whole: code with its
// catalog statusCode, statusReason and errorMessage, errorDetails exactly
// (none on success) and exactly the validationErrors given.
func ExpectRPC(t testing.TB, m map[string]any, code float64, details string, fields ...FieldErr) {
	t.Helper()
	info, ok := Codes[code]
	if !ok {
		t.Fatalf("apitest.Codes lacks code %v", code)
	}
	if m["errorCode"] != code {
		t.Errorf("errorCode %v, want %v: %s", m["errorCode"], code, Dump(m))
		return
	}
	if m["statusCode"] != info.Status || m["statusReason"] != info.Reason {
		t.Errorf("status %v %q, want %v %q", m["statusCode"], m["statusReason"], info.Status, info.Reason)
	}
	if code == 0 {
		ExpectAbsent(t, m, "errorMessage", "errorDetails", "validationErrors")
		return
	}
	if m["errorMessage"] != info.Message {
		t.Errorf("errorMessage %q, want %q", m["errorMessage"], info.Message)
	}
	if m["errorDetails"] != details {
		t.Errorf("errorDetails %q, want %q", m["errorDetails"], details)
	}
	var want []any
	for _, f := range fields {
		want = append(want, map[string]any{"errorCode": f.Code, "fieldName": f.Field, "message": f.Msg})
	}
	got, _ := m["validationErrors"].([]any)
	if !JSONEqual(got, want) {
		t.Errorf("validationErrors %s, want %s", Dump(got), Dump(want))
	}
}

// ExpectFields asserts some fields of m, compared as JSON.
func ExpectFields(t testing.TB, m map[string]any, want map[string]any) {
	t.Helper()
	for k, v := range want {
		if !JSONEqual(m[k], v) {
			t.Errorf("%s = %s, want %s", k, Dump(m[k]), Dump(v))
		}
	}
}

// ExpectAbsent asserts that m has none of keys.
func ExpectAbsent(t testing.TB, m map[string]any, keys ...string) {
	t.Helper()
	for _, k := range keys {
		if v, ok := m[k]; ok {
			t.Errorf("%s present (%s)", k, Dump(v))
		}
	}
}

// Object returns the JSON object m[k], failing the test when it is not one.
func Object(t testing.TB, m map[string]any, k string) map[string]any {
	t.Helper()
	o, ok := m[k].(map[string]any)
	if !ok {
		t.Fatalf("%s is not an object: %s", k, Dump(m))
	}
	return o
}

// Field is the validationErrors entry of code for field, with message msg.
func Field(code float64, field, msg string) FieldErr {
	return FieldErr{Code: code, Field: field, Msg: msg}
}
