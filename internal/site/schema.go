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
	st, err := s.updateTx(ctx, id, func(r *Record, fs Tx) error {
		cur, err := schema.Parse(r.Schema)
		if err != nil {
			return fmt.Errorf("site %d: %w", r.ID, err)
		}
		next, checks, err := cur.Change(docs)
		if err != nil {
			return err
		}
		for _, c := range checks {
			if err := checkEmpty(ctx, fs, r.ID, c); err != nil {
				return err
			}
		}
		return writeSchema(ctx, fs, r, cur, next)
	})
	return st.Schema, err
}

// checkEmpty refuses a change the data of the field forbids.
func checkEmpty(ctx context.Context, fs FieldStore, siteID int64, c schema.Check) error {
	used, err := fs.FieldInUse(ctx, siteID, string(c.Object), strings.Split(c.Path, "."))
	if err != nil {
		return err
	}
	if used {
		return errcode.InvalidValue(c.Param, fmt.Sprintf("accounts hold data in %s.%s: it cannot %s", c.Object, c.Path, c.Change))
	}
	return nil
}

// writeSchema stores next. The unique values of a field whose uniqueness
// changed are forgotten: one that stops being unique no longer counts them,
// and one that becomes unique — which holds no data — starts from none.
func writeSchema(ctx context.Context, fs FieldStore, r *Record, cur, next schema.Schema) error {
	for _, p := range changedUniques(cur, next) {
		if err := fs.DeleteUniqueValues(ctx, r.ID, "data."+p); err != nil {
			return err
		}
	}
	r.Schema = next.JSON()
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

// DeleteSchemaFields removes fields from the schema of site id and their
// values from every account of the site, all objects in one transaction:
// one path refused, nothing changes. A path the schema no longer lists but
// accounts still hold data in (a write that raced a removal) has its
// values removed too.
func (s *Service) DeleteSchemaFields(ctx context.Context, id int64, fields map[schema.Object][]string) (schema.Schema, error) {
	st, err := s.updateTx(ctx, id, func(r *Record, fs Tx) error {
		cur, err := schema.Parse(r.Schema)
		if err != nil {
			return fmt.Errorf("site %d: %w", r.ID, err)
		}
		next := cur
		for _, o := range schema.Objects {
			paths, ok := fields[o]
			if !ok {
				continue
			}
			listed, err := listedFields(ctx, fs, r.ID, cur, o, paths)
			if err != nil {
				return err
			}
			if next, err = next.Delete(o, listed); err != nil {
				return err
			}
			for _, p := range paths {
				if _, err := fs.RemoveFieldData(ctx, r.ID, string(o), strings.Split(p, ".")); err != nil {
					return err
				}
			}
		}
		return writeSchema(ctx, fs, r, cur, next)
	})
	return st.Schema, err
}

// listedFields returns the paths the schema lists; a path it does not list
// must hold data (to be removed) and no fields below it, or it is 400006.
func listedFields(ctx context.Context, fs FieldStore, siteID int64, cur schema.Schema, o schema.Object, paths []string) ([]string, error) {
	param := string(o) + "SchemaFields"
	var listed []string
	for _, p := range paths {
		if _, ok := cur.Field(o, p); ok || o == schema.Profile {
			listed = append(listed, p)
			continue
		}
		if err := schema.ValidPath(p); err != nil {
			return nil, errcode.InvalidValue(param, err.Error())
		}
		if below := cur.Below(o, p); len(below) > 0 {
			return nil, errcode.InvalidValue(param, fmt.Sprintf("%s holds fields of the schema: name them (%s)", p, strings.Join(below, ", ")))
		}
		used, err := fs.FieldInUse(ctx, siteID, string(o), strings.Split(p, "."))
		if err != nil {
			return nil, err
		}
		if !used {
			return nil, errcode.InvalidValue(param, fmt.Sprintf("%s is not a field of the %s schema", p, o))
		}
	}
	return listed, nil
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
