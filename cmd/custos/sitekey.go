package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/custos-id/custos/internal/token"
)

// siteRotateKey gives a site a new JWT signing key and prints its kid, when
// it starts signing, and the kids of every key published now.
func siteRotateKey(fs *flag.FlagSet, c *command) func(context.Context) error {
	id := idFlag(fs, "id")
	return func(ctx context.Context) error {
		if err := c.openFor(ctx, "id", *id); err != nil {
			return err
		}
		st, err := c.sites.ByID(ctx, *id)
		if err != nil {
			return err
		}
		keys := token.NewKeys(c.store, c.box, token.Options{KeyGen: c.keyGen})
		rot, err := keys.Rotate(ctx, st.ID)
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
				SiteID     int64     `json:"siteId"`
				KID        string    `json:"kid"`
				ActivateAt time.Time `json:"activateAt"`
				KIDs       []string  `json:"liveKids"`
			}{st.ID, rot.Key.KeyID, rot.ActivateAt, kids})
		}
		fmt.Fprintf(c.stdout, "siteId:    %d\nkid:       %s\nsigns at:  %s\nlive kids: %s\n",
			st.ID, rot.Key.KeyID, rot.ActivateAt.Format(time.RFC3339), strings.Join(kids, ", "))
		return nil
	}
}
