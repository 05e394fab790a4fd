package site

import (
	"context"
	"fmt"
	"strings"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/schema"
)

// SetSchema applies setSchema documents to the schema of site id, in one
// transaction. A change the stored data forbids — a field holding data
// that would change its type, be removed or become unique — is 400006
// naming it, and nothing changes.
//
// The data is asked within the transaction, so two schema changes cannot
// interleave; an account write racing a removal may still store a value in
// the field being removed, which then stays as data the schema no longer
// lists (deleteSchemaFields removes such values).
func (s *Service) SetSchema(ctx context.Context, id int64, docs schema.Documents) (schema.Schema, error) {
	var cur, next schema.Schema
	st, err := s.update(ctx, id, func(r *Record) error {
		var err error
		if cur, err = schema.Parse(r.Schema); err != nil {
			return fmt.Errorf("site %d: %w", r.ID, err)
		}
		var checks []schema.Check
		if next, checks, err = cur.Change(docs); err != nil {
			return err
		}
		for _, c := range checks {
			if err := s.checkEmpty(ctx, r.ID, c); err != nil {
				return err
			}
		}
		r.Schema = next.JSON()
		return nil
	})
	if err != nil {
		return schema.Schema{}, err
	}
	return st.Schema, s.resetUniques(ctx, id, cur, next)
}

// checkEmpty refuses a change the data of the field forbids.
func (s *Service) checkEmpty(ctx context.Context, siteID int64, c schema.Check) error {
	used, err := s.store.FieldInUse(ctx, siteID, string(c.Object), strings.Split(c.Path, "."))
	if err != nil {
		return err
	}
	if used {
		return errcode.InvalidValue(c.Param, fmt.Sprintf("accounts hold data in %s.%s: it cannot %s", c.Object, c.Path, c.Change))
	}
	return nil
}

// resetUniques forgets the unique values of the fields whose uniqueness
// changed. It runs after the schema is stored (the store's writer is not
// free inside UpdateSite): a field that stops being unique no longer
// counts its values, and one that becomes unique — which holds no data —
// starts from none, even if a crash left values of an earlier time.
func (s *Service) resetUniques(ctx context.Context, id int64, cur, next schema.Schema) error {
	for _, p := range changedUniques(cur, next) {
		if err := s.store.DeleteUniqueValues(ctx, id, "data."+p); err != nil {
			return err
		}
	}
	return nil
}

func changedUniques(cur, next schema.Schema) []string {
	var out []string
	for path, f := range cur.Data {
		if nf, ok := next.Data[path]; f.Unique && (!ok || !nf.Unique) {
			out = append(out, path)
		}
	}
	for path, f := range next.Data {
		if of, ok := cur.Data[path]; f.Unique && (!ok || !of.Unique) {
			out = append(out, path)
		}
	}
	return out
}

// DeleteSchemaFields removes fields of o from the schema of site id, then
// their values from every account of the site. A path the schema no longer
// lists but accounts still hold data in (a removal that stopped halfway, a
// write that raced one) has its values removed too.
func (s *Service) DeleteSchemaFields(ctx context.Context, id int64, o schema.Object, paths []string) (schema.Schema, error) {
	var cur, next schema.Schema
	st, err := s.update(ctx, id, func(r *Record) error {
		var err error
		if cur, err = schema.Parse(r.Schema); err != nil {
			return fmt.Errorf("site %d: %w", r.ID, err)
		}
		var listed []string
		for _, p := range paths {
			if _, ok := cur.Field(o, p); ok || o == schema.Profile {
				listed = append(listed, p)
				continue
			}
			if err := schema.ValidPath(p); err != nil {
				return errcode.InvalidValue(string(o)+"SchemaFields", err.Error())
			}
			used, err := s.store.FieldInUse(ctx, r.ID, string(o), strings.Split(p, "."))
			if err != nil {
				return err
			}
			if !used {
				return errcode.InvalidValue(string(o)+"SchemaFields", fmt.Sprintf("%s is not a field of the %s schema", p, o))
			}
		}
		if next, err = cur.Delete(o, listed); err != nil {
			return err
		}
		r.Schema = next.JSON()
		return nil
	})
	if err != nil {
		return schema.Schema{}, err
	}
	for _, p := range paths {
		if _, err := s.store.RemoveFieldData(ctx, id, string(o), strings.Split(p, ".")); err != nil {
			return schema.Schema{}, err
		}
	}
	return st.Schema, s.resetUniques(ctx, id, cur, next)
}

// AddFields adds the fields a server's write created (dynamicSchema) to the
// schema of site id. A field another write added meanwhile with another
// type is a field error (the write that lost is refused); see schema.Add.
func (s *Service) AddFields(ctx context.Context, id int64, fields map[string]schema.Field) (schema.Schema, []errcode.FieldError, error) {
	var errs []errcode.FieldError
	st, err := s.update(ctx, id, func(r *Record) error {
		cur, err := schema.Parse(r.Schema)
		if err != nil {
			return fmt.Errorf("site %d: %w", r.ID, err)
		}
		next, ferrs := cur.Add(fields)
		errs = ferrs
		r.Schema = next.JSON()
		return nil
	})
	return st.Schema, errs, err
}
