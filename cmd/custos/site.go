package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/custos-id/custos/internal/adminapi"
	"github.com/custos-id/custos/internal/site"
)

const siteUsage = `usage: custos site <create|list|show|update|rotate-secret|rotate-key> [flags]

  create --name NAME [--domain D]... [--json | --env]
                                                create a site; prints its siteId, apiKey and secret
                                                (--env: as shell assignments SITE_ID, API_KEY, SECRET)
  list [--json]                                 list sites (without secrets)
  show --id N [--json | --env]                  show a site with its secret
  update --id N [--name NAME] [--domain D]... [--require-referrer]
         [--web-sdk-config-file F] [--screen-set-scripts[=false]]
                                                rename the site with --name; replace its domains (none given:
                                                any page) unless only --name, --web-sdk-config-file or
                                                --screen-set-scripts is given: browser calls from other
                                                pages are refused (400120); with --require-referrer, client
                                                calls without Origin or Referer too (403015);
                                                --web-sdk-config-file: the JSON object /js/gigya.js merges into
                                                its configuration (- for stdin; at most 16 KiB);
                                                --screen-set-scripts: let the stored screen-sets' javascript run
  rotate-secret --id N [--json | --env]         give a site a new secret; the old one stops working here at
                                                once, and in running servers within their --site-cache-ttl
  rotate-key --id N [--json]                    give a site a new JWT signing key: every running server publishes
                                                it within a minute and signs with it from then (the time printed
                                                as "signs at"; a site's first key signs at once); the old key is
                                                published until the tokens it signed have expired
`

var siteCommands = map[string]subcommandFunc{
	"create":        siteCreate,
	"list":          siteList,
	"show":          siteShow,
	"update":        siteUpdate,
	"rotate-secret": siteRotateSecret,
	"rotate-key":    siteRotateKey,
}

// siteJSON is the one object "site create --json" prints.
type siteJSON struct {
	SiteID    int64     `json:"siteId"`
	APIKey    string    `json:"apiKey"`
	Secret    string    `json:"secret,omitempty"`
	Name      string    `json:"name,omitempty"`
	Domains   []string  `json:"domains,omitempty"`
	CreatedAt time.Time `json:"created,omitzero"`
}

func siteCreate(fs *flag.FlagSet, c *command) func(context.Context) error {
	name := fs.String("name", "", "name of the site")
	var domains stringList
	fs.Var(&domains, "domain", "a domain the site's pages are served from (repeatable)")
	asEnv := envFlag(fs)
	return func(ctx context.Context) error {
		if c.asJSON && *asEnv {
			return errJSONAndEnv
		}
		if err := c.open(ctx); err != nil {
			return err
		}
		st, err := c.sites.Create(ctx, *name, domains)
		if err != nil {
			return err
		}
		if err := c.audit(ctx, "site.create", adminapi.SiteTarget(st.ID), nil, adminapi.SiteView(st)); err != nil {
			return err
		}
		if *asEnv {
			return writeSiteEnv(c.stdout, st)
		}
		if c.asJSON {
			return writeJSON(c.stdout, siteJSON{SiteID: st.ID, APIKey: st.APIKey, Secret: st.SecretBase64()})
		}
		printSite(c.stdout, st)
		return nil
	}
}

func siteShow(fs *flag.FlagSet, c *command) func(context.Context) error {
	return showSite(fs, c, (*site.Service).ByID)
}

func siteRotateSecret(fs *flag.FlagSet, c *command) func(context.Context) error {
	return showSite(fs, c, func(sites *site.Service, ctx context.Context, id int64) (site.Site, error) {
		st, err := sites.RotateSecret(ctx, id)
		if err != nil {
			return st, err
		}
		return st, c.audit(ctx, "site.rotate_secret", adminapi.SiteTarget(st.ID), nil, nil)
	})
}

// showSite prints, secret included, the site that get returns.
func showSite(fs *flag.FlagSet, c *command, get func(*site.Service, context.Context, int64) (site.Site, error)) func(context.Context) error {
	id := idFlag(fs, "id")
	asEnv := envFlag(fs)
	return func(ctx context.Context) error {
		if c.asJSON && *asEnv {
			return errJSONAndEnv
		}
		if err := c.openFor(ctx, "id", *id); err != nil {
			return err
		}
		st, err := get(c.sites, ctx, *id)
		if err != nil {
			return err
		}
		if *asEnv {
			return writeSiteEnv(c.stdout, st)
		}
		if c.asJSON {
			return writeJSON(c.stdout, siteJSON{st.ID, st.APIKey, st.SecretBase64(), st.Name, st.Domains, st.CreatedAt})
		}
		printSite(c.stdout, st)
		return nil
	}
}

func siteUpdate(fs *flag.FlagSet, c *command) func(context.Context) error {
	id := idFlag(fs, "id")
	name := fs.String("name", "", "new name of the site")
	var domains stringList
	fs.Var(&domains, "domain", "a domain the site's pages are served from, or *.domain (repeatable; none: any)")
	referrer := fs.Bool("require-referrer", false, "refuse client calls that name no page (no Origin or Referer)")
	confFile := fs.String("web-sdk-config-file", "", "the site's Web SDK configuration, a JSON object, from this file (- for stdin)")
	scripts := fs.Bool("screen-set-scripts", false, "let the javascript of the site's stored screen-sets run in its pages")
	return func(ctx context.Context) error {
		if err := c.openFor(ctx, "id", *id); err != nil {
			return err
		}
		ch := siteChanges(fs, *name, domains, *referrer)
		fs.Visit(func(f *flag.Flag) {
			if f.Name == "screen-set-scripts" {
				ch.ScreenSetScripts = scripts
			}
		})
		if *confFile != "" {
			b, err := readInputFile(*confFile, site.MaxWebSDKConfig+1)
			if err != nil {
				return err
			}
			conf := string(b)
			ch.WebSDKConfig = &conf
		}
		before, err := c.sites.ByID(ctx, *id)
		if err != nil {
			return err
		}
		st, err := c.sites.Update(ctx, *id, ch)
		if err != nil {
			return err
		}
		if err := c.audit(ctx, "site.update", adminapi.SiteTarget(st.ID), adminapi.SiteView(before), adminapi.SiteView(st)); err != nil {
			return err
		}
		if c.asJSON {
			return writeJSON(c.stdout, siteJSON{SiteID: st.ID, APIKey: st.APIKey, Name: st.Name, Domains: st.Domains, CreatedAt: st.CreatedAt})
		}
		printSite(c.stdout, st)
		return nil
	}
}

// siteChanges renames the site when --name is given, and replaces its
// domains and referrer rule when --domain or --require-referrer is given,
// or when none of --name, --web-sdk-config-file and --screen-set-scripts is.
func siteChanges(fs *flag.FlagSet, name string, domains []string, referrer bool) site.Changes {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var ch site.Changes
	if given["name"] {
		ch.Name = &name
	}
	other := given["name"] || given["web-sdk-config-file"] || given["screen-set-scripts"]
	if !other || len(domains) > 0 || given["require-referrer"] {
		ch.Domains, ch.RequireReferrer = &domains, &referrer
	}
	return ch
}

// siteList prints the sites from the database alone: no secret is shown,
// so none is decrypted and no master key is needed.
func siteList(_ *flag.FlagSet, c *command) func(context.Context) error {
	return func(ctx context.Context) error {
		if err := c.openDB(ctx); err != nil {
			return err
		}
		list, err := c.store.ListSites(ctx)
		if err != nil {
			return err
		}
		if c.asJSON {
			out := []siteJSON{}
			for _, st := range list {
				out = append(out, siteJSON{SiteID: st.ID, APIKey: st.APIKey, Name: st.Name, Domains: st.Domains, CreatedAt: st.CreatedAt})
			}
			return writeJSON(c.stdout, out)
		}
		tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "SITE ID\tNAME\tAPI KEY\tDOMAINS\tCREATED")
		for _, st := range list {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", st.ID, st.Name, st.APIKey, strings.Join(st.Domains, ","), st.CreatedAt.Format(time.RFC3339))
		}
		return tw.Flush()
	}
}

func printSite(w io.Writer, st site.Site) {
	fmt.Fprintf(w, "siteId:  %d\nname:    %s\napiKey:  %s\nsecret:  %s\ndomains: %s\nreferrer required: %v\ncreated: %s\n",
		st.ID, st.Name, st.APIKey, st.SecretBase64(), strings.Join(st.Domains, ", "), st.RequireReferrer, st.CreatedAt.Format(time.RFC3339))
	if conf := string(st.WebSDKConfig); conf != "" && conf != "{}" || st.ScreenSetScripts {
		fmt.Fprintf(w, "web SDK config: %s\nscreen-set scripts: %v\n", conf, st.ScreenSetScripts)
	}
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
