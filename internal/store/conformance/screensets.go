package conformance

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/custos-id/custos/internal/screenset"
	"github.com/custos-id/custos/internal/site"
	"github.com/custos-id/custos/internal/store"
)

func init() {
	register("screen-sets", testScreenSets, "ScreenSets", "PutScreenSet", "DeleteScreenSet", "ScreenSetUsage")
	register("screen-sets-in-site-change", testScreenSetsInSiteChange, "UpdateSite", "PutScreenSet")
}

func screenSet(id, html string, at time.Time) screenset.Record {
	return screenset.Record{ID: id, HTML: html, CSS: ".a{color:red}", JavaScript: "({onError: function () {}})",
		Translations: `{"en":{"K":"v ü"}}`, Metadata: `{"version":1}`, UpdatedAt: at}
}

func testScreenSets(t *testing.T, db *store.DB) {
	a, b := NewSite(t, db), NewSite(t, db)
	x, y := screenSet("Acme-Login", "<div>x</div>", t0), screenSet("Acme-Profile", "<div>y</div>", t0.Add(time.Second))
	for _, r := range []screenset.Record{y, x} {
		if err := db.PutScreenSet(ctx, a.ID, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.PutScreenSet(ctx, b.ID, screenSet("Acme-Login", "<div>b</div>", t0)); err != nil {
		t.Fatal(err)
	}
	same := func(got, want []screenset.Record) bool {
		return slices.EqualFunc(got, want, func(g, w screenset.Record) bool {
			return g.ID == w.ID && g.HTML == w.HTML && g.CSS == w.CSS && g.JavaScript == w.JavaScript &&
				g.Translations == w.Translations && g.Metadata == w.Metadata && g.UpdatedAt.Equal(w.UpdatedAt)
		})
	}
	for _, c := range []struct {
		name string
		ids  []string
		want []screenset.Record
	}{
		{"all, ordered by id", nil, []screenset.Record{x, y}},
		{"by id, unknown ones left out", []string{"Acme-Profile", "none", "Acme-Login"}, []screenset.Record{y, x}},
		{"none of them", []string{"none"}, nil},
	} {
		if got, err := db.ScreenSets(ctx, a.ID, c.ids); err != nil || !same(got, c.want) {
			t.Errorf("%s: ScreenSets = %+v, %v; want %+v", c.name, got, err, c.want)
		}
	}
	// A put of a stored id replaces it whole.
	x2 := screenset.Record{ID: x.ID, HTML: "<div>x2</div>", Translations: "{}", Metadata: "{}", UpdatedAt: t0.Add(time.Hour)}
	if err := db.PutScreenSet(ctx, a.ID, x2); err != nil {
		t.Fatal(err)
	}
	if got, err := db.ScreenSets(ctx, a.ID, []string{x.ID}); err != nil || !same(got, []screenset.Record{x2}) {
		t.Fatalf("after replace: %+v, %v", got, err)
	}
	// Usage counts bytes, not characters ("é" is two).
	size := func(rs ...screenset.Record) (n int64) {
		for _, r := range rs {
			n += int64(len(r.HTML) + len(r.CSS) + len(r.JavaScript) + len(r.Translations) + len(r.Metadata))
		}
		return n
	}
	if n, got, err := db.ScreenSetUsage(ctx, a.ID); err != nil || n != 2 || got != size(x2, y) {
		t.Fatalf("ScreenSetUsage = %d, %d, %v; want 2, %d", n, got, err, size(x2, y))
	}
	if ok, err := db.DeleteScreenSet(ctx, a.ID, y.ID); err != nil || !ok {
		t.Fatalf("DeleteScreenSet = %v, %v", ok, err)
	}
	if ok, err := db.DeleteScreenSet(ctx, a.ID, y.ID); err != nil || ok {
		t.Fatalf("DeleteScreenSet again = %v, %v", ok, err)
	}
	if n, got, err := db.ScreenSetUsage(ctx, a.ID); err != nil || n != 1 || got != size(x2) {
		t.Fatalf("ScreenSetUsage after delete = %d, %d, %v", n, got, err)
	}
	// Site b's set of the same id is its own.
	if got, err := db.ScreenSets(ctx, b.ID, nil); err != nil || len(got) != 1 || got[0].HTML != "<div>b</div>" {
		t.Fatalf("site b: %+v, %v", got, err)
	}
	if n, got, err := db.ScreenSetUsage(ctx, 999_999); err != nil || n != 0 || got != 0 {
		t.Fatalf("unknown site: %d, %d, %v", n, got, err)
	}
}

// Screen-sets written in a site change are written with it, or not at all.
func testScreenSetsInSiteChange(t *testing.T, db *store.DB) {
	s := NewSite(t, db)
	abort := errors.New("abort")
	err := db.UpdateSite(ctx, s.ID, func(r *site.Record, tx site.Tx) error {
		r.Name = "lost"
		if err := tx.PutScreenSet(ctx, r.ID, screenSet("A", "<p>a</p>", t0)); err != nil {
			return err
		}
		return abort
	})
	if !errors.Is(err, abort) {
		t.Fatalf("UpdateSite = %v", err)
	}
	if got, err := db.ScreenSets(ctx, s.ID, nil); err != nil || len(got) != 0 {
		t.Fatalf("an aborted change wrote screen-sets: %+v, %v", got, err)
	}
	err = db.UpdateSite(ctx, s.ID, func(r *site.Record, tx site.Tx) error {
		r.WebSDKConfig = `{"lang":"fr"}`
		return tx.PutScreenSet(ctx, r.ID, screenSet("A", "<p>a</p>", t0))
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := db.ScreenSets(ctx, s.ID, nil)
	if err != nil || len(got) != 1 || got[0].ID != "A" {
		t.Fatalf("after the change: %+v, %v", got, err)
	}
	if r, err := db.SiteByID(ctx, s.ID); err != nil || r.WebSDKConfig != `{"lang":"fr"}` || r.Name != "s" {
		t.Fatalf("site after the change: %+v, %v", r, err)
	}
}
