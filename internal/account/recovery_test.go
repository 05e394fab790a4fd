package account_test

import (
	"bytes"
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/outbox"
	"github.com/custos-id/custos/internal/password"
	"github.com/custos-id/custos/internal/secretbox"
	"github.com/custos-id/custos/internal/site"
	"github.com/custos-id/custos/internal/store"
	"github.com/custos-id/custos/internal/store/storetest"
)

// recorder is the real store, noting which of its methods a service calls
// (the calls inside a transaction count as the WithTx). A transaction waits
// for gate, when set, so that work started in the background cannot run
// before the test has looked at what came before the answer.
type recorder struct {
	*store.DB
	gate  chan struct{}
	mu    sync.Mutex
	calls []string
}

func (r *recorder) note(name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, name)
}

func (r *recorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.calls
	r.calls = nil
	return c
}

func (r *recorder) AccountByLoginID(ctx context.Context, siteID int64, id account.LoginID) (account.Account, error) {
	r.note("AccountByLoginID")
	return r.DB.AccountByLoginID(ctx, siteID, id)
}

func (r *recorder) WithTx(ctx context.Context, fn func(account.Store) error) error {
	if r.gate != nil {
		<-r.gate
	}
	r.note("WithTx")
	return r.DB.WithTx(ctx, fn)
}

// Under preventLoginIDHarvesting, starting a reset by mail does the same
// before its answer for a known and an unknown login ID (one lookup) and
// answers the same; the token and the mail of the known one come after.
func TestResetPasswordAnswersBeforeTheWork(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			ctx := context.Background()
			db := storetest.Open(t, e)
			box, err := secretbox.New(bytes.Repeat([]byte{7}, 32))
			if err != nil {
				t.Fatal(err)
			}
			hasher, err := password.NewHasher(password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, 1)
			if err != nil {
				t.Fatal(err)
			}
			rec := &recorder{DB: db}
			svc := account.NewService(rec, hasher, outbox.New(db, box, nil, time.Now, nil), box, account.Options{})
			st, err := site.NewService(db, box, site.Options{}).Create(ctx, "reset", nil)
			if err != nil {
				t.Fatal(err)
			}
			st.Policies.AccountOptions.PreventLoginIDHarvesting = true
			if _, err := svc.Register(ctx, st, account.RegisterInput{Email: "known@example.com", Password: "right-password-1",
				Finalize: true, NoSession: true}); err != nil {
				t.Fatal(err)
			}
			rec.take()

			var answers []account.ResetResult
			for _, id := range []string{"nobody@example.com", "known@example.com"} {
				rec.gate = make(chan struct{})
				res, err := svc.ResetPassword(ctx, st, account.ResetInput{LoginID: id, SendEmail: true})
				if err != nil {
					t.Fatalf("%s: %v", id, err)
				}
				answers = append(answers, res)
				if got := rec.take(); !slices.Equal(got, []string{"AccountByLoginID"}) {
					t.Errorf("%s: before the answer %v, want one lookup", id, got)
				}
				close(rec.gate)
				svc.Wait()
				want := []string(nil)
				if id == "known@example.com" {
					want = []string{"WithTx"} // the token and the mail, after the answer
				}
				if got := rec.take(); !slices.Equal(got, want) {
					t.Errorf("%s: after the answer %v, want %v", id, got, want)
				}
			}
			if answers[0] != answers[1] {
				t.Errorf("answers differ: %+v and %+v", answers[0], answers[1])
			}
		})
	}
}
