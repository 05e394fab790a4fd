package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/custos-id/custos/internal/adminapi"
)

const keyUsage = `usage: custos key <create|list|revoke> [flags]

  create --site N --name NAME [--scope METHOD|NAMESPACE.*]... [--public-key FILE] [--json]
                                 an application key: prints its userKey and secret
  list --site N [--json]         the site's keys (without secrets)
  revoke --site N --user-key K   the key stops working (in running servers within --site-cache-ttl)
`

// keyJSON is what "key create --json" prints.
type keyJSON struct {
	UserKey   string    `json:"userKey"`
	Secret    string    `json:"secret,omitempty"`
	Name      string    `json:"name,omitempty"`
	Scopes    []string  `json:"scopes,omitempty"`
	Revoked   bool      `json:"revoked,omitempty"`
	CreatedAt time.Time `json:"created,omitzero"`
}

var keyCommands = map[string]subcommandFunc{
	"create": keyCreate,
	"list":   keyList,
	"revoke": keyRevoke,
}

func keyCreate(fs *flag.FlagSet, c *command) func(context.Context) error {
	siteID := idFlag(fs, "site")
	name := fs.String("name", "", "name of the key (who uses it)")
	var scopes stringList
	fs.Var(&scopes, "scope", "a method (accounts.getAccountInfo) or namespace (accounts.*) the key may call (repeatable; none: every method)")
	pubFile := fs.String("public-key", "", "PEM file of an RSA public key: the key may then authenticate with Bearer JWTs")
	return func(ctx context.Context) error {
		if err := c.require("site", *siteID); err != nil {
			return err
		}
		pem := ""
		if *pubFile != "" {
			b, err := os.ReadFile(*pubFile)
			if err != nil {
				return err
			}
			pem = string(b)
		}
		if err := c.open(ctx); err != nil {
			return err
		}
		k, err := c.sites.CreateKey(ctx, *siteID, *name, scopes, pem)
		if err != nil {
			return err
		}
		if err := c.audit(ctx, "key.create", adminapi.KeyTarget(*siteID, k.UserKey), nil, adminapi.KeyView(k)); err != nil {
			return err
		}
		if c.asJSON {
			return writeJSON(c.stdout, keyJSON{UserKey: k.UserKey, Secret: k.SecretBase64()})
		}
		fmt.Fprintf(c.stdout, "userKey: %s\nsecret:  %s\nscopes:  %s\n", k.UserKey, k.SecretBase64(), scopeList(k.Scopes))
		return nil
	}
}

// keyList prints the keys from the database alone: no secret is shown, so
// none is decrypted and no master key is needed.
func keyList(fs *flag.FlagSet, c *command) func(context.Context) error {
	siteID := idFlag(fs, "site")
	return func(ctx context.Context) error {
		if err := c.require("site", *siteID); err != nil {
			return err
		}
		if err := c.openDB(ctx); err != nil {
			return err
		}
		keys, err := c.store.ListAppKeys(ctx, *siteID)
		if err != nil {
			return err
		}
		if c.asJSON {
			out := []keyJSON{}
			for _, k := range keys {
				out = append(out, keyJSON{UserKey: k.UserKey, Name: k.Name, Scopes: k.Scopes, Revoked: !k.RevokedAt.IsZero(), CreatedAt: k.CreatedAt})
			}
			return writeJSON(c.stdout, out)
		}
		tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "USER KEY\tNAME\tSCOPES\tCREATED\tREVOKED")
		for _, k := range keys {
			revoked := ""
			if !k.RevokedAt.IsZero() {
				revoked = k.RevokedAt.Format(time.RFC3339)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", k.UserKey, k.Name, scopeList(k.Scopes), k.CreatedAt.Format(time.RFC3339), revoked)
		}
		return tw.Flush()
	}
}

// keyRevoke needs the database alone: a leaked key can be revoked without
// the master key file.
func keyRevoke(fs *flag.FlagSet, c *command) func(context.Context) error {
	siteID := idFlag(fs, "site")
	userKey := fs.String("user-key", "", "the userKey to revoke")
	return func(ctx context.Context) error {
		if err := c.require("site", *siteID); err != nil {
			return err
		}
		if *userKey == "" {
			return errors.New("key revoke: --user-key is required")
		}
		if err := c.openDB(ctx); err != nil {
			return err
		}
		if err := c.store.RevokeAppKey(ctx, *siteID, *userKey, time.Now().UTC()); err != nil {
			return fmt.Errorf("key %q of site %d: %w", *userKey, *siteID, err)
		}
		return c.audit(ctx, "key.revoke", adminapi.KeyTarget(*siteID, *userKey), nil, nil)
	}
}

func scopeList(s []string) string {
	if len(s) == 0 {
		return "every method"
	}
	return strings.Join(s, ",")
}
