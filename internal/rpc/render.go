package rpc

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
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

	body, merr := merge(data, env)
	if merr != nil {
		h.log.Error("render", "call_id", info.ID, "method", info.Method, "err", merr)
		h.render(w, r, out, ignored, nil, errcode.New(errcode.GeneralServerError, "General Server Error"))
		return
	}
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

// merge marshals data (a JSON object) and the envelope into one object, the
// method's fields first.
func merge(data any, env envelope) ([]byte, error) {
	e, err := json.Marshal(env)
	if err != nil {
		return nil, err
	}
	if data == nil {
		return e, nil
	}
	d, err := json.Marshal(data)
	if err != nil {
		return nil, err
	}
	d = bytes.TrimSpace(d)
	if len(d) < 2 || d[0] != '{' {
		return nil, errNotObject
	}
	if len(d) == 2 { // {}
		return e, nil
	}
	out := make([]byte, 0, len(d)+len(e))
	out = append(out, d[:len(d)-1]...)
	out = append(out, ',')
	return append(out, e[1:]...), nil
}

var errNotObject = errors.New("rpc: method result is not a JSON object")
