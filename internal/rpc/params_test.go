package rpc

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/custos-id/custos/errcode"
)

func TestValidCallback(t *testing.T) {
	for s, want := range map[string]bool{
		"cb": true, "gigya.callback": true, "$": true, "_a.$b.c9": true, "a1": true,
		"": false, "1a": false, "a..b": false, ".a": false, "a.": false, "a(1)": false,
		"alert(1)//": false, "a b": false, "a;b": false, "a[0]": false, "é": false,
		strings.Repeat("a", maxCallbackLen): true, strings.Repeat("a", maxCallbackLen+1): false,
	} {
		if got := validCallback(s); got != want {
			t.Errorf("validCallback(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestParseOutput(t *testing.T) {
	tests := []struct {
		query string
		want  output
		code  errcode.Code
	}{
		{"", output{}, 0},
		{"format=JSON&context=x", output{context: "x"}, 0},
		{"format=jsonp&callback=a.b", output{jsonp: true, callback: "a.b"}, 0},
		{"httpStatusCodes=True", output{httpStatus: true}, 0},
		{"httpStatusCodes=0", output{}, 0},
		{"format=jsonp", output{}, errcode.MissingRequiredParameter},
		{"format=jsonp&callback=x-y", output{}, errcode.InvalidParameterValue},
		{"format=xml", output{}, errcode.InvalidParameterValue},
		{"httpStatusCodes=yes&context=c", output{context: "c"}, errcode.InvalidParameterValue},
	}
	for _, tc := range tests {
		v, _ := url.ParseQuery(tc.query)
		got, err := parseOutput(v)
		if code := codeOf(err); code != tc.code || got != tc.want {
			t.Errorf("parseOutput(%q) = %+v, %v; want %+v, %d", tc.query, got, err, tc.want, tc.code)
		}
	}
}

func TestParams(t *testing.T) {
	v := url.Values{"profile": {`{"n":1.50,"a":{"b":null}}`}, "data": {"null"}, "b": {"TRUE"}, "blank": {"  "}}
	p, err := NewParams(v)
	if err != nil {
		t.Fatal(err)
	}
	if n := p.Object("profile")["n"]; n == nil || n.(interface{ String() string }).String() != "1.50" {
		t.Errorf("profile.n = %v (numbers must stay exact)", n)
	}
	if p.Object("data") != nil || p.Object("preferences") != nil {
		t.Error("null or absent object not nil")
	}
	if b, err := p.Bool("b", false); !b || err != nil {
		t.Errorf("Bool = %v, %v", b, err)
	}
	if b, err := p.Bool("absent", true); !b || err != nil {
		t.Errorf("Bool default = %v, %v", b, err)
	}
	if _, err := p.Required("blank"); codeOf(err) != errcode.MissingRequiredParameter {
		t.Errorf("Required(blank) = %v", err)
	}
	if !p.Has("blank") || p.Has("absent") {
		t.Error("Has")
	}
	for _, bad := range []string{`{`, `[]`, `"s"`, `1`, `{} {}`, `{"a":}`} {
		if _, err := NewParams(url.Values{"data": {bad}}); codeOf(err) != errcode.InvalidParameterFormat {
			t.Errorf("data=%s: %v", bad, err)
		}
	}
}

func codeOf(err error) errcode.Code {
	if err == nil {
		return 0
	}
	return errcode.From(err).Code
}

// FuzzParams: no input makes parameter parsing panic, and any error it gives
// is a catalog error naming its parameter.
func FuzzParams(f *testing.F) {
	for _, s := range []string{"profile=%7B%7D", "data=null", "format=jsonp&callback=a.b", "profile=%7B", "httpStatusCodes=x", "a=%zz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, query string) {
		v, err := url.ParseQuery(query)
		if err != nil {
			return
		}
		if _, err := parseOutput(v); err != nil && codeOf(err) == errcode.GeneralServerError {
			t.Fatalf("parseOutput(%q): %v", query, err)
		}
		if _, err := NewParams(v); err != nil && codeOf(err) != errcode.InvalidParameterFormat && codeOf(err) != errcode.InvalidParameterValue {
			t.Fatalf("NewParams(%q): %v", query, err)
		}
	})
}

// FuzzReadValues drives the request parsing itself with any query and body:
// no panic, and every failure is a catalog error.
func FuzzReadValues(f *testing.F) {
	f.Add("apiKey=k&loginID=a", "profile=%7B%7D", "application/x-www-form-urlencoded")
	f.Add("a=%zz", "", "")
	f.Add("", "--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\nv\r\n--b--\r\n", "multipart/form-data; boundary=b")
	f.Fuzz(func(t *testing.T, query, body, contentType string) {
		r, err := http.NewRequest("POST", "http://h/accounts.x?"+query, strings.NewReader(body))
		if err != nil {
			return
		}
		r.Header.Set("Content-Type", contentType)
		r.Body = http.MaxBytesReader(httptest.NewRecorder(), r.Body, 1<<16)
		v, err := readValues(r)
		if err != nil {
			if c := codeOf(err); c != errcode.InvalidRequestFormat && c != errcode.InvalidParameterFormat && c != errcode.RequestEntityTooLarge {
				t.Fatalf("readValues: %v", err)
			}
			return
		}
		if _, err := NewParams(v); err != nil && codeOf(err) != errcode.InvalidParameterFormat && codeOf(err) != errcode.InvalidParameterValue {
			t.Fatalf("NewParams: %v", err)
		}
	})
}

// Every JSON parameter is bounded and refused whole when a decoder would
// repair it: 400006 past a limit, 400004 for text that is not proper JSON.
func TestParamsJSONLimits(t *testing.T) {
	deep := strings.Repeat(`{"a":`, 10000) + "1" + strings.Repeat("}", 10000)
	long := `{"a":"` + strings.Repeat("x", 70_000) + `"}`
	many := `{"a":[` + strings.Repeat("1,", 1000) + `1]}`
	for _, tc := range []struct {
		name, value string
		code        errcode.Code
	}{
		{"profile", deep, errcode.InvalidParameterValue},
		{"data", long, errcode.InvalidParameterValue},
		{"preferences", many, errcode.InvalidParameterValue},
		{"profile", `{"firstName":"\ud800"}`, errcode.InvalidParameterFormat},
		{"profile", `{"firstName":"\udfff x"}`, errcode.InvalidParameterFormat},
		{"data", `{"\ud83d":1}`, errcode.InvalidParameterFormat},
		{"data", `{"a":"\u0000"}`, errcode.InvalidParameterFormat},
		{"accountOptions", `{"loginIdentifiers":` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + "}", errcode.InvalidParameterValue},
		{"passwordComplexity", `{"regExp":"\ud800"}`, errcode.InvalidParameterFormat},
	} {
		_, err := NewParams(url.Values{tc.name: {tc.value}})
		if codeOf(err) != tc.code || !strings.Contains(err.Error(), tc.name) {
			t.Errorf("%s=%.40s…: %v, want %d", tc.name, tc.value, err, tc.code)
		}
	}
	// Within the limits, a surrogate pair and a policy section that is not JSON pass.
	if _, err := NewParams(url.Values{"profile": {`{"n":"\ud83d\ude00"}`}, "accountOptions": {"{"}}); err != nil {
		t.Fatal(err)
	}
}
