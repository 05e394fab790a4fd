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
// (the calls inside a transaction count as the WithTx). A noted call waits
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

// wait holds a call until the gate opens, when one is set.
func (r *recorder) wait() {
	if r.gate != nil {
		<-r.gate
	}
}

func (r *recorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.calls
	r.calls = nil
	return c
}

func (r *recorder) AccountByLoginID(ctx context.Context, siteID int64, id account.LoginID) (account.Account, error) {
	r.wait()
	r.note("AccountByLoginID")
	return r.DB.AccountByLoginID(ctx, siteID, id)
}

func (r *recorder) WithTx(ctx context.Context, fn func(account.Store) error) error {
	r.wait()
	r.note("WithTx")
	return r.DB.WithTx(ctx, fn)
}

// Under preventLoginIDHarvesting, starting a reset by mail answers a known
// and an unknown login ID alike, before looking anything up; the lookup, and
// for the known one the token and the mail, come after.
func TestResetPasswordAnswersBeforeTheWork(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			ctx := context.Background()
			svc, rec, st := newResetService(t, e)

			var answers []account.ResetResult
			for _, id := range []string{"nobody@example.com", "known@example.com"} {
				rec.gate = make(chan struct{})
				res, err := svc.ResetPassword(ctx, st, account.ResetInput{LoginID: id, SendEmail: true})
				if err != nil {
					t.Fatalf("%s: %v", id, err)
				}
				answers = append(answers, res)
				if got := rec.take(); len(got) != 0 {
					t.Errorf("%s: before the answer %v, want nothing", id, got)
				}
				close(rec.gate)
				svc.Wait()
				want := []string{"AccountByLoginID"}
				if id == "known@example.com" {
					want = append(want, "WithTx") // the token and the mail
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

// After Close (a server shutting down) a reset does its work before it
// answers: nobody would wait for work started afterwards.
func TestResetPasswordAfterClose(t *testing.T) {
	ctx := context.Background()
	svc, rec, st := newResetService(t, store.SQLite)
	svc.Close()
	if _, err := svc.ResetPassword(ctx, st, account.ResetInput{LoginID: "known@example.com", SendEmail: true}); err != nil {
		t.Fatal(err)
	}
	if got := rec.take(); !slices.Equal(got, []string{"AccountByLoginID", "WithTx"}) {
		t.Errorf("before the answer %v, want the lookup and the reset", got)
	}
}

// newResetService is an account service over a recorder of the real store
// of engine, with a site that prevents login-ID harvesting and one account,
// known@example.com.
func newResetService(t *testing.T, engine store.Engine) (*account.Service, *recorder, site.Site) {
	t.Helper()
	ctx := context.Background()
	db := storetest.Open(t, engine)
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
	return svc, rec, st
}
