package errcode

import "net/http"

// Token is the "error" value of a REST (Social ID) error body.
type Token string

// The tokens of the Social ID error format.
const (
	TokenAuthenticationFailed Token = "authentication_failed"
	TokenBadRequest           Token = "bad_request"
	TokenConflict             Token = "conflict"
	TokenForbidden            Token = "forbidden"
	TokenInternalServerError  Token = "internal_server_error"
	TokenInvalidParameters    Token = "invalid_parameters"
	TokenMissingParameters    Token = "missing_parameters"
	TokenNotAcceptable        Token = "not_acceptable"
	TokenNotFound             Token = "not_found"
	TokenUnauthorized         Token = "unauthorized"
	TokenUnprocessableEntity  Token = "unprocessable_entity"
)

// tokenStatus is the status table of the Social ID error document. The document
// lists authentication_failed, invalid_parameters and missing_parameters as
// tokens without a row of their own; they take the status of their nearest row.
var tokenStatus = map[Token]int{
	TokenBadRequest:           http.StatusBadRequest,
	TokenMissingParameters:    http.StatusBadRequest,
	TokenUnauthorized:         http.StatusUnauthorized,
	TokenAuthenticationFailed: http.StatusUnauthorized,
	TokenForbidden:            http.StatusForbidden,
	TokenNotFound:             http.StatusNotFound,
	TokenNotAcceptable:        http.StatusNotAcceptable,
	TokenConflict:             http.StatusConflict,
	TokenUnprocessableEntity:  http.StatusUnprocessableEntity,
	TokenInvalidParameters:    http.StatusUnprocessableEntity,
	TokenInternalServerError:  http.StatusInternalServerError,
}

// Status is the HTTP status a REST response with this token carries.
func (t Token) Status() int {
	if s, ok := tokenStatus[t]; ok {
		return s
	}
	return http.StatusInternalServerError
}
