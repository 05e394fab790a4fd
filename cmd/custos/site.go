package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
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
  update --id N [--name NAME] [--domain D]... [--require-referrer]
                                                rename the site with --name; replace its domains (none given:
                                                any page) unless only --name is given: browser calls from other
                                                pages are refused (400120); with --require-referrer, client
                                                calls without Origin or Referer too (403015)
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
	if isHelp(sub) {
		fmt.Fprint(stdout, siteUsage)
		return nil
	}
	fs := newFlags("site "+sub, stderr)
	var (
		d        dbFlags
		name     string
		domains  stringList
		id       int64
		asJSON   bool
		referrer bool
	)
	// list accepts --master-key-file, as scripts pass it to every command,
	// but prints no secret and so does not need it.
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
		fs.StringVar(&name, "name", "", "new name of the site")
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
	if sub == "list" {
		return listSites(ctx, &d, stdout, asJSON)
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
	case "update":
		st, err := updateSite(ctx, sites, fs, id, name, domains, referrer)
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

// updateSite renames the site when --name is given, and replaces its
// domains unless --name is all that is given.
func updateSite(ctx context.Context, sites *site.Service, fs *flag.FlagSet, id int64, name string, domains []string, referrer bool) (site.Site, error) {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var (
		st  site.Site
		err error
	)
	if given["name"] {
		if st, err = sites.SetName(ctx, id, name); err != nil {
			return st, err
		}
		if len(domains) == 0 && !given["require-referrer"] {
			return st, nil
		}
	}
	return sites.SetDomains(ctx, id, domains, referrer)
}

// listSites prints the sites from the database alone: no secret is shown,
// so none is decrypted and no master key is needed.
func listSites(ctx context.Context, d *dbFlags, stdout io.Writer, asJSON bool) error {
	db, err := d.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	list, err := db.ListSites(ctx)
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
