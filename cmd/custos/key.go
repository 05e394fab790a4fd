package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"
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

func keyCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, keyUsage)
		return errors.New("key: no subcommand")
	}
	sub := args[0]
	if isHelp(sub) {
		fmt.Fprint(stdout, keyUsage)
		return nil
	}
	fs := newFlags("key "+sub, stderr)
	var (
		d                      dbFlags
		siteID                 int64
		name, userKey, pubFile string
		scopes                 stringList
		asJSON                 bool
	)
	d.register(fs, true)
	fs.Int64Var(&siteID, "site", 0, "siteId")
	fs.BoolVar(&asJSON, "json", false, "print JSON")
	switch sub {
	case "create":
		fs.StringVar(&name, "name", "", "name of the key (who uses it)")
		fs.Var(&scopes, "scope", "a method (accounts.getAccountInfo) or namespace (accounts.*) the key may call (repeatable; none: every method)")
		fs.StringVar(&pubFile, "public-key", "", "PEM file of an RSA public key: the key may then authenticate with Bearer JWTs")
	case "revoke":
		fs.StringVar(&userKey, "user-key", "", "the userKey to revoke")
	case "list":
	default:
		fmt.Fprint(stderr, keyUsage)
		return fmt.Errorf("key: unknown subcommand %q", sub)
	}
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if siteID <= 0 {
		return fmt.Errorf("key %s: --site is required", sub)
	}
	sites, db, err := openSites(ctx, &d, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	switch sub {
	case "create":
		pem := ""
		if pubFile != "" {
			b, err := os.ReadFile(pubFile)
			if err != nil {
				return err
			}
			pem = string(b)
		}
		k, err := sites.CreateKey(ctx, siteID, name, scopes, pem)
		if err != nil {
			return err
		}
		if asJSON {
			return writeJSON(stdout, keyJSON{UserKey: k.UserKey, Secret: k.SecretBase64()})
		}
		fmt.Fprintf(stdout, "userKey: %s\nsecret:  %s\nscopes:  %s\n", k.UserKey, k.SecretBase64(), scopeList(k.Scopes))
	case "list":
		keys, err := sites.Keys(ctx, siteID)
		if err != nil {
			return err
		}
		if asJSON {
			out := []keyJSON{}
			for _, k := range keys {
				out = append(out, keyJSON{UserKey: k.UserKey, Name: k.Name, Scopes: k.Scopes, Revoked: !k.RevokedAt.IsZero(), CreatedAt: k.CreatedAt})
			}
			return writeJSON(stdout, out)
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "USER KEY\tNAME\tSCOPES\tCREATED\tREVOKED")
		for _, k := range keys {
			revoked := ""
			if !k.RevokedAt.IsZero() {
				revoked = k.RevokedAt.Format(time.RFC3339)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", k.UserKey, k.Name, scopeList(k.Scopes), k.CreatedAt.Format(time.RFC3339), revoked)
		}
		return tw.Flush()
	case "revoke":
		if userKey == "" {
			return errors.New("key revoke: --user-key is required")
		}
		return sites.RevokeKey(ctx, siteID, userKey)
	}
	return nil
}

func scopeList(s []string) string {
	if len(s) == 0 {
		return "every method"
	}
	return strings.Join(s, ",")
}
