package account_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/outbox"
	"github.com/custos-id/custos/internal/password"
	"github.com/custos-id/custos/internal/schema"
	"github.com/custos-id/custos/internal/secretbox"
	"github.com/custos-id/custos/internal/site"
	"github.com/custos-id/custos/internal/store"
	"github.com/custos-id/custos/internal/store/storetest"
)

// countingSchemas counts the schema changes the account service asks for.
type countingSchemas struct {
	sites *site.Service
	calls int
}

func (c *countingSchemas) AddFields(ctx context.Context, id int64, f map[string]schema.Field) (schema.Schema, []errcode.FieldError, error) {
	c.calls++
	return c.sites.AddFields(ctx, id, f)
}

// A batch of imports that creates a data field (dynamicSchema) adds it to
// the site's schema once, not once an account: the batch's site learns the
// field from the first.
func TestImportBatchAddsAFieldOnce(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t, store.SQLite)
	box, err := secretbox.New(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	hasher, err := password.NewHasher(password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, 1)
	if err != nil {
		t.Fatal(err)
	}
	sites := site.NewService(db, box, site.Options{})
	counting := &countingSchemas{sites: sites}
	svc := account.NewService(db, hasher, outbox.New(db, box, nil, time.Now, nil), box, account.Options{Schemas: counting})
	st, err := sites.Create(ctx, "import", nil)
	if err != nil {
		t.Fatal(err)
	}
	var ins []account.ImportInput
	for i := range 5 {
		ins = append(ins, account.ImportInput{CreateUID: true, Objects: account.Objects{Data: map[string]any{"tier": "gold"}},
			LoginIDs: &account.ImportLoginIDs{Emails: []string{fmt.Sprintf("u%d@example.com", i)}}})
	}
	_, errs := svc.ImportBatch(ctx, st, ins)
	for i, err := range errs {
		if err != nil {
			t.Fatalf("input %d: %v", i, err)
		}
	}
	if counting.calls != 1 {
		t.Errorf("AddFields called %d times for one new field, want 1", counting.calls)
	}
}
