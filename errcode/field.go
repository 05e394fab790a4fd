package errcode

import "fmt"

// Rule is the validation code of a field error: the REST dialect's
// errors[].code, one of the JSON error codes of the Social ID document.
type Rule string

// The JSON error codes of the Social ID error document.
const (
	RuleInclusion            Rule = "inclusion"
	RuleExclusion            Rule = "exclusion"
	RuleInvalid              Rule = "invalid"
	RuleConfirmation         Rule = "confirmation"
	RuleAccepted             Rule = "accepted"
	RuleEmpty                Rule = "empty"
	RuleBlank                Rule = "blank"
	RuleTooLong              Rule = "too_long"
	RuleTooShort             Rule = "too_short"
	RuleWrongLength          Rule = "wrong_length"
	RuleNotANumber           Rule = "not_a_number"
	RuleNotAnInteger         Rule = "not_an_integer"
	RuleGreaterThan          Rule = "greater_than"
	RuleGreaterThanOrEqualTo Rule = "greater_than_or_equal_to"
	RuleEqualTo              Rule = "equal_to"
	RuleLessThan             Rule = "less_than"
	RuleLessThanOrEqualTo    Rule = "less_than_or_equal_to"
	RuleOdd                  Rule = "odd"
	RuleEven                 Rule = "even"
	RuleTaken                Rule = "taken"
	RuleMustBePresent        Rule = "must_be_present"
	RuleInvalidEmail         Rule = "invalid_email"
	RuleRepeated             Rule = "repeated"
	// RuleInvalidPassword is the code of a failed login in the Social ID examples.
	RuleInvalidPassword Rule = "invalid_password"
	// RuleActive, RuleConfirmed and RuleLocked are the codes of a refused login
	// (deactivated, unconfirmed, locked) in the Social ID login API.
	RuleActive    Rule = "active"
	RuleConfirmed Rule = "confirmed"
	RuleLocked    Rule = "locked"
)

// RuleInfo describes a rule: its default RPC field code and message.
type RuleInfo struct {
	Rule Rule
	// Code is the errorCode of the RPC validationErrors entry by default.
	Code Code
	// Message is the default message; %d stands for the count where the rule has one.
	Message  string
	HasCount bool
	// Description is the Social ID document's description of the rule.
	Description string
}

var rules = []RuleInfo{
	{RuleInclusion, InvalidFormatValidation, "is not included in the list", false, "The attribute value is not one of the possible values."},
	{RuleExclusion, InvalidFormatValidation, "is reserved", false, "The attribute value is reserved."},
	{RuleInvalid, InvalidFormatValidation, "is invalid", false, "The attribute value is invalid."},
	{RuleConfirmation, ValidationError, "doesn't match confirmation", false, "The attribute doesn't match the confirmation."},
	{RuleAccepted, RequiredValueValidation, "must be accepted", false, "The attribute must be accepted."},
	{RuleEmpty, RequiredValueValidation, "can't be empty", false, "The attribute can't be empty."},
	{RuleBlank, RequiredValueValidation, "can't be blank", false, "The attribute can't be blank."},
	{RuleTooLong, InvalidFormatValidation, "is too long (maximum is %d characters)", true, "The attribute is too long. (Maximum of count characters)"},
	{RuleTooShort, InvalidFormatValidation, "is too short (minimum is %d characters)", true, "The attribute is too short. (Minimum of count characters)"},
	{RuleWrongLength, InvalidFormatValidation, "is the wrong length (should be %d characters)", true, "The attribute has the wrong length. (Should be count characters)"},
	{RuleNotANumber, InvalidTypeValidation, "is not a number", false, "The attribute must be a number."},
	{RuleNotAnInteger, InvalidTypeValidation, "must be an integer", false, "The attribute must be an integer."},
	{RuleGreaterThan, InvalidFormatValidation, "must be greater than %d", true, "The attribute must be greater than count."},
	{RuleGreaterThanOrEqualTo, InvalidFormatValidation, "must be greater than or equal to %d", true, "The attribute must be greater than or equal to count."},
	{RuleEqualTo, InvalidFormatValidation, "must be equal to %d", true, "The attribute must be equal to count."},
	{RuleLessThan, InvalidFormatValidation, "must be less than %d", true, "The attribute must be less than count."},
	{RuleLessThanOrEqualTo, InvalidFormatValidation, "must be less than or equal to %d", true, "The attribute must be less than or equal to count."},
	{RuleOdd, InvalidFormatValidation, "must be odd", false, "The attribute must be odd."},
	{RuleEven, InvalidFormatValidation, "must be even", false, "The attribute must be even."},
	{RuleTaken, UniqueIdentifierExists, "has already been taken", false, "The attribute value has already been taken."},
	{RuleMustBePresent, RequiredValueValidation, "must be present", false, "The attribute value must be present."},
	{RuleInvalidEmail, InvalidFormatValidation, "must be a valid email", false, "The attribute must be a valid email."},
	{RuleRepeated, ValidationError, "must be different from last %d ones", true, "The attribute value must be different from last count ones."},
	{RuleInvalidPassword, InvalidLoginID, "wrong password and email or username combination", false, "The login ID and password do not match an account."},
	{RuleActive, AccountDisabled, "user is not active", false, "The account is deactivated."},
	{RuleConfirmed, AccountPendingVerification, "email address is not confirmed", false, "The account's email address is not confirmed."},
	{RuleLocked, AccountTemporarilyLockedOut, "user is locked", false, "The account is locked after too many failed logins."},
}

// Rules returns every rule with its defaults.
func Rules() []RuleInfo { return append([]RuleInfo(nil), rules...) }

// Info returns the defaults of r.
func (r Rule) Info() (RuleInfo, bool) {
	for _, ri := range rules {
		if ri.Rule == r {
			return ri, true
		}
	}
	return RuleInfo{}, false
}

// BaseAttribute names a field error that belongs to no one attribute.
const BaseAttribute = "base"

// FieldError is one problem with one field of a request.
type FieldError struct {
	// Attribute is the field's name in the domain (dotted for nested fields),
	// or BaseAttribute. Each dialect may rename it on the wire.
	Attribute string
	// Code is the errorCode of the RPC validationErrors entry.
	Code Code
	// Rule is the REST errors[].code.
	Rule    Rule
	Message string
	Count   *int
	Value   *string
}

// Field returns the field error of rule for attr, with the rule's default code
// and message.
func Field(attr string, rule Rule) FieldError {
	ri, _ := rule.Info()
	return FieldError{Attribute: attr, Code: ri.Code, Rule: rule, Message: ri.Message}
}

// FieldCount returns the field error of a rule that carries a count, such as
// too_short or repeated; the count fills the default message.
func FieldCount(attr string, rule Rule, count int) FieldError {
	f := Field(attr, rule)
	f.Message = fmt.Sprintf(f.Message, count)
	f.Count = &count
	return f
}

// WithValue returns f naming the value it refers to.
func (f FieldError) WithValue(v string) FieldError {
	f.Value = &v
	return f
}

// WithCode returns f with another RPC field code.
func (f FieldError) WithCode(c Code) FieldError {
	f.Code = c
	return f
}

// FullMessage is the attribute followed by the message, as error descriptions
// show it: "email_address has already been taken". A base error is its message.
func (f FieldError) FullMessage() string {
	if f.Attribute == "" || f.Attribute == BaseAttribute {
		return f.Message
	}
	return f.Attribute + " " + f.Message
}

// WithMessage returns f with another message.
func (f FieldError) WithMessage(m string) FieldError {
	f.Message = m
	return f
}
