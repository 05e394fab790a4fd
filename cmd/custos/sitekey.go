package main

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"github.com/custos-id/custos/internal/token"
)

// siteRotateKey gives a site a new JWT signing key and prints its kid and
// the kids of every key that still verifies.
func siteRotateKey(fs *flag.FlagSet, c *command) func(context.Context) error {
	id := idFlag(fs, "id")
	return func(ctx context.Context) error {
		if err := c.require("id", *id); err != nil {
			return err
		}
		if err := c.open(ctx); err != nil {
			return err
		}
		st, err := c.sites.ByID(ctx, *id)
		if err != nil {
			return err
		}
		keys := token.NewKeys(c.store, c.box, token.Options{KeyGen: c.keyGen})
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
		if c.asJSON {
			return writeJSON(c.stdout, struct {
				SiteID int64    `json:"siteId"`
				KID    string   `json:"kid"`
				KIDs   []string `json:"liveKids"`
			}{st.ID, jwk.KeyID, kids})
		}
		fmt.Fprintf(c.stdout, "siteId:    %d\nkid:       %s\nlive kids: %s\n", st.ID, jwk.KeyID, strings.Join(kids, ", "))
		return nil
	}
}
