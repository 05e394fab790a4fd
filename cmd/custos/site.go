package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/custos-id/custos/internal/secretbox"
	"github.com/custos-id/custos/internal/site"
	"github.com/custos-id/custos/internal/store"
)

const siteUsage = `usage: custos site <create|list|show|update|rotate-secret|rotate-key> [flags]

  create --name NAME [--domain D]... [--json]   create a site; prints its siteId, apiKey and secret
  list [--json]                                 list sites (without secrets)
  show --id N [--json]                          show a site with its secret
  update --id N [--domain D]... [--require-referrer]
                                                replace the site's domains (none given: any page): browser calls from other pages
                                                are refused (400120); with --require-referrer, client calls
                                                without Origin or Referer too (403015)
  rotate-secret --id N [--json]                 give a site a new secret; the old one stops working here at
                                                once, and in running servers within their --site-cache-ttl
  rotate-key --id N [--json]                    give a site a new JWT signing key; running servers sign with it
                                                within a minute, and publish the old one until its tokens expire
`

// siteJSON is the one object "site create --json" prints.
type siteJSON struct {
	SiteID    int64     `json:"siteId"`
	APIKey    string    `json:"apiKey"`
	Secret    string    `json:"secret,omitempty"`
	Name      string    `json:"name,omitempty"`
	Domains   []string  `json:"domains,omitempty"`
	CreatedAt time.Time `json:"created,omitzero"`
}

func siteCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, siteUsage)
		return errors.New("site: no subcommand")
	}
	sub := args[0]
	fs := newFlags("site "+sub, stderr)
	var (
		d        dbFlags
		name     string
		domains  stringList
		id       int64
		asJSON   bool
		referrer bool
	)
	d.register(fs, true)
	fs.BoolVar(&asJSON, "json", false, "print JSON")
	switch sub {
	case "create":
		fs.StringVar(&name, "name", "", "name of the site")
		fs.Var(&domains, "domain", "a domain the site's pages are served from (repeatable)")
	case "show", "rotate-secret", "rotate-key":
		fs.Int64Var(&id, "id", 0, "siteId")
	case "update":
		fs.Int64Var(&id, "id", 0, "siteId")
		fs.Var(&domains, "domain", "a domain the site's pages are served from, or *.domain (repeatable; none: any)")
		fs.BoolVar(&referrer, "require-referrer", false, "refuse client calls that name no page (no Origin or Referer)")
	case "list":
	default:
		fmt.Fprint(stderr, siteUsage)
		return fmt.Errorf("site: unknown subcommand %q", sub)
	}
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if sub != "create" && sub != "list" && id <= 0 {
		return fmt.Errorf("site %s: --id is required", sub)
	}
	sites, db, err := openSites(ctx, &d, stderr)
	if err != nil {
		return err
	}
	defer db.Close()

	switch sub {
	case "rotate-key":
		return rotateKey(ctx, sites, db, &d, id, asJSON, stdout, stderr)
	case "create":
		st, err := sites.Create(ctx, name, domains)
		if err != nil {
			return err
		}
		if asJSON {
			return writeJSON(stdout, siteJSON{SiteID: st.ID, APIKey: st.APIKey, Secret: st.SecretBase64()})
		}
		printSite(stdout, st)
	case "list":
		list, err := sites.List(ctx)
		if err != nil {
			return err
		}
		if asJSON {
			out := []siteJSON{}
			for _, st := range list {
				out = append(out, siteJSON{SiteID: st.ID, APIKey: st.APIKey, Name: st.Name, Domains: st.Domains, CreatedAt: st.CreatedAt})
			}
			return writeJSON(stdout, out)
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "SITE ID\tNAME\tAPI KEY\tDOMAINS\tCREATED")
		for _, st := range list {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", st.ID, st.Name, st.APIKey, strings.Join(st.Domains, ","), st.CreatedAt.Format(time.RFC3339))
		}
		return tw.Flush()
	case "update":
		st, err := sites.SetDomains(ctx, id, domains, referrer)
		if err != nil {
			return err
		}
		if asJSON {
			return writeJSON(stdout, siteJSON{SiteID: st.ID, APIKey: st.APIKey, Name: st.Name, Domains: st.Domains, CreatedAt: st.CreatedAt})
		}
		printSite(stdout, st)
	case "show", "rotate-secret":
		get := sites.ByID
		if sub == "rotate-secret" {
			get = sites.RotateSecret
		}
		st, err := get(ctx, id)
		if err != nil {
			return err
		}
		if asJSON {
			return writeJSON(stdout, siteJSON{st.ID, st.APIKey, st.SecretBase64(), st.Name, st.Domains, st.CreatedAt})
		}
		printSite(stdout, st)
	}
	return nil
}

func openSites(ctx context.Context, d *dbFlags, stderr io.Writer) (*site.Service, *store.DB, error) {
	db, err := d.open(ctx)
	if err != nil {
		return nil, nil, err
	}
	key, err := d.key(newLogger(stderr, slog.LevelWarn))
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	box, err := secretbox.New(key)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return site.NewService(db, box, site.Options{CacheTTL: -1}), db, nil
}

func printSite(w io.Writer, st site.Site) {
	fmt.Fprintf(w, "siteId:  %d\nname:    %s\napiKey:  %s\nsecret:  %s\ndomains: %s\nreferrer required: %v\ncreated: %s\n",
		st.ID, st.Name, st.APIKey, st.SecretBase64(), strings.Join(st.Domains, ", "), st.RequireReferrer, st.CreatedAt.Format(time.RFC3339))
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
