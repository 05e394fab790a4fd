package conformance

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/custos-id/custos/internal/site"
	"github.com/custos-id/custos/internal/store"
)

func init() {
	register("sites", testSites, "CreateSite", "SiteByID", "SiteByAPIKey", "ListSites", "UpdateSite")
	register("first-site", testCreateFirstSite, "CreateFirstSite")
	register("update-site-race", testUpdateSiteRace, "UpdateSite")
}

func testSites(t *testing.T, db *store.DB) {
	a, b := NewSite(t, db), NewSite(t, db)
	if a.ID == 0 || b.ID == a.ID {
		t.Fatalf("ids %d %d", a.ID, b.ID)
	}
	same := func(got site.Record, want site.Record) bool {
		return got.ID == want.ID && got.Name == want.Name && got.APIKey == want.APIKey &&
			string(got.SealedSecret) == string(want.SealedSecret) && slices.Equal(got.Domains, want.Domains) &&
			got.Policies == want.Policies && got.Schema == want.Schema && got.RequireReferrer == want.RequireReferrer &&
			nonEmpty(got.WebSDKConfig) == nonEmpty(want.WebSDKConfig) && got.ScreenSetScripts == want.ScreenSetScripts &&
			got.CreatedAt.Equal(want.CreatedAt) && got.UpdatedAt.Equal(want.UpdatedAt)
	}
	if got, err := db.SiteByAPIKey(ctx, a.APIKey); err != nil || !same(got, a) {
		t.Fatalf("SiteByAPIKey = %+v, %v; want %+v", got, err, a)
	}
	if got, err := db.SiteByID(ctx, b.ID); err != nil || !same(got, b) {
		t.Fatalf("SiteByID = %+v, %v; want %+v", got, err, b)
	}
	if list, err := db.ListSites(ctx); err != nil || len(list) != 2 || !same(list[0], a) || !same(list[1], b) {
		t.Fatalf("ListSites = %+v, %v", list, err)
	}
	dup := site.Record{Name: "dup", APIKey: a.APIKey, SealedSecret: []byte{1}, CreatedAt: t0, UpdatedAt: t0}
	if err := db.CreateSite(ctx, &dup); err == nil {
		t.Fatal("duplicate API key accepted")
	}
	// A site without a schema reads "" (its policies "{}").
	plain := site.Record{Name: "plain", APIKey: unique("3_"), SealedSecret: []byte{1}, CreatedAt: t0, UpdatedAt: t0}
	if err := db.CreateSite(ctx, &plain); err != nil {
		t.Fatal(err)
	}
	if got, err := db.SiteByID(ctx, plain.ID); err != nil || got.Schema != "" || got.Policies != "{}" ||
		got.WebSDKConfig != "{}" || got.ScreenSetScripts {
		t.Fatalf("site without schema: %+v, %v", got, err)
	}

	later := t0.Add(time.Hour)
	abort := errors.New("abort")
	for _, c := range []struct {
		name string
		id   int64
		edit func(*site.Record) error
		err  error
		want func(before site.Record) site.Record
	}{
		{name: "every writable field", id: a.ID,
			edit: func(r *site.Record) error {
				r.Name, r.SealedSecret, r.Domains, r.Policies = "renamed", []byte{9}, []string{"a.test", "*.b.test"}, `{"b":2}`
				r.RequireReferrer, r.UpdatedAt, r.Schema = true, later, `{"dataSchema":{"fields":{"x":{}}}}`
				r.WebSDKConfig, r.ScreenSetScripts = `{"lang":"de"}`, true
				return nil
			},
			want: func(s site.Record) site.Record {
				s.Name, s.SealedSecret, s.Domains, s.Policies = "renamed", []byte{9}, []string{"a.test", "*.b.test"}, `{"b":2}`
				s.RequireReferrer, s.UpdatedAt, s.Schema = true, later, `{"dataSchema":{"fields":{"x":{}}}}`
				s.WebSDKConfig, s.ScreenSetScripts = `{"lang":"de"}`, true
				return s
			}},
		{name: "id, API key and creation time are kept", id: a.ID,
			edit: func(r *site.Record) error {
				r.ID, r.APIKey, r.CreatedAt, r.UpdatedAt = 999, "3_other", later, later.Add(time.Second)
				return nil
			},
			want: func(s site.Record) site.Record { s.UpdatedAt = later.Add(time.Second); return s }},
		{name: "updated_at moves forward when the edit leaves it", id: a.ID,
			edit: func(r *site.Record) error { r.Name = "again"; return nil },
			want: func(s site.Record) site.Record {
				s.Name, s.UpdatedAt = "again", s.UpdatedAt.Add(time.Millisecond)
				return s
			}},
		{name: "updated_at moves forward when the edit puts it back", id: a.ID,
			edit: func(r *site.Record) error { r.UpdatedAt = t0; return nil },
			want: func(s site.Record) site.Record { s.UpdatedAt = s.UpdatedAt.Add(time.Millisecond); return s }},
		{name: "an error of the edit writes nothing", id: a.ID, err: abort,
			edit: func(r *site.Record) error { r.Name = "lost"; return abort },
			want: func(s site.Record) site.Record { return s }},
		{name: "unknown site", id: 999_999, err: site.ErrNotFound,
			edit: func(*site.Record) error { t.Error("edit called for an unknown site"); return nil }},
	} {
		t.Run(c.name, func(t *testing.T) {
			before, _ := db.SiteByID(ctx, c.id)
			var edited *site.Record
			err := db.UpdateSite(ctx, c.id, func(r *site.Record, _ site.Tx) error {
				if !same(*r, before) {
					t.Errorf("edit got %+v, want %+v", *r, before)
				}
				edited = r
				return c.edit(r)
			})
			if !errors.Is(err, c.err) || (c.err == nil && err != nil) {
				t.Fatalf("UpdateSite = %v, want %v", err, c.err)
			}
			if c.want == nil {
				return
			}
			want := c.want(before)
			got, err := db.SiteByID(ctx, c.id)
			if err != nil || !same(got, want) {
				t.Fatalf("after: %+v, %v; want %+v", got, err, want)
			}
			if c.err == nil && !edited.UpdatedAt.Equal(got.UpdatedAt) {
				t.Errorf("edited record holds updated_at %v, stored %v", edited.UpdatedAt, got.UpdatedAt)
			}
		})
	}
	if got, _ := db.SiteByID(ctx, b.ID); !same(got, b) {
		t.Fatalf("updates of site a changed site b: %+v", got)
	}

	for name, err := range map[string]error{
		"SiteByAPIKey": second(db.SiteByAPIKey(ctx, "3_none")),
		"SiteByID":     second(db.SiteByID(ctx, 999_999)),
	} {
		if !errors.Is(err, site.ErrNotFound) {
			t.Errorf("%s of an unknown site: %v, want ErrNotFound", name, err)
		}
	}
}

// Processes starting together on an empty database: one creates the site;
// once there is a site, none does.
func testCreateFirstSite(t *testing.T, db *store.DB) {
	const n = 8
	results := race(n, func(i int) outcome[int64] {
		r := site.Record{Name: "default", APIKey: fmt.Sprintf("3_first%d", i), SealedSecret: []byte{1}, Schema: fmt.Sprintf(`{"n":%d}`, i),
			CreatedAt: t0, UpdatedAt: t0}
		created, err := db.CreateFirstSite(ctx, &r)
		if !created {
			r.ID = 0
		}
		return outcome[int64]{r.ID, err}
	})
	var winners []int64
	winner := -1
	for i, r := range results {
		if r.err != nil {
			t.Fatal(r.err)
		}
		if r.v != 0 {
			winners, winner = append(winners, r.v), i
		}
	}
	if len(winners) != 1 {
		t.Fatalf("%d processes created the first site", len(winners))
	}
	if list, _ := db.ListSites(ctx); len(list) != 1 || list[0].ID != winners[0] || list[0].Schema != fmt.Sprintf(`{"n":%d}`, winner) {
		t.Fatalf("sites: %+v", list)
	}
	late := site.Record{Name: "late", APIKey: "3_late", SealedSecret: []byte{1}, CreatedAt: t0, UpdatedAt: t0}
	if created, err := db.CreateFirstSite(ctx, &late); created || err != nil {
		t.Fatalf("CreateFirstSite on a database with a site = %v, %v", created, err)
	}
}

// Concurrent updates of one site, each adding its own key to the policies:
// every key is there afterwards (none lost), and updated_at moved forward
// once per update.
func testUpdateSiteRace(t *testing.T, db *store.DB) {
	s := NewSite(t, db)
	const n = 32
	errs := race(n, func(i int) error {
		return db.UpdateSite(ctx, s.ID, func(r *site.Record, _ site.Tx) error {
			var m map[string]int
			if err := json.Unmarshal([]byte(r.Policies), &m); err != nil {
				return err
			}
			m[fmt.Sprint("k", i)] = i
			b, err := json.Marshal(m)
			r.Policies = string(b)
			return err
		})
	})
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	got, err := db.SiteByID(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]int
	if err := json.Unmarshal([]byte(got.Policies), &m); err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"a": 1}
	for i := range n {
		want[fmt.Sprint("k", i)] = i
	}
	if !maps.Equal(m, want) {
		t.Fatalf("policies after %d updates: %v", n, m)
	}
	if want := t0.Add(n * time.Millisecond); !got.UpdatedAt.Equal(want) {
		t.Fatalf("updated_at %v, want %v", got.UpdatedAt, want)
	}
}

// nonEmpty reads a site's "" Web SDK configuration (a record made before
// the store wrote it) as the {} the store writes for it.
func nonEmpty(conf string) string {
	if conf == "" {
		return "{}"
	}
	return conf
}
