package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/custos-id/custos/internal/secretbox"
	"github.com/custos-id/custos/internal/site"
	"github.com/custos-id/custos/internal/store"
	"github.com/custos-id/custos/internal/token"
)

// rotateKey gives site id a new JWT signing key and prints its kid and the
// kids of every key that still verifies.
func rotateKey(ctx context.Context, sites *site.Service, db *store.DB, d *dbFlags, id int64, asJSON bool, stdout, stderr io.Writer) error {
	st, err := sites.ByID(ctx, id)
	if err != nil {
		return err
	}
	key, err := d.key(newLogger(stderr, slog.LevelWarn))
	if err != nil {
		return err
	}
	box, err := secretbox.New(key)
	if err != nil {
		return err
	}
	keys := token.NewKeys(db, box, token.Options{})
	jwk, err := keys.Rotate(ctx, st.ID)
	if err != nil {
		return err
	}
	set, err := keys.JWKS(ctx, st.ID)
	if err != nil {
		return err
	}
	kids := []string{}
	for _, k := range set.Keys {
		kids = append(kids, k.KeyID)
	}
	if asJSON {
		return writeJSON(stdout, struct {
			SiteID int64    `json:"siteId"`
			KID    string   `json:"kid"`
			KIDs   []string `json:"liveKids"`
		}{st.ID, jwk.KeyID, kids})
	}
	fmt.Fprintf(stdout, "siteId:    %d\nkid:       %s\nlive kids: %s\n", st.ID, jwk.KeyID, strings.Join(kids, ", "))
	return nil
}
