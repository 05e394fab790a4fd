package rpc

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/callctx"
)

// envelope holds the fields every RPC response carries. Method data is
// merged flat beside them, as Gigya does.
type envelope struct {
	CallID           string            `json:"callId"`
	Context          string            `json:"context,omitempty"`
	ErrorCode        errcode.Code      `json:"errorCode"`
	ErrorMessage     string            `json:"errorMessage,omitempty"`
	ErrorDetails     string            `json:"errorDetails,omitempty"`
	ValidationErrors []validationError `json:"validationErrors,omitempty"`
	APIVersion       int               `json:"apiVersion"`
	StatusCode       int               `json:"statusCode"`
	StatusReason     string            `json:"statusReason"`
	Time             string            `json:"time"`
	IgnoredParams    []ignoredParam    `json:"ignoredParams,omitempty"`
}

type validationError struct {
	ErrorCode errcode.Code `json:"errorCode"`
	Message   string       `json:"message"`
	FieldName string       `json:"fieldName"`
}

// timeLayout is ISO-8601 UTC with milliseconds, as Gigya's "time" field.
const timeLayout = "2006-01-02T15:04:05.000Z"

// render writes data and err in the envelope, as JSON or JSONP, with the
// parameters the method ignored.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, out output, ignored []ignoredParam, data any, err error) {
	info := callctx.From(r.Context())
	env := envelope{CallID: info.ID, Context: out.context, APIVersion: 2, Time: h.now().UTC().Format(timeLayout),
		IgnoredParams: ignored}
	ent, _ := errcode.Lookup(errcode.OK)
	if err != nil {
		e := callctx.Fail(r.Context(), h.log, errorTable.Render(err))
		ent = e.Entry()
		env.ErrorCode, env.ErrorMessage, env.ErrorDetails = ent.Code, ent.Message, e.Description()
		for _, f := range e.Fields {
			env.ValidationErrors = append(env.ValidationErrors, validationError{f.Code, f.FullMessage(), f.Attribute})
		}
	}
	env.StatusCode, env.StatusReason = ent.Status, ent.StatusReason()

	buf := bodies.Get().(*bytes.Buffer)
	defer putBody(buf)
	if merr := merge(buf, data, env); merr != nil {
		h.log.Error("render", "call_id", info.ID, "method", info.Method, "err", merr)
		h.render(w, r, out, ignored, nil, errcode.New(errcode.GeneralServerError, "General Server Error"))
		return
	}
	body := buf.Bytes()
	status := http.StatusOK
	// A body refused for its size was not read, nor the httpStatusCodes it
	// may hold: the refusal is HTTP's own 413, as the client's HTTP stack
	// expects of a request it sent with "Expect: 100-continue". (A JSONP
	// caller, a script element, hears of it through its callback.)
	if out.httpStatus || env.ErrorCode == errcode.RequestEntityTooLarge && !out.jsonp {
		status = env.StatusCode
	}
	if status < http.StatusOK { // 100001's statusCode 100 is no final HTTP status
		status = http.StatusOK
	}
	hdr := w.Header()
	if out.maxAge >= time.Second && err == nil {
		hdr.Set("Cache-Control", fmt.Sprintf("public, max-age=%d", int(out.maxAge/time.Second)))
	} else {
		hdr.Set("Cache-Control", "no-store")
	}
	info.SetRetryAfter(hdr)
	if out.jsonp {
		hdr.Set("Content-Type", "application/javascript; charset=utf-8")
		w.WriteHeader(status)
		// The leading comment keeps the first bytes from being chosen by the
		// caller (a defence against content-sniffing attacks on JSONP).
		w.Write([]byte("/**/" + out.callback + "("))
		w.Write(body)
		w.Write([]byte(");"))
		return
	}
	hdr.Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(body)
}

// merge writes to buf, in one pass, data (a JSON object) and the envelope
// as one object, the method's fields first: data is marshalled once, and
// the envelope's fields are appended after them.
func merge(buf *bytes.Buffer, data any, env envelope) error {
	buf.Reset()
	if data != nil {
		if err := appendJSON(buf, data); err != nil {
			buf.Reset()
			return err
		}
		d := bytes.TrimRight(buf.Bytes(), " \t\r\n")
		if len(d) < 2 || d[0] != '{' || d[len(d)-1] != '}' {
			return errNotObject
		}
		if len(d) > 2 { // not {}: the envelope's fields follow the method's
			buf.Truncate(len(d) - 1)
			buf.WriteByte(',')
		} else {
			buf.Reset()
		}
	}
	if buf.Len() == 0 {
		buf.WriteByte('{')
	}
	return env.appendFields(buf)
}

// appendFields writes the fields of e and the closing brace, as
// json.Marshal would write them (TestEnvelopeAsMarshalled), without its
// reflection.
func (e envelope) appendFields(buf *bytes.Buffer) error {
	field := func(name string) { buf.WriteString(`"` + name + `":`) }
	field("callId")
	appendString(buf, e.CallID)
	if e.Context != "" {
		buf.WriteByte(',')
		field("context")
		appendString(buf, e.Context)
	}
	buf.WriteByte(',')
	field("errorCode")
	buf.Write(strconv.AppendInt(buf.AvailableBuffer(), int64(e.ErrorCode), 10))
	for _, f := range [...]struct{ name, v string }{{"errorMessage", e.ErrorMessage}, {"errorDetails", e.ErrorDetails}} {
		if f.v != "" {
			buf.WriteByte(',')
			field(f.name)
			appendString(buf, f.v)
		}
	}
	if len(e.ValidationErrors) > 0 {
		buf.WriteByte(',')
		field("validationErrors")
		if err := appendValue(buf, e.ValidationErrors); err != nil {
			return err
		}
	}
	buf.WriteByte(',')
	field("apiVersion")
	buf.Write(strconv.AppendInt(buf.AvailableBuffer(), int64(e.APIVersion), 10))
	buf.WriteByte(',')
	field("statusCode")
	buf.Write(strconv.AppendInt(buf.AvailableBuffer(), int64(e.StatusCode), 10))
	buf.WriteByte(',')
	field("statusReason")
	appendString(buf, e.StatusReason)
	buf.WriteByte(',')
	field("time")
	appendString(buf, e.Time)
	if len(e.IgnoredParams) > 0 {
		buf.WriteByte(',')
		field("ignoredParams")
		if err := appendValue(buf, e.IgnoredParams); err != nil {
			return err
		}
	}
	buf.WriteByte('}')
	return nil
}

// appendString writes s as a JSON string, escaped as json.Marshal escapes
// it; a string of plain printable ASCII, as most are, skips the encoder.
func appendString(buf *bytes.Buffer, s string) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x80 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			appendValue(buf, s) // a string always marshals
			return
		}
	}
	buf.WriteByte('"')
	buf.WriteString(s)
	buf.WriteByte('"')
}

// bodies are the buffers responses are rendered in, reused: a call renders
// its answer in one and writes it with one Write.
var bodies = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledBody bounds the buffers kept for reuse: a rare large answer
// (an export, a search) does not stay in memory.
const maxPooledBody = 64 << 10

func putBody(buf *bytes.Buffer) {
	if buf.Cap() <= maxPooledBody {
		bodies.Put(buf)
	}
}

var errNotObject = errors.New("rpc: method result is not a JSON object")
