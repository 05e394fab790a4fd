package rpc

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
)

// appendJSON writes v as json.Marshal writes it (TestAppendJSONAsMarshalled).
// The objects methods answer (obj, nested, with strings, booleans,
// integers and string lists) are written without reflection: encoding/json
// copies every key and value of a map through reflect and sorts the keys
// by reflection, the largest cost of rendering an account. Anything else
// goes to encoding/json.
func appendJSON(buf *bytes.Buffer, v any) error {
	switch v := v.(type) {
	case nil:
		buf.WriteString("null")
	case string:
		appendString(buf, v)
	case bool:
		buf.WriteString(strconv.FormatBool(v))
	case int:
		buf.Write(strconv.AppendInt(buf.AvailableBuffer(), int64(v), 10))
	case int64:
		buf.Write(strconv.AppendInt(buf.AvailableBuffer(), v, 10))
	case map[string]any:
		return appendObject(buf, v)
	case []string:
		if v == nil {
			buf.WriteString("null")
			return nil
		}
		buf.WriteByte('[')
		for i, s := range v {
			if i > 0 {
				buf.WriteByte(',')
			}
			appendString(buf, s)
		}
		buf.WriteByte(']')
	default:
		return appendValue(buf, v)
	}
	return nil
}

// appendObject writes m with its keys sorted, as json.Marshal does.
func appendObject(buf *bytes.Buffer, m map[string]any) error {
	if m == nil {
		buf.WriteString("null")
		return nil
	}
	var small [24]string
	keys := small[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	buf.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			buf.WriteByte(',')
		}
		appendString(buf, k)
		buf.WriteByte(':')
		if err := appendJSON(buf, m[k]); err != nil {
			return err
		}
	}
	buf.WriteByte('}')
	return nil
}

// appendValue writes v as json.Marshal does, without Encode's newline.
func appendValue(buf *bytes.Buffer, v any) error {
	if err := json.NewEncoder(buf).Encode(v); err != nil {
		return err
	}
	buf.Truncate(buf.Len() - 1)
	return nil
}
