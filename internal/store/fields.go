package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/site"
)

var (
	_ site.FieldStore     = (*DB)(nil)
	_ account.UniqueStore = (*DB)(nil)
)

// A field of a schema is a path of keys below one of the JSON objects of
// accounts. Along the path, an array is looked into, one level deep: path
// ["kids", "name"] reaches "x" in {"kids": [{"name": "x"}]}, not in
// {"kids": [[{"name": "x"}]]}. That is how PostgreSQL's jsonpath reads a
// path in lax mode; on SQLite, fieldWalk walks it the same way, and
// removeField removes what both reach.

// fieldWalk (SQLite) is every value at path ($2, a JSON array of $3 keys)
// in column %[1]s of the accounts of site $1, with the account's id, at
// depth $3. A row at a lower depth is an object, or an array being looked
// into (unwrapped: its elements are not looked into again).
const fieldWalk = `WITH RECURSIVE walk (id, depth, v, t, unwrapped) AS (
	  SELECT a.id, 0, a.%[1]s, json_type(a.%[1]s), 0 FROM accounts a WHERE a.site_id = $1
	  UNION ALL
	  SELECT w.id, w.depth + (w.t = 'object'), CASE WHEN e.type IN ('object', 'array') THEN e.value END, e.type,
	         w.t = 'array'
	  FROM walk w, json_each(w.v) e
	  WHERE w.depth < $3 AND (w.t = 'object' AND e.key = ($2 ->> w.depth) OR w.t = 'array' AND NOT w.unwrapped))
	`

// objectColumn is the column of object, one of objectColumns: never the
// text given, which goes into SQL.
func objectColumn(object string) (string, error) {
	if i := slices.Index(objectColumns[:], object); i >= 0 {
		return objectColumns[i], nil
	}
	return "", fmt.Errorf("store: no account object %q (want one of %v)", object, objectColumns)
}

// fieldArgs are the arguments of the field queries: the site, then the path
// as the engine reads it (PostgreSQL: a lax jsonpath, each key quoted as a
// JSON string; SQLite: a JSON array of the keys, and their number).
func (db *DB) fieldArgs(siteID int64, path []string) ([]any, error) {
	if len(path) == 0 || slices.Contains(path, "") {
		return nil, fmt.Errorf("store: field path %q: want one or more keys, none empty", path)
	}
	if db.engine == Postgres {
		var b strings.Builder
		b.WriteString("lax $")
		for _, k := range path {
			q, err := json.Marshal(k)
			if err != nil {
				return nil, err
			}
			b.WriteString(".")
			b.Write(q)
		}
		return []any{siteID, b.String()}, nil
	}
	keys, err := json.Marshal(path)
	if err != nil {
		return nil, err
	}
	return []any{siteID, string(keys), len(path)}, nil
}

// FieldInUse implements site.FieldStore, in one statement. Any value but
// null counts, an empty array or object too.
func (db *DB) FieldInUse(ctx context.Context, siteID int64, object string, path []string) (bool, error) {
	col, err := objectColumn(object)
	if err != nil {
		return false, err
	}
	args, err := db.fieldArgs(siteID, path)
	if err != nil {
		return false, err
	}
	query := fmt.Sprintf(fieldWalk+`SELECT EXISTS (SELECT 1 FROM walk WHERE depth = $3 AND t <> 'null')`, col)
	if db.engine == Postgres {
		query = fmt.Sprintf(`SELECT EXISTS (SELECT 1 FROM accounts a, jsonb_path_query(a.%s, $2::jsonpath) v
			WHERE a.site_id = $1 AND v <> 'null'::jsonb)`, col)
	}
	var used bool
	err = db.row(ctx, query, args...).Scan(&used)
	return used, err
}

// RemoveFieldData implements site.FieldStore. The accounts holding the
// field (even as null) are read in the transaction, locked on PostgreSQL,
// and each is written back without it; updated_at moves a millisecond
// forward, so that a writer holding an earlier read gets ErrChanged.
// Neither engine removes a key inside array elements in SQL, so the
// removal itself is done here, on the decoded object.
func (db *DB) RemoveFieldData(ctx context.Context, siteID int64, object string, path []string) (int64, error) {
	col, err := objectColumn(object)
	if err != nil {
		return 0, err
	}
	args, err := db.fieldArgs(siteID, path)
	if err != nil {
		return 0, err
	}
	query := fmt.Sprintf(fieldWalk+`SELECT a.id, a.%[1]s FROM accounts a WHERE a.id IN (SELECT id FROM walk WHERE depth = $3) ORDER BY a.id`, col)
	if db.engine == Postgres {
		query = fmt.Sprintf(`SELECT a.id, a.%[1]s FROM accounts a
			WHERE a.site_id = $1 AND jsonb_path_exists(a.%[1]s, $2::jsonpath) ORDER BY a.id FOR UPDATE`, col)
	}
	var changed int64
	err = db.withTx(ctx, func(tx *DB) error {
		held, err := tx.objectsOf(ctx, query, args...)
		if err != nil {
			return err
		}
		for _, h := range held {
			if !removeField(h.obj, path, false) {
				continue
			}
			b, err := json.Marshal(h.obj)
			if err != nil {
				return fmt.Errorf("account %d %s: %w", h.id, col, err)
			}
			res, err := tx.exec(ctx, fmt.Sprintf(`UPDATE accounts SET %s = $1, updated_at = updated_at + 1 WHERE id = $2`, col),
				string(b), h.id)
			if err := affected(res, err, account.ErrNotFound); err != nil {
				return fmt.Errorf("account %d: %w", h.id, err)
			}
			changed++
		}
		return tx.DeleteUniqueValues(ctx, siteID, object+"."+strings.Join(path, "."))
	})
	if err != nil {
		return 0, err
	}
	return changed, nil
}

// heldObject is one JSON object of an account.
type heldObject struct {
	id  int64
	obj map[string]any
}

// objectsOf runs query, which returns account ids and JSON objects, and
// decodes the objects. They are all read before the caller writes: a
// transaction runs one statement at a time.
func (db *DB) objectsOf(ctx context.Context, query string, args ...any) ([]heldObject, error) {
	rows, err := db.rows(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []heldObject
	for rows.Next() {
		var (
			h   heldObject
			raw string
		)
		if err := rows.Scan(&h.id, &raw); err != nil {
			return nil, err
		}
		if err := unmarshalObject(raw, &h.obj); err != nil {
			return nil, fmt.Errorf("account %d: %w", h.id, err)
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// removeField deletes the last key of path wherever path reaches it in v,
// looking into an array along the path unless v is an element of one
// (unwrapped); it tells whether it deleted any.
func removeField(v any, path []string, unwrapped bool) bool {
	switch v := v.(type) {
	case map[string]any:
		child, ok := v[path[0]]
		if !ok {
			return false
		}
		if len(path) == 1 {
			delete(v, path[0])
			return true
		}
		return removeField(child, path[1:], false)
	case []any:
		if unwrapped {
			return false
		}
		removed := false
		for _, e := range v {
			removed = removeField(e, path, true) || removed
		}
		return removed
	}
	return false
}

// SetUniqueValues implements account.UniqueStore: the account's values are
// deleted and vals inserted one by one, so that a value another account
// holds (the primary key) names its field.
func (db *DB) SetUniqueValues(ctx context.Context, siteID, accountID int64, vals []account.UniqueValue) error {
	return db.withTx(ctx, func(tx *DB) error {
		if _, err := tx.exec(ctx, `DELETE FROM unique_values WHERE account_id = $1`, accountID); err != nil {
			return err
		}
		for _, v := range vals {
			_, err := tx.exec(ctx, `INSERT INTO unique_values (site_id, field, value, account_id) VALUES ($1, $2, $3, $4)`,
				siteID, v.Field, v.Value, accountID)
			if tx.violates(err, "unique_values") {
				return &account.UniqueTakenError{Field: v.Field}
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// DeleteUniqueValues implements site.FieldStore.
func (db *DB) DeleteUniqueValues(ctx context.Context, siteID int64, field string) error {
	_, err := db.exec(ctx, `DELETE FROM unique_values WHERE site_id = $1 AND field = $2`, siteID, field)
	return err
}
