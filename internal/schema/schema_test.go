package schema

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/custos-id/custos/errcode"
)

// site is a schema with a field of every kind the tests write.
func site(t testing.TB) Schema {
	t.Helper()
	s, _, err := Default().Change(Documents{
		Profile: `{"fields":{"firstName":{"required":true},"lastName":{"writeAccess":"serverOnly"}}}`,
		Data: `{"dynamicSchema":true,"fields":{
			"age":{"type":"integer","writeAccess":"clientModify","minimum":0,"maximum":150},
			"score":{"type":"float","writeAccess":"clientModify"},
			"odd":{"type":"long","writeAccess":"clientModify","parity":"odd","exclusiveMinimum":0,"exclusiveMaximum":100},
			"seven":{"type":"integer","writeAccess":"clientModify","equalTo":7},
			"zip":{"type":"string","writeAccess":"clientModify","format":"^[0-9]{5}$"},
			"code":{"type":"basic-string","writeAccess":"clientModify","length":4},
			"nick":{"type":"string","writeAccess":"clientModify","minLength":2,"maxLength":5,"disallowedValues":["admin"]},
			"plan":{"type":"string","writeAccess":"clientModify","allowedValues":["free","pro"]},
			"since":{"type":"date","writeAccess":"clientModify"},
			"vip":{"type":"boolean"},
			"member":{"type":"string","writeAccess":"clientCreate","unique":true,"required":true},
			"tags":{"type":"string","writeAccess":"clientModify","required":true},
			"address.city":{"type":"string","writeAccess":"clientModify"},
			"address.secret":{"type":"string"}}}`,
		Subscriptions: `{"fields":{"news.email":{"writeAccess":"clientModify"}}}`,
		Preferences:   `{"fields":{"terms.tos":{"required":true,"writeAccess":"clientModify","minDocVersion":2}}}`,
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func obj(js string) map[string]any {
	var m map[string]any
	d := json.NewDecoder(strings.NewReader(js))
	d.UseNumber()
	if err := d.Decode(&m); err != nil {
		panic(err)
	}
	return m
}

func TestApplyErrors(t *testing.T) {
	old := Values{Data: obj(`{"member":"m-1","tags":"x","address":{"city":"Oslo","secret":"s"}}`)}
	for _, c := range []struct {
		name   string
		server bool
		patch  Values
		old    *Values
		attr   string
		code   errcode.Code
		rule   errcode.Rule
		count  int
	}{
		{"not a number", false, Values{Data: obj(`{"age":"x"}`)}, nil, "data.age", 400023, errcode.RuleNotANumber, -1},
		{"not an integer", false, Values{Data: obj(`{"age":1.5}`)}, nil, "data.age", 400023, errcode.RuleNotAnInteger, -1},
		{"float not a number", false, Values{Data: obj(`{"score":true}`)}, nil, "data.score", 400023, errcode.RuleNotANumber, -1},
		{"boolean", true, Values{Data: obj(`{"vip":"yes"}`)}, nil, "data.vip", 400023, errcode.RuleInvalid, -1},
		{"bad date", false, Values{Data: obj(`{"since":"31/12/2020"}`)}, nil, "data.since", 400023, errcode.RuleInvalid, -1},
		{"integer range", false, Values{Data: obj(`{"age":99999999999}`)}, nil, "data.age", 400023, errcode.RuleLessThanOrEqualTo, 2147483647},
		{"minimum", false, Values{Data: obj(`{"age":-1}`)}, nil, "data.age", 400026, errcode.RuleGreaterThanOrEqualTo, 0},
		{"maximum", false, Values{Data: obj(`{"age":151}`)}, nil, "data.age", 400026, errcode.RuleLessThanOrEqualTo, 150},
		{"exclusive minimum", false, Values{Data: obj(`{"odd":-1}`)}, nil, "data.odd", 400026, errcode.RuleGreaterThan, 0},
		{"exclusive maximum", false, Values{Data: obj(`{"odd":101}`)}, nil, "data.odd", 400026, errcode.RuleLessThan, 100},
		{"odd", false, Values{Data: obj(`{"odd":4}`)}, nil, "data.odd", 400026, errcode.RuleOdd, -1},
		{"equal", false, Values{Data: obj(`{"seven":8}`)}, nil, "data.seven", 400026, errcode.RuleEqualTo, 7},
		{"format", false, Values{Data: obj(`{"zip":"12a45"}`)}, nil, "data.zip", 400026, errcode.RuleInvalid, -1},
		{"wrong length", false, Values{Data: obj(`{"code":"abc"}`)}, nil, "data.code", 400026, errcode.RuleWrongLength, 4},
		{"too short", false, Values{Data: obj(`{"nick":"a"}`)}, nil, "data.nick", 400026, errcode.RuleTooShort, 2},
		{"too long", false, Values{Data: obj(`{"nick":"abcdef"}`)}, nil, "data.nick", 400026, errcode.RuleTooLong, 5},
		{"exclusion", false, Values{Data: obj(`{"nick":"admin"}`)}, nil, "data.nick", 400026, errcode.RuleExclusion, -1},
		{"inclusion", false, Values{Data: obj(`{"plan":"gold"}`)}, nil, "data.plan", 400026, errcode.RuleInclusion, -1},
		{"gender", false, Values{Profile: obj(`{"gender":"x"}`)}, nil, "profile.gender", 400026, errcode.RuleInclusion, -1},
		{"profile email", false, Values{Profile: obj(`{"email":"nope"}`)}, nil, "profile.email", 400026, errcode.RuleInvalidEmail, -1},
		{"blank", false, Values{Data: obj(`{"tags":"  "}`)}, nil, "data.tags", 400027, errcode.RuleBlank, -1},
		{"empty", true, Values{Data: obj(`{"tags":[]}`)}, nil, "data.tags", 400027, errcode.RuleEmpty, -1},
		{"must be present", true, Values{Data: obj(`{"tags":null}`)}, &old, "data.tags", 400027, errcode.RuleMustBePresent, -1},
		{"accepted", false, Values{Preferences: obj(`{"terms":{"tos":{"isConsentGranted":false}}}`)}, nil, "preferences.terms.tos.isConsentGranted", 400027, errcode.RuleAccepted, -1},
		{"doc version", false, Values{Preferences: obj(`{"terms":{"tos":{"isConsentGranted":true,"docVersion":1}}}`)}, nil, "preferences.terms.tos.docVersion", 400026, errcode.RuleGreaterThanOrEqualTo, 2},
		{"subscription shape", false, Values{Subscriptions: obj(`{"news":{"email":{"isSubscribed":"yes"}}}`)}, nil, "subscriptions.news.email.isSubscribed", 400023, errcode.RuleInvalid, -1},
		{"server only", false, Values{Data: obj(`{"vip":true}`)}, nil, "data.vip", 400025, errcode.RuleInvalid, -1},
		{"server-only profile", false, Values{Profile: obj(`{"lastName":"X"}`)}, nil, "profile.lastName", 400025, errcode.RuleInvalid, -1},
		{"client create set", false, Values{Data: obj(`{"member":"m-2"}`)}, &old, "data.member", 400025, errcode.RuleInvalid, -1},
		{"client dynamic", false, Values{Data: obj(`{"fresh":1}`)}, nil, "data.fresh", 400025, errcode.RuleInvalid, -1},
		{"unknown profile", true, Values{Profile: obj(`{"shoeSize":44}`)}, nil, "profile.shoeSize", 400024, errcode.RuleInvalid, -1},
		{"unknown subscription", true, Values{Subscriptions: obj(`{"other":{"isSubscribed":true}}`)}, nil, "subscriptions.other", 400024, errcode.RuleInvalid, -1},
		{"bad name", true, Values{Data: obj(`{"1x":1}`)}, nil, "data.1x", 400024, errcode.RuleInvalid, -1},
		{"client removes protected", false, Values{Data: obj(`{"address":null}`)}, &old, "data.address", 400020, errcode.RuleInvalid, -1},
		{"client overwrites protected", false, Values{Data: obj(`{"address":"x"}`)}, &old, "data.address", 400020, errcode.RuleInvalid, -1},
		{"server overwrites container", true, Values{Data: obj(`{"address":"x"}`)}, &old, "data.address", 400023, errcode.RuleInvalid, -1},
		{"unique array", true, Values{Data: obj(`{"member":["a"]}`)}, nil, "data.member", 400023, errcode.RuleInvalid, -1},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := Write{Server: c.server, Patch: c.patch}
			if c.old != nil {
				w.Old = *c.old
			}
			out := site(t).Apply(w)
			if len(out.Errors) != 1 {
				t.Fatalf("errors %+v, want one", out.Errors)
			}
			e := out.Errors[0]
			if e.Attribute != c.attr || e.Code != c.code || e.Rule != c.rule {
				t.Fatalf("got %s %d %s, want %s %d %s", e.Attribute, e.Code, e.Rule, c.attr, c.code, c.rule)
			}
			if (e.Count == nil) != (c.count < 0) || e.Count != nil && *e.Count != c.count {
				t.Fatalf("count %v, want %d", e.Count, c.count)
			}
		})
	}
}

func TestApplyMerges(t *testing.T) {
	s := site(t)
	old := Values{Data: obj(`{"member":"m-1","address":{"city":"Oslo","secret":"s"}}`)}
	out := s.Apply(Write{Old: old, Patch: Values{
		Profile:       obj(`{"firstName":"Ann","phones":[{"type":"mobile","number":"+4712"}]}`),
		Data:          obj(`{"age":"41","address":{"city":"Bergen"},"tags":["a","b"]}`),
		Subscriptions: obj(`{"news":{"email":{"isSubscribed":true}}}`),
		Preferences:   obj(`{"terms":{"tos":{"isConsentGranted":true,"docVersion":2}}}`),
	}})
	if len(out.Errors) > 0 {
		t.Fatal(out.Errors)
	}
	want := obj(`{"member":"m-1","age":41,"address":{"city":"Bergen","secret":"s"},"tags":["a","b"]}`)
	if got, _ := json.Marshal(out.New.Data); string(got) != mustJSON(want) {
		t.Fatalf("data %s, want %s", got, mustJSON(want))
	}
	if !reflect.DeepEqual(out.Unique, []UniqueValue{{"data.member", "m-1"}}) || len(out.Missing) != 0 {
		t.Fatalf("unique %v missing %v", out.Unique, out.Missing)
	}
}

func mustJSON(v any) string { b, _ := json.Marshal(v); return string(b) }

func TestApplyMissingAndDynamic(t *testing.T) {
	s := site(t)
	out := s.Apply(Write{Server: true, Patch: Values{Data: obj(`{"fresh_i":"5","kids":[{"name":"x"}],"flag":true}`)}})
	if len(out.Errors) > 0 {
		t.Fatal(out.Errors)
	}
	wantMissing := []string{"data.member", "data.tags", "preferences.terms.tos.isConsentGranted", "profile.firstName"}
	if !reflect.DeepEqual(out.Missing, wantMissing) {
		t.Fatalf("missing %v, want %v", out.Missing, wantMissing)
	}
	for path, typ := range map[string]Type{"fresh_i": Long, "kids.name": String, "flag": Boolean} {
		if f := out.Created[path]; f.Type != typ || !f.Dynamic || f.WriteAccess != ServerOnly {
			t.Errorf("created %s = %+v, want %s", path, f, typ)
		}
	}
	s.DynamicSchema = false
	if out := s.Apply(Write{Server: true, Patch: Values{Data: obj(`{"fresh":1}`)}}); len(out.Errors) != 1 || out.Errors[0].Code != 400024 {
		t.Fatalf("static schema: %+v", out.Errors)
	}
}

func TestChangeRefuses(t *testing.T) {
	for _, c := range []struct {
		docs  Documents
		param string
		code  errcode.Code
	}{
		{Documents{Data: `[1]`}, "dataSchema", 400004},
		{Documents{Data: `{"fieldz":{}}`}, "dataSchema.fieldz", 400006},
		{Documents{Data: `{"fields":{"a":{"type":"money"}}}`}, "dataSchema.fields.a", 400006},
		{Documents{Data: `{"fields":{"a":{"colour":"red"}}}`}, "dataSchema.fields.a.colour", 400006},
		{Documents{Data: `{"fields":{"a":{"required":"yes"}}}`}, "dataSchema.fields.a.required", 400006},
		{Documents{Data: `{"fields":{"a":{"format":"(["}}}`}, "dataSchema.fields.a", 400006},
		{Documents{Data: `{"fields":{"a":{"type":"integer","minimum":5,"maximum":1}}}`}, "dataSchema.fields.a", 400006},
		{Documents{Data: `{"fields":{"a":{"type":"integer","minLength":1}}}`}, "dataSchema.fields.a", 400006},
		{Documents{Data: `{"fields":{"a":{"writeAccess":"everyone"}}}`}, "dataSchema.fields.a", 400006},
		{Documents{Data: `{"fields":{"a b":{}}}`}, "dataSchema.fields.a b", 400006},
		{Documents{Data: `{"fields":{"a":{},"a.b":{}}}`}, "dataSchema.fields.a.b", 400006},
		{Documents{Profile: `{"fields":{"shoeSize":{}}}`}, "profileSchema.fields.shoeSize", 400006},
		{Documents{Profile: `{"fields":{"firstName":{"type":"integer"}}}`}, "profileSchema.fields.firstName", 400006},
		{Documents{Profile: `{"dynamicSchema":true}`}, "profileSchema.dynamicSchema", 400006},
		{Documents{Subscriptions: `{"fields":{"n":{"type":"string"}}}`}, "subscriptionsSchema.fields.n", 400006},
	} {
		_, _, err := Default().Change(c.docs)
		e, ok := err.(*errcode.Error)
		if !ok || e.Code != c.code || !strings.Contains(e.Details, c.param) {
			t.Errorf("%v: got %v, want %d naming %s", c.docs, err, c.code, c.param)
		}
	}
}

func TestChangeChecksAndRoundTrip(t *testing.T) {
	s := site(t)
	_, checks, err := s.Change(Documents{Data: `{"fields":{"age":{"type":"long"},"zip":null,"nick":{"unique":true}}}`})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range checks {
		got = append(got, c.Param)
	}
	want := []string{"dataSchema.fields.age.type", "dataSchema.fields.nick.unique", "dataSchema.fields.zip"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("checks %v, want %v", got, want)
	}
	// What getSchema shows can be set again unchanged.
	docs := Documents{}
	for _, o := range Objects {
		docs[o] = mustJSON(s.View(o, FilterFull))
		if o != Data {
			docs[o] = mustJSON(map[string]any{"fields": s.View(o, FilterFull)["fields"]})
		}
	}
	again, checks, err := s.Change(docs)
	if err != nil || len(checks) != 0 || again.JSON() != s.JSON() {
		t.Fatalf("round trip: %v %v\n%s\n%s", err, checks, again.JSON(), s.JSON())
	}
	if back, err := Parse(s.JSON()); err != nil || back.JSON() != s.JSON() {
		t.Fatalf("parse: %v", err)
	}
}

func TestViewFilters(t *testing.T) {
	s := site(t)
	s = s.withCreated(map[string]Field{"dyn": {Type: String, WriteAccess: ServerOnly, Dynamic: true}})
	fields := func(f string) map[string]any { return s.View(Data, f)["fields"].(map[string]any) }
	if _, ok := fields(FilterFull)["dyn"]; !ok {
		t.Error("full lacks the dynamic field")
	}
	if _, ok := fields(FilterExplicitOnly)["dyn"]; ok {
		t.Error("explicitOnly shows the dynamic field")
	}
	if _, ok := fields(FilterClientOnly)["vip"]; ok {
		t.Error("clientOnly shows a serverOnly field")
	}
	if p := s.View(Profile, FilterExplicitOnly)["fields"].(map[string]any); len(p) != 2 {
		t.Errorf("explicit profile %v", p)
	}
}

// A client replaces or removes a list or an object only if it may write
// every field held below it; required fields do not get lost either way.
func TestApplyReplacements(t *testing.T) {
	s, _, err := Default().Change(Documents{
		Profile: `{"fields":{"phones.number":{"writeAccess":"serverOnly"}}}`,
		Data: `{"fields":{"acct.tier":{"type":"string"},"kids.code":{"type":"string","writeAccess":"clientCreate"},
			"kids.name":{"type":"string","writeAccess":"clientModify"},"team.lead":{"type":"string","required":true,"writeAccess":"clientModify"}}}`,
	})
	if err != nil {
		t.Fatal(err)
	}
	old := Values{Profile: obj(`{"phones":[{"type":"work","number":"+47"}]}`),
		Data: obj(`{"acct":{"tier":"gold"},"kids":[{"code":"A1","name":"x"}],"team":[{"lead":"ann"}]}`)}
	for _, c := range []struct {
		name   string
		server bool
		patch  Values
		attr   string
		code   errcode.Code
	}{
		{"an array over protected fields", false, Values{Data: obj(`{"acct":[]}`)}, "data.acct", 400020},
		{"a set clientCreate in a list", false, Values{Data: obj(`{"kids":[{"code":"B2"}]}`)}, "data.kids", 400020},
		{"an object over a list", false, Values{Data: obj(`{"kids":{"name":"y"}}`)}, "data.kids", 400020},
		{"a profile list removed", false, Values{Profile: obj(`{"phones":null}`)}, "profile.phones", 400020},
		{"a profile list replaced", false, Values{Profile: obj(`{"phones":[{"type":"home"}]}`)}, "profile.phones", 400020},
		{"a required field lost in a new list", true, Values{Data: obj(`{"team":[{}]}`)}, "data.team.lead", 400027},
		{"a required field removed with its list", true, Values{Data: obj(`{"team":null}`)}, "data.team.lead", 400027},
	} {
		out := s.Apply(Write{Server: c.server, Old: old, Patch: c.patch})
		if len(out.Errors) != 1 || out.Errors[0].Attribute != c.attr || out.Errors[0].Code != c.code {
			t.Errorf("%s: %+v, want %s %d", c.name, out.Errors, c.attr, c.code)
		}
	}
	if out := s.Apply(Write{Old: old, Patch: Values{Data: obj(`{"team":[{"lead":"bo"}]}`)}}); len(out.Errors) > 0 {
		t.Errorf("a client replacing a list it owns: %+v", out.Errors)
	}
}

func TestApplyNumbers(t *testing.T) {
	if _, _, err := Default().Change(Documents{Data: `{"fields":{"c":{"type":"consent"}}}`}); err == nil {
		t.Fatal("a consent in data was accepted")
	}
	s, _, err := Default().Change(Documents{Data: `{"fields":{"id":{"type":"long","unique":true},"kid.tag":{"type":"string","unique":true}}}`,
		Preferences: `{"fields":{"tos":{"writeAccess":"clientModify","minDocVersion":2}}}`})
	if err != nil {
		t.Fatal(err)
	}
	out := s.Apply(Write{Server: true, Patch: Values{Data: obj(`{"id":"9007199254740993","kid":[{"tag":"a"},{"tag":"b"},{"tag":"a"}]}`)}})
	if len(out.Errors) > 0 || mustJSON(out.New.Data["id"]) != "9007199254740993" {
		t.Fatalf("a long lost its digits: %v %v", out.Errors, out.New.Data["id"])
	}
	want := []UniqueValue{{"data.id", "9007199254740993"}, {"data.kid.tag", "a"}, {"data.kid.tag", "b"}}
	if !reflect.DeepEqual(out.Unique, want) {
		t.Errorf("unique values %v, want %v (every value in a list, once)", out.Unique, want)
	}
	for _, v := range []string{`"NaN"`, `"Inf"`, `"-Infinity"`} {
		out := s.Apply(Write{Patch: Values{Preferences: obj(`{"tos":{"isConsentGranted":true,"docVersion":` + v + `}}`)}})
		if len(out.Errors) != 1 {
			t.Errorf("docVersion %s: %+v", v, out.Errors)
		}
	}
	if out := s.Apply(Write{Server: true, Patch: Values{Data: obj(`{"id":"1e400"}`)}}); len(out.Errors) != 1 || out.Errors[0].Rule != errcode.RuleNotANumber {
		t.Errorf("1e400: %+v", out.Errors)
	}
}
