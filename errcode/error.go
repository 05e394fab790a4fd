package errcode

import (
	"errors"
	"fmt"
	"strings"
)

// Error is a failure a client sees: a catalog code, the details of this
// occurrence and, for validation failures, the fields at fault.
type Error struct {
	Code Code
	// Details is the errorDetails of the RPC dialect and the error_description of
	// the REST dialect. Empty means the entry's message.
	Details string
	Fields  []FieldError
}

// New returns an error with code and details.
func New(code Code, details string) *Error { return &Error{Code: code, Details: details} }

// Newf returns an error with code and formatted details.
func Newf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Details: fmt.Sprintf(format, args...)}
}

// Missing is 400002 naming the missing parameter.
func Missing(param string) *Error {
	return Newf(MissingRequiredParameter, "Missing required parameter: %s", param)
}

// InvalidValue is 400006 naming the parameter whose value is out of bounds.
func InvalidValue(param, why string) *Error {
	return Newf(InvalidParameterValue, "Invalid parameter value: %s: %s", param, why)
}

// InvalidFormat is 400004 naming the parameter whose value cannot be parsed.
func InvalidFormat(param, why string) *Error {
	return Newf(InvalidParameterFormat, "Invalid parameter format: %s: %s", param, why)
}

// Validation is 400009 carrying the field errors. Its details list them.
func Validation(fields ...FieldError) *Error {
	msgs := make([]string, len(fields))
	for i, f := range fields {
		msgs[i] = f.FullMessage()
	}
	return &Error{Code: ValidationError, Details: strings.Join(msgs, ", "), Fields: fields}
}

// Entry is the catalog entry of e's code; an unknown code reads as 500001.
func (e *Error) Entry() Entry {
	if ent, ok := Lookup(e.Code); ok {
		return ent
	}
	ent, _ := Lookup(GeneralServerError)
	return ent
}

// Description is Details, or the entry's message when there are none.
func (e *Error) Description() string {
	if e.Details != "" {
		return e.Details
	}
	return e.Entry().Message
}

// Error is the code and the description, with the entry's message before
// it unless the description already starts with it (as the details of
// Missing, InvalidValue and the like do), so that no text is said twice.
func (e *Error) Error() string {
	msg, desc := e.Entry().Message, e.Description()
	if strings.HasPrefix(desc, msg) {
		return fmt.Sprintf("%d %s", e.Code, desc)
	}
	return fmt.Sprintf("%d %s: %s", e.Code, msg, desc)
}

// From returns the catalog error in err's chain, or 500001 for any other
// error: the cause stays in the server's log and never reaches the client.
func From(err error) *Error {
	if e, ok := errors.AsType[*Error](err); ok {
		return e
	}
	return &Error{Code: GeneralServerError}
}
