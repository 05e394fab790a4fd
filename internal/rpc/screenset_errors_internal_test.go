package rpc

import (
	"errors"
	"testing"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/screenset"
)

// Every attribute of the screenset package has an RPC name, and its
// conditions become catalog errors here, never in the domain.
func TestScreenSetErrors(t *testing.T) {
	for _, a := range screenset.Attributes() {
		if screenSetNames[a] == "" {
			t.Errorf("attribute %q has no RPC name", a)
		}
	}
	_, err := screenset.Input{ID: "x", HTML: "<p>"}.Check()
	if err != nil {
		t.Fatal(err)
	}
	_, err = screenset.Input{ID: "x"}.Check()
	if _, ok := errors.AsType[*errcode.Error](err); ok || !errors.Is(err, screenset.ErrInvalid) {
		t.Fatalf("the domain answers %T %v, want an *InvalidError", err, err)
	}
	for _, tc := range []struct {
		err           error
		prefix, param string
		code          errcode.Code
		details       string
	}{
		{err, "screenSets[2].", "screenSets", errcode.MissingRequiredParameter, "Missing required parameter: screenSets[2].html"},
		{&screenset.InvalidError{Attr: screenset.AttrCSS, Reason: "longer than 128 KiB"}, "", "screenSetID", errcode.InvalidParameterValue,
			"Invalid parameter value: css: longer than 128 KiB"},
		{&screenset.InvalidError{Attr: screenset.AttrIDs, Problem: screenset.ProblemFormat, Reason: "malformed JSON"}, "x.", "screenSetIDs",
			errcode.InvalidParameterFormat, "Invalid parameter format: screenSetIDs: malformed JSON"},
		{&screenset.InvalidError{Attr: screenset.AttrScreenSets, Reason: "screen-set \"a\" is given twice"}, "screenSets[0].", "screenSets",
			errcode.InvalidParameterValue, "Invalid parameter value: screenSets: screen-set \"a\" is given twice"},
		{&screenset.NotFoundError{ID: "S"}, "", "screenSetIDs", errcode.InvalidParameterValue, "Invalid parameter value: screenSetIDs: the site has no screen-set \"S\""},
		{screenset.ErrTooMany, "", "screenSets", errcode.InvalidParameterValue,
			"Invalid parameter value: screenSets: a site holds at most 100 screen-sets: delete one first (accounts.deleteScreenSet)"},
	} {
		e, ok := errors.AsType[*errcode.Error](screenSetError(tc.err, tc.prefix, tc.param))
		if !ok || e.Code != tc.code || e.Details != tc.details {
			t.Errorf("%v: %v, want %d %q", tc.err, e, tc.code, tc.details)
		}
	}
}
