package schema

import (
	"encoding/json"
	"strings"
	"testing"
)

// FuzzChange feeds setSchema documents: never a panic, and a schema that is
// accepted parses back from its stored form.
func FuzzChange(f *testing.F) {
	f.Add(`{"fields":{"a":{"type":"integer","minimum":1}}}`, `{"fields":{"firstName":{"required":true}}}`)
	f.Add(`{"dynamicSchema":false,"fields":{"a.b":{"format":"^(a+)+$"},"c":null}}`, `{}`)
	f.Add(`{"fields":{"x":{"format":"(?i)[a-z]{1000}{1000}"}}}`, `null`)
	f.Fuzz(func(t *testing.T, data, profile string) {
		s, _, err := Default().Change(Documents{Data: data, Profile: profile})
		if err != nil {
			return
		}
		if _, err := Parse(s.JSON()); err != nil {
			t.Fatalf("stored form does not parse: %v", err)
		}
	})
}

// FuzzApply writes arbitrary objects through a schema with hostile formats:
// never a panic, and an accepted write yields objects that marshal.
func FuzzApply(f *testing.F) {
	f.Add(`{"age":"12","zip":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!"}`, `{"gender":"m"}`, true)
	f.Add(`{"address":null,"kids":[{"name":1}]}`, `{"phones":[{"number":"1"}]}`, false)
	f.Fuzz(func(t *testing.T, data, profile string, server bool) {
		s := site(t)
		s, _, err := s.Change(Documents{Data: `{"fields":{"evil":{"type":"string","writeAccess":"clientModify","format":"^(a+)+$"}}}`})
		if err != nil {
			t.Fatal(err)
		}
		patch := Values{Data: decode(data), Profile: decode(profile)}
		if evil, ok := patch.Data["evil"]; ok {
			if str, ok := evil.(string); ok && len(str) > 1<<16 {
				return
			}
		}
		out := s.Apply(Write{Server: server, Patch: patch, Old: Values{Data: decode(`{"member":"m"}`)}})
		if len(out.Errors) == 0 {
			if _, err := json.Marshal(out.New); err != nil {
				t.Fatal(err)
			}
		}
	})
}

func decode(s string) map[string]any {
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var m map[string]any
	if d.Decode(&m) != nil {
		return nil
	}
	return m
}
