package rpc

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/custos-id/custos/errcode"
)

// The envelope is appended by hand, without reflection: it must read as
// json.Marshal writes it, merged after the method's fields as before (the
// two objects marshalled apart and spliced), whatever its strings hold.
func TestEnvelopeAsMarshalled(t *testing.T) {
	odd := "a\"b\\c</script>&\u2028\u2029\x00\x1f é \xff"
	envs := []envelope{
		{CallID: "c1", ErrorCode: 0, APIVersion: 2, StatusCode: 200, StatusReason: "OK", Time: "2026-01-02T03:04:05.000Z"},
		{CallID: odd, Context: odd, ErrorCode: errcode.InvalidParameterValue, ErrorMessage: odd, ErrorDetails: odd,
			ValidationErrors: []validationError{{errcode.InvalidParameterValue, odd, "profile." + odd}},
			APIVersion:       2, StatusCode: 400, StatusReason: "Bad Request", Time: odd,
			IgnoredParams: []ignoredParam{{ParamName: odd, WarningCode: 403007, Message: odd}}},
		{Context: "<x>", StatusCode: 100, ErrorCode: errcode.OKWithErrors},
	}
	datas := []any{nil, obj{}, obj{"UID": "u", "profile": json.RawMessage(`{"a": 1, "b": ["<"]}`), "n": 1.5},
		struct {
			A string `json:"a"`
		}{odd}, map[string]string{odd: odd}}
	for _, env := range envs {
		for _, data := range datas {
			want := spliced(t, data, env)
			var buf bytes.Buffer
			if err := merge(&buf, data, env); err != nil {
				t.Fatal(err)
			}
			if got := buf.String(); got != want {
				t.Errorf("merge(%v, %+v)\n= %s\nwant %s", data, env, got, want)
			}
		}
	}
	for _, bad := range []any{[]int{1}, "x", obj(nil)} {
		if err := merge(new(bytes.Buffer), bad, envs[0]); err != errNotObject {
			t.Errorf("merge(%#v): %v, want errNotObject", bad, err)
		}
	}
}

// spliced is the body as render wrote it before it rendered in one pass.
func spliced(t *testing.T, data any, env envelope) string {
	e, err := json.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	if data == nil {
		return string(e)
	}
	d, err := json.Marshal(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(d) == 2 {
		return string(e)
	}
	return string(d[:len(d)-1]) + "," + string(e[1:])
}

// appendJSON writes what json.Marshal writes, for the values it writes by
// hand and for those it hands to encoding/json.
func TestAppendJSONAsMarshalled(t *testing.T) {
	odd := "a\"b\\c</script>&\u2028\u2029\x00\x1f é \xff\t\n"
	values := []any{
		nil, "", odd, true, false, 0, -7, int64(1) << 62, 1.5, 1e21, 1e-7, float32(0.1), json.Number("12.50"),
		obj{}, obj(nil), []string(nil), []string{}, []string{odd, "b"}, []any{1, "x", nil, obj{"k": 1}},
		json.RawMessage(`{ "b" : [1, 2], "a": "<&>" }`), json.RawMessage(nil),
		obj{odd: odd, "b": obj{"z": 1, "a": []string{"<"}, "m": map[string]string{"y": "1", "x": "2"}},
			"a": json.RawMessage(`{"x": 1}`), "n": nil, "t": true, "i": int64(-3), "f": 2.5e-8, "none": obj(nil)},
		struct {
			A string `json:"a"`
			B obj    `json:"b,omitempty"`
		}{odd, obj{"c": 1}},
	}
	for _, v := range values {
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := appendJSON(&buf, v); err != nil || buf.String() != string(want) {
			t.Errorf("appendJSON(%#v) = %s, %v\nwant %s", v, buf.String(), err, want)
		}
	}
	// What json.Marshal refuses, appendJSON refuses, wherever it is.
	for _, v := range []any{obj{"c": make(chan int)}, obj{"a": obj{"b": []any{func() {}}}}} {
		if err := appendJSON(new(bytes.Buffer), v); err == nil {
			t.Errorf("appendJSON(%#v): no error", v)
		}
	}
}
