package errcode_test

import (
	"bufio"
	"errors"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/custos-id/custos/errcode"
)

// norm collapses every run of white space (NBSP included) into one space.
func norm(s string) string { return strings.Join(strings.Fields(s), " ") }

func readLines(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return lines
}

var seedLine = regexp.MustCompile(`^(\d+) `)

// seedCodes returns the text after each code of the seed document, by code.
func seedCodes(t *testing.T) map[errcode.Code]string {
	t.Helper()
	codes := map[errcode.Code]string{}
	for _, l := range readLines(t, "testdata/gigya-response-codes-and-errors.txt") {
		m := seedLine.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		n, err := strconv.Atoi(m[1])
		if err != nil {
			t.Fatal(err)
		}
		if _, dup := codes[errcode.Code(n)]; dup {
			t.Fatalf("seed lists %d twice", n)
		}
		codes[errcode.Code(n)] = norm(l[len(m[0]):])
	}
	return codes
}

func TestSeedCodes(t *testing.T) {
	seed := seedCodes(t)
	if len(seed) != 108 {
		t.Fatalf("seed has %d codes, want 108", len(seed))
	}
	if _, ok := seed[errcode.OK]; !ok {
		t.Fatal("seed parse missed code 0")
	}
	for code, text := range seed {
		e, ok := errcode.Lookup(code)
		if !ok {
			t.Errorf("seed code %d not in catalog", code)
			continue
		}
		if e.Origin != errcode.Seed {
			t.Errorf("%d: origin %q, want %q", code, e.Origin, errcode.Seed)
		}
		if !strings.HasPrefix(text, e.Message) {
			t.Errorf("%d: seed text %q does not start with message %q", code, text, e.Message)
			continue
		}
		// Where the seed's code line has a description, the entry keeps it verbatim.
		if rest := strings.TrimSpace(text[len(e.Message):]); rest != "" && code != errcode.OK &&
			!strings.HasPrefix(e.Description, rest) {
			t.Errorf("%d: description %q does not start with the seed's %q", code, e.Description, rest)
		}
	}
	for _, e := range errcode.All() {
		if _, ok := seed[e.Code]; e.Origin == errcode.Seed && !ok {
			t.Errorf("%d: origin seed but not in the seed document", e.Code)
		}
	}
}

func TestSeedSpecialCases(t *testing.T) {
	tests := []struct {
		code        errcode.Code
		message     string
		description string
	}{
		{errcode.OK, "Success.", "The request succeeded."},
		{errcode.RequestExpired, "The difference between the request's timestamp and the server time is larger than 120 seconds. Please check your server's time and timezone configuration.", ""},
		{errcode.MissingRequiredTimestampParameter, "Missing required timestamp parameter", ""},
		{errcode.InvalidDataCenter, "Invalid data center", ""},
	}
	for _, tt := range tests {
		e, ok := errcode.Lookup(tt.code)
		if !ok {
			t.Fatalf("%d not in catalog", tt.code)
		}
		if e.Message != tt.message {
			t.Errorf("%d: message %q, want %q", tt.code, e.Message, tt.message)
		}
		if tt.description != "" && e.Description != tt.description {
			t.Errorf("%d: description %q, want %q", tt.code, e.Description, tt.description)
		}
	}
	// 403002's description joins its continuation lines.
	if e, _ := errcode.Lookup(errcode.RequestExpired); !strings.HasSuffix(e.Description, "Please refer to Signing requests for more details.") {
		t.Errorf("403002: description %q lacks its continuation lines", e.Description)
	}
	// 301001's bullets are joined into one readable string.
	if e, _ := errcode.Lookup(errcode.InvalidDataCenter); !strings.Contains(e.Description, "apiDomain - ") ||
		!strings.Contains(e.Description, "; location ") {
		t.Errorf("301001: description %q lacks its bullets", e.Description)
	}
}

// TestNamedCodes pins the constants other packages use.
func TestNamedCodes(t *testing.T) {
	tests := []struct {
		name string
		got  errcode.Code
		want int
	}{
		{"OK", errcode.OK, 0},
		{"AccountPendingRegistration", errcode.AccountPendingRegistration, 206001},
		{"AccountPendingVerification", errcode.AccountPendingVerification, 206002},
		{"InvalidRequestFormat", errcode.InvalidRequestFormat, 400001},
		{"MissingRequiredParameter", errcode.MissingRequiredParameter, 400002},
		{"UniqueIdentifierExists", errcode.UniqueIdentifierExists, 400003},
		{"InvalidParameterFormat", errcode.InvalidParameterFormat, 400004},
		{"InvalidParameterValue", errcode.InvalidParameterValue, 400006},
		{"InvalidAuthenticationHeader", errcode.InvalidAuthenticationHeader, 400008},
		{"ValidationError", errcode.ValidationError, 400009},
		{"InvalidTypeValidation", errcode.InvalidTypeValidation, 400023},
		{"InvalidFormatValidation", errcode.InvalidFormatValidation, 400026},
		{"RequiredValueValidation", errcode.RequiredValueValidation, 400027},
		{"MissingAPIKey", errcode.MissingAPIKey, 400092},
		{"InvalidAPIKey", errcode.InvalidAPIKey, 400093},
		{"InvalidSiteDomain", errcode.InvalidSiteDomain, 400120},
		{"UnauthorizedUser", errcode.UnauthorizedUser, 403005},
		{"SecretSentOverHTTP", errcode.SecretSentOverHTTP, 403006},
		{"InvalidSecret", errcode.InvalidSecret, 403010},
		{"NoValidSession", errcode.NoValidSession, 403012},
		{"AccountDisabled", errcode.AccountDisabled, 403041},
		{"InvalidLoginID", errcode.InvalidLoginID, 403042},
		{"AccountTemporarilyLockedOut", errcode.AccountTemporarilyLockedOut, 403120},
		{"NotFound", errcode.NotFound, 404000},
		{"InvalidAPIMethodClient", errcode.InvalidAPIMethodClient, 405001},
		{"UnsupportedContentType", errcode.UnsupportedContentType, 406001},
		{"RequestEntityTooLarge", errcode.RequestEntityTooLarge, 413001},
		{"GeneralServerError", errcode.GeneralServerError, 500001},
		{"NoValidSessionServer", errcode.NoValidSessionServer, 500024},
		{"DatabaseError", errcode.DatabaseError, 500028},
		{"InvalidSiteDomainServer", errcode.InvalidSiteDomainServer, 500030},
		{"InvalidAPIMethod", errcode.InvalidAPIMethod, 501001},
	}
	for _, tt := range tests {
		if int(tt.got) != tt.want {
			t.Errorf("%s = %d, want %d", tt.name, tt.got, tt.want)
		}
		if _, ok := errcode.Lookup(tt.got); !ok {
			t.Errorf("%s (%d) not in catalog", tt.name, tt.got)
		}
	}
}

func TestCustosEntry(t *testing.T) {
	want := errcode.Entry{
		Code:        errcode.UnsupportedContentType,
		Message:     "Unsupported content type",
		Description: "The request body is not JSON: the REST dialect accepts only application/json bodies.",
		Status:      http.StatusNotAcceptable,
		Token:       errcode.TokenNotAcceptable,
		Origin:      errcode.Custos,
	}
	if e, _ := errcode.Lookup(errcode.UnsupportedContentType); e != want {
		t.Errorf("406001 = %+v, want %+v", e, want)
	}
	for _, e := range errcode.All() {
		if e.Origin == errcode.Custos && e.Code != errcode.UnsupportedContentType {
			t.Errorf("%d: unexpected custos entry", e.Code)
		}
	}
}

// wantStatus is the statusCode rule of the catalog.
func wantStatus(c int) int {
	switch {
	case c == 100001:
		return 100
	case c == 0 || c/1000 == 200:
		return 200
	case c/1000 == 206:
		return 206
	case c == 301001:
		return 301
	}
	return c / 1000
}

func TestStatus(t *testing.T) {
	tests := []struct {
		code errcode.Code
		want int
	}{
		{0, 200}, {100001, 100}, {200001, 200}, {200008, 200}, {206001, 206}, {206003, 206},
		{301001, 301}, {400001, 400}, {401020, 401}, {403042, 403}, {404000, 404}, {405001, 405},
		{406001, 406}, {409001, 409}, {410000, 410}, {413001, 413}, {500001, 500}, {501001, 501}, {504001, 504},
	}
	for _, tt := range tests {
		e, ok := errcode.Lookup(tt.code)
		if !ok {
			t.Errorf("%d not in catalog", tt.code)
			continue
		}
		if e.Status != tt.want {
			t.Errorf("%d: status %d, want %d", tt.code, e.Status, tt.want)
		}
	}
	for _, e := range errcode.All() {
		if want := wantStatus(int(e.Code)); e.Status != want {
			t.Errorf("%d: status %d, want %d", e.Code, e.Status, want)
		}
		if e.StatusReason() == "" {
			t.Errorf("%d: status %d has no reason phrase", e.Code, e.Status)
		}
	}
}

// wantToken is the REST token rule of the catalog.
func wantToken(c int) errcode.Token {
	in := func(list ...int) bool { return slices.Contains(list, c) }
	switch {
	case in(0, 200008, 200009):
		return ""
	case in(100001, 200010) || c/1000 == 409:
		return errcode.TokenConflict
	case in(200001, 200003) || c/1000 == 206:
		return errcode.TokenForbidden
	case c == 301001:
		return errcode.TokenBadRequest
	case c/1000 == 400:
		switch {
		case in(400003, 400007, 400009) || (c >= 400020 && c <= 400029):
			return errcode.TokenUnprocessableEntity
		case in(400008, 400093):
			return errcode.TokenUnauthorized
		// 400015: an expired one-time token; Social ID answers 403 for it.
		case in(400015, 400050, 400120, 400124, 400125, 400127):
			return errcode.TokenForbidden
		}
		return errcode.TokenBadRequest
	case c/1000 == 401:
		switch c {
		case 401000:
			return errcode.TokenBadRequest
		case 401030:
			return errcode.TokenUnprocessableEntity
		}
		return errcode.TokenForbidden
	case c/1000 == 403:
		if in(403001, 403002, 403003, 403004, 403006, 403010, 403011, 403012, 403025, 403035) {
			return errcode.TokenUnauthorized
		}
		if c == 403200 { // a redundant state change: Social ID's 409
			return errcode.TokenConflict
		}
		return errcode.TokenForbidden
	case c/1000 == 404 || in(405001, 410000):
		return errcode.TokenNotFound
	case c == 406001:
		return errcode.TokenNotAcceptable
	case c/1000 == 413:
		return errcode.TokenBadRequest
	case c >= 500000:
		return errcode.TokenInternalServerError
	}
	return "unknown"
}

func TestToken(t *testing.T) {
	successes := []errcode.Code{errcode.OK, errcode.OKWithErrors, errcode.AccountsLinked}
	for _, e := range errcode.All() {
		if want := wantToken(int(e.Code)); e.Token != want {
			t.Errorf("%d: token %q, want %q", e.Code, e.Token, want)
		}
		if (e.Token == "") != slices.Contains(successes, e.Code) {
			t.Errorf("%d: token %q: empty exactly for the success codes", e.Code, e.Token)
		}
		if e.Token != "" && e.Token != errcode.TokenInternalServerError && e.Token.Status() == http.StatusInternalServerError {
			t.Errorf("%d: token %q has no row in the status table", e.Code, e.Token)
		}
	}
}

func TestTokenStatus(t *testing.T) {
	tests := []struct {
		token errcode.Token
		want  int
	}{
		{errcode.TokenBadRequest, 400},
		{errcode.TokenMissingParameters, 400},
		{errcode.TokenUnauthorized, 401},
		{errcode.TokenAuthenticationFailed, 401},
		{errcode.TokenForbidden, 403},
		{errcode.TokenNotFound, 404},
		{errcode.TokenNotAcceptable, 406},
		{errcode.TokenConflict, 409},
		{errcode.TokenUnprocessableEntity, 422},
		{errcode.TokenInvalidParameters, 422},
		{errcode.TokenInternalServerError, 500},
		{"no_such_token", 500},
	}
	for _, tt := range tests {
		if got := tt.token.Status(); got != tt.want {
			t.Errorf("%q.Status() = %d, want %d", tt.token, got, tt.want)
		}
	}
}

func TestEntriesWellFormed(t *testing.T) {
	all := errcode.All()
	if len(all) == 0 {
		t.Fatal("empty catalog")
	}
	if !slices.IsSortedFunc(all, func(a, b errcode.Entry) int { return int(a.Code) - int(b.Code) }) {
		t.Error("All() is not sorted by code")
	}
	seen := map[errcode.Code]bool{}
	origins := map[errcode.Origin]int{}
	for _, e := range all {
		if seen[e.Code] {
			t.Errorf("%d listed twice", e.Code)
		}
		seen[e.Code] = true
		origins[e.Origin]++
		if e.Message == "" || e.Description == "" {
			t.Errorf("%d: empty message or description", e.Code)
		}
		for _, s := range []string{e.Message, e.Description} {
			if s != norm(s) || strings.Contains(s, "•") {
				t.Errorf("%d: %q is not normalised", e.Code, s)
			}
		}
		if got, ok := errcode.Lookup(e.Code); !ok || got != e {
			t.Errorf("Lookup(%d) = %+v, %v", e.Code, got, ok)
		}
	}
	want := map[errcode.Origin]int{errcode.Seed: 108, errcode.Documented: 34, errcode.Custos: 1}
	for o, n := range want {
		if origins[o] != n {
			t.Errorf("%d entries of origin %q, want %d", origins[o], o, n)
		}
	}
	if len(origins) != len(want) {
		t.Errorf("origins %v, want only %v", origins, want)
	}
	if _, ok := errcode.Lookup(999999); ok {
		t.Error("Lookup(999999) found an entry")
	}
	// All returns a copy.
	all[0].Message = "changed"
	if e, _ := errcode.Lookup(all[0].Code); e.Message == "changed" {
		t.Error("All() shares the catalog")
	}
}

// socialIDRules returns the codes of the JSON Error Codes table of the Social ID document.
func socialIDRules(t *testing.T) []errcode.Rule {
	t.Helper()
	var rules []errcode.Rule
	in := false
	for _, l := range readLines(t, "testdata/socialid-errors.txt") {
		switch {
		case strings.TrimSpace(l) == "Code Description Possible Extra fields":
			in = true
		case strings.TrimSpace(l) == "Examples":
			in = false
		case in && strings.TrimSpace(l) != "":
			rules = append(rules, errcode.Rule(strings.Fields(l)[0]))
		}
	}
	return rules
}

func TestSocialIDRules(t *testing.T) {
	rules := socialIDRules(t)
	if len(rules) != 23 {
		t.Fatalf("parsed %d Social ID codes, want 23: %v", len(rules), rules)
	}
	for _, r := range rules {
		ri, ok := r.Info()
		if !ok {
			t.Errorf("rule %q unknown to Rule.Info", r)
			continue
		}
		if ri.Rule != r {
			t.Errorf("%q.Info().Rule = %q", r, ri.Rule)
		}
	}
	for _, ri := range errcode.Rules() {
		if _, ok := errcode.Lookup(ri.Code); !ok {
			t.Errorf("rule %q: default code %d not in catalog", ri.Rule, ri.Code)
		}
		if ri.Message == "" || ri.Description == "" {
			t.Errorf("rule %q: empty message or description", ri.Rule)
		}
		if ri.HasCount != strings.Contains(ri.Message, "%d") {
			t.Errorf("rule %q: HasCount %v but message %q", ri.Rule, ri.HasCount, ri.Message)
		}
	}
}

func TestErrorHelpers(t *testing.T) {
	tests := []struct {
		err         *errcode.Error
		code        errcode.Code
		description string
	}{
		{errcode.Missing("UID"), errcode.MissingRequiredParameter, "Missing required parameter: UID"},
		{errcode.InvalidValue("limit", "must be positive"), errcode.InvalidParameterValue, "Invalid parameter value: limit: must be positive"},
		{errcode.InvalidFormat("regToken", "not base64"), errcode.InvalidParameterFormat, "Invalid parameter format: regToken: not base64"},
		{errcode.New(errcode.InvalidAPIKey, ""), errcode.InvalidAPIKey, "Invalid ApiKey parameter"},
		{errcode.Validation(errcode.Field("email", errcode.RuleTaken), errcode.FieldCount("password", errcode.RuleTooShort, 8)),
			errcode.ValidationError, "email has already been taken, password is too short (minimum is 8 characters)"},
		{errcode.From(errors.New("boom")), errcode.GeneralServerError, "General Server Error"},
		{errcode.From(errcode.New(errcode.InvalidLoginID, "x")), errcode.InvalidLoginID, "x"},
	}
	for _, tt := range tests {
		if tt.err.Code != tt.code || tt.err.Description() != tt.description {
			t.Errorf("got %d %q, want %d %q", tt.err.Code, tt.err.Description(), tt.code, tt.description)
		}
	}
	if e := (&errcode.Error{Code: 999999}).Entry(); e.Code != errcode.GeneralServerError {
		t.Errorf("unknown code reads as %d, want 500001", e.Code)
	}
}
