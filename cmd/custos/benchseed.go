package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/app"
	"github.com/custos-id/custos/internal/oauth"
	"github.com/custos-id/custos/internal/password"
	"github.com/custos-id/custos/internal/store"
)

// benchPassword is every seeded account's password: one argon2id hash,
// computed once, serves them all, and each login still computes one.
const benchPassword = "bench-Password-1"

// benchDB is the database of a run: SQLite in the run's directory, or a
// schema of its own in a PostgreSQL database, dropped at the end.
type benchDB struct {
	url, keyFile string
	masterKey    []byte
	drop         func()
}

func newBenchDB(ctx context.Context, dir, postgresURL string) (*benchDB, error) {
	key := make([]byte, 32)
	rand.Read(key)
	d := &benchDB{keyFile: filepath.Join(dir, "master.key"), masterKey: key, drop: func() {}}
	if err := os.WriteFile(d.keyFile, []byte(base64.StdEncoding.EncodeToString(key)+"\n"), 0o600); err != nil {
		return nil, err
	}
	if postgresURL == "" {
		d.url = "sqlite:" + filepath.Join(dir, "custos.db")
		return d, nil
	}
	admin, err := sql.Open("pgx", postgresURL)
	if err != nil {
		return nil, err
	}
	name := make([]byte, 6)
	rand.Read(name)
	schema := "custos_bench_" + hex.EncodeToString(name)
	if _, err := admin.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
		admin.Close()
		return nil, fmt.Errorf("bench: --postgres-url: %w", err)
	}
	d.drop = func() {
		admin.ExecContext(context.WithoutCancel(ctx), `DROP SCHEMA `+schema+` CASCADE`)
		admin.Close()
	}
	u, err := url.Parse(postgresURL)
	if err != nil {
		d.drop()
		return nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	d.url = u.String()
	return d, nil
}

// benchSite is what the phases need to know of the seeded site.
type benchSite struct {
	siteID               int64
	apiKey               string
	secret               []byte
	clientID, clientSecr string
	// ids are the seeded accounts' ids, in seeding order: account i has
	// the login email benchEmail(i) and the UID benchUID(i).
	ids []int64
}

// benchEmail and benchUID name seeded account i. UIDs are spread over the
// key space as custos's random ones are (an odd multiplier is a bijection
// of uint64), so that the index sees realistic inserts and lookups.
func benchEmail(i int) string { return fmt.Sprintf("user%d@bench.example", i) }

func benchUID(i int) string {
	const a, b = 0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F
	return fmt.Sprintf("%016x%016x", uint64(i+1)*a, uint64(i+1)*b)
}

// seed creates the site, an OpenID Provider client with client_credentials,
// the site's signing key, and n accounts through the import path
// (account.Service.ImportBatch, one transaction a batch) with one
// pre-computed argon2id hash at the configured parameters.
func seed(ctx context.Context, db *benchDB, o benchOptions, d deps, progress io.Writer) (*benchSite, error) {
	s, err := store.Open(ctx, db.url)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		return nil, err
	}
	a, err := app.New(app.Options{DB: s, MasterKey: db.masterKey, PublicURL: "http://127.0.0.1", Password: o.params,
		HashConcurrency: o.hashConcurrency, KeyGen: d.keyGen, SiteCacheTTL: -1})
	if err != nil {
		return nil, err
	}
	st, err := a.Sites.Create(ctx, "bench", nil)
	if err != nil {
		return nil, err
	}
	client, err := a.OAuth.CreateClient(ctx, st.ID, oauth.Client{Name: "bench",
		GrantTypes: []string{oauth.GrantClientCredentials}}, false)
	if err != nil {
		return nil, err
	}
	// The signing key now, not in the first measured token request.
	if _, err := a.Keys.PublicJWK(ctx, st.ID); err != nil {
		return nil, err
	}
	hasher, err := password.NewHasher(o.params, 1)
	if err != nil {
		return nil, err
	}
	hash, err := hasher.Hash(ctx, benchPassword)
	if err != nil {
		return nil, err
	}
	bs := &benchSite{siteID: st.ID, apiKey: st.APIKey, secret: st.Secret, clientID: client.ClientID,
		clientSecr: client.Secret, ids: make([]int64, 0, o.accounts)}
	start, reported := time.Now(), time.Now()
	for from := 0; from < o.accounts; from += o.batch {
		batch := make([]account.ImportInput, 0, o.batch)
		for i := from; i < min(from+o.batch, o.accounts); i++ {
			batch = append(batch, benchAccount(i, hash, start))
		}
		res, errs := a.Accounts.ImportBatch(ctx, st, batch)
		for i, err := range errs {
			if err != nil {
				return nil, fmt.Errorf("bench: seeding account %d: %w", from+i, err)
			}
			bs.ids = append(bs.ids, res[i].Account.ID)
		}
		// The first batch added the profile and data fields to the site's
		// schema: with the site read again, the next ones do not each
		// write the site to add them again.
		if from == 0 {
			if st, err = a.Sites.ByID(ctx, st.ID); err != nil {
				return nil, err
			}
		}
		if time.Since(reported) > 10*time.Second {
			reported = time.Now()
			fmt.Fprintf(progress, "bench: seeded %d of %d accounts\n", len(bs.ids), o.accounts)
		}
	}
	fmt.Fprintf(progress, "bench: seeded %d accounts in %.1f s\n", len(bs.ids), time.Since(start).Seconds())
	return bs, nil
}

// benchAccount is seeded account i: a verified login email, a profile and
// some data, as an account registered through the site would hold.
func benchAccount(i int, hash string, now time.Time) account.ImportInput {
	yes := true
	email := benchEmail(i)
	return account.ImportInput{
		UID: benchUID(i), Created: now, Active: &yes, Registered: &yes, Verified: &yes,
		Emails:   &account.ImportEmails{Verified: []string{email}},
		LoginIDs: &account.ImportLoginIDs{Emails: []string{email}},
		Objects: account.Objects{
			Profile: map[string]any{"firstName": fmt.Sprintf("First%d", i), "lastName": "Bench", "email": email},
			Data:    map[string]any{"plan": "gold", "n": i},
		},
		Password: &password.Imported{Compound: hash},
	}
}
