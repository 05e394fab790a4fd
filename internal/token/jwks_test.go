package token_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/custos-id/custos/internal/store"
	"github.com/custos-id/custos/internal/token"
)

// Published is the key set of every site that has keys: a site without one
// gets none made (nor does a process's read cache it), a rotated site
// publishes its pending key too, and the answer holds until the first of
// the sets it is made of is read again. Another process's key set is as
// the store has it.
func TestPublished(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		box := newBox(t)
		clk := &clock{t: t0}
		signer := newKeys(db, box, clk.now)
		signing, rotating, empty := newSite(t, db, "3_a"), newSite(t, db, "3_b"), newSite(t, db, "3_c")
		kidA := signedKid(t, signer, signing)
		kidB := signedKid(t, signer, rotating)
		clk.advance(10 * time.Second)
		rot, err := signer.Rotate(ctx, rotating)
		if err != nil {
			t.Fatal(err)
		}

		// Another process, reading the sets afresh.
		cs := &countingStore{KeyStore: db}
		reader := newKeys(cs, box, clk.now)
		published := func() ([]string, time.Duration) {
			t.Helper()
			set, holds, err := reader.Published(ctx, []int64{empty, signing, rotating, 999})
			if err != nil {
				t.Fatal(err)
			}
			if set.Keys == nil {
				t.Fatal("Keys is nil, not empty")
			}
			return kidsOf(set), holds
		}
		want := []string{kidA, kidB, rot.Key.KeyID}
		if kids, holds := published(); !slices.Equal(kids, want) || holds != token.CacheTTL {
			t.Fatalf("published %v (holds %v), want %v (holds %v)", kids, holds, want, token.CacheTTL)
		}
		if n := cs.creates.Load(); n != 0 {
			t.Fatalf("%d keys made for sites without one", n)
		}
		reads := cs.reads.Load()

		// 25.5 s later the sets come from the cache, and hold 34 s more;
		// the site without keys is asked the store again.
		clk.advance(25500 * time.Millisecond)
		if kids, holds := published(); !slices.Equal(kids, want) || holds != 34*time.Second {
			t.Fatalf("published %v (holds %v)", kids, holds)
		}
		if n := cs.reads.Load() - reads; n != 2 {
			t.Fatalf("%d store reads from the cache, want 2 (the sites without keys)", n)
		}

		// The site gets its first key: published from then on; its set,
		// just read, is not what limits the answer.
		kidC := signedKid(t, signer, empty)
		if kids, holds := published(); !slices.Equal(kids, append([]string{kidC}, want...)) || holds != 34*time.Second {
			t.Fatalf("published %v (holds %v)", kids, holds)
		}

		// Past CacheTTL the sets are read again; once the new key signs, it
		// comes first.
		clk.advance(token.CacheTTL)
		if kids, holds := published(); !slices.Equal(kids, []string{kidC, kidA, rot.Key.KeyID, kidB}) || holds != token.CacheTTL {
			t.Fatalf("published %v (holds %v)", kids, holds)
		}
		// PublicSet is one site's, made if need be.
		other := newSite(t, db, "3_d")
		set, holds, err := reader.PublicSet(ctx, other)
		if err != nil || len(set.Keys) != 1 || holds != token.CacheTTL || cs.creates.Load() != 1 {
			t.Fatalf("PublicSet: %v %v %v (%d made)", kidsOf(set), holds, err, cs.creates.Load())
		}
	})
}
