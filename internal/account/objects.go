package account

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/schema"
	"github.com/custos-id/custos/internal/site"
)

// Schemas adds to a site's schema the data fields a server's write creates
// (dynamicSchema): the site service.
type Schemas interface {
	AddFields(ctx context.Context, siteID int64, fields map[string]schema.Field) (schema.Schema, []errcode.FieldError, error)
}

// Objects are the parts of an account the site's schema governs, as a
// write gives them: nil for a part the write leaves alone.
type Objects = schema.Values

// objectsOf returns the objects a holds.
func objectsOf(a Account) Objects {
	return Objects{Profile: a.Profile, Data: a.Data, Preferences: a.Preferences, Subscriptions: a.Subscriptions}
}

func setObjects(a *Account, v Objects) {
	a.Profile, a.Data, a.Preferences, a.Subscriptions = v.Profile, v.Data, v.Preferences, v.Subscriptions
}

// written tells whether a write gives any object.
func written(v Objects) bool {
	return v.Profile != nil || v.Data != nil || v.Preferences != nil || v.Subscriptions != nil
}

// createFields adds the data fields a write creates (out.Created) to the
// site's schema, once everything else about the write has been checked,
// and checks the write again against what was stored: a field another
// write created meanwhile keeps the type it got then.
func (s *Service) createFields(ctx context.Context, st *site.Site, w schema.Write, out schema.Outcome) error {
	if len(out.Created) == 0 {
		return nil
	}
	if s.schemas == nil {
		return errors.New("account: no schema service to add fields to")
	}
	sc, ferrs, err := s.schemas.AddFields(ctx, st.ID, out.Created)
	if err != nil {
		return err
	}
	// The caller's site has the fields from now on: a batch of imports
	// adds each new field once, not once an account.
	st.Schema = sc
	if len(ferrs) == 0 {
		ferrs = sc.Apply(w).Errors
	}
	if len(ferrs) > 0 {
		return invalid(ferrs...)
	}
	return nil
}

// missingFields is the pending registration of an account whose required
// fields lack values.
func missingFields(missing []string) error {
	return failCase(ErrPendingRegistration, CaseMissingFields, strings.Join(missing, ", "))
}

// MissingFields lists the required fields a has no value for.
func MissingFields(st site.Site, a Account) []string { return st.Schema.Missing(objectsOf(a)) }

// writeUniques replaces the unique values of a in tx, when they changed: a
// value another account holds is a field error (RuleTaken).
func writeUniques(ctx context.Context, tx Store, a Account, before, after []schema.UniqueValue) error {
	if slices.Equal(before, after) {
		return nil
	}
	err := tx.SetUniqueValues(ctx, a.SiteID, a.ID, after)
	if te, ok := errors.AsType[*UniqueTakenError](err); ok {
		return invalid(errcode.Field(te.Field, errcode.RuleTaken).WithCode(errcode.UniqueIndexValidation))
	}
	return err
}
