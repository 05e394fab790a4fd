package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"

	"github.com/custos-id/custos/internal/admin"
	"github.com/custos-id/custos/internal/secretbox"
	"github.com/custos-id/custos/internal/site"
	"github.com/custos-id/custos/internal/store"
)

// A subcommandFunc is one subcommand of site or key: it declares its own
// flags on fs and returns what runs once they are parsed.
type subcommandFunc func(fs *flag.FlagSet, c *command) func(context.Context) error

// command is one run of a site or key subcommand: the flags they all share
// and what it opened.
type command struct {
	deps
	name   string // "site show"
	db     dbFlags
	asJSON bool
	store  *store.DB
	box    *secretbox.Box
	sites  *site.Service
}

// subcommand runs args[0] of table, the subcommands of group.
func subcommand(ctx context.Context, group, usage string, table map[string]subcommandFunc, args []string, d deps) error {
	if len(args) == 0 {
		fmt.Fprint(d.stderr, usage)
		return fmt.Errorf("%s: no subcommand", group)
	}
	sub := args[0]
	if isHelp(sub) {
		fmt.Fprint(d.stdout, usage)
		return nil
	}
	declare, ok := table[sub]
	if !ok {
		fmt.Fprint(d.stderr, usage)
		return fmt.Errorf("%s: unknown subcommand %q", group, sub)
	}
	c := &command{deps: d, name: group + " " + sub}
	fs := newFlags(c.name, d.stderr)
	// Every subcommand accepts --master-key-file, as scripts pass it to
	// each; those that show no secret do not load it.
	c.db.register(fs, true)
	fs.BoolVar(&c.asJSON, "json", false, "print JSON")
	runSub := declare(fs, c)
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	defer c.close()
	return runSub(ctx)
}

// idFlag declares a required flag that names a site.
func idFlag(fs *flag.FlagSet, name string) *int64 {
	return fs.Int64(name, 0, "siteId (required)")
}

// require checks that the flag of idFlag was given.
func (c *command) require(flagName string, id int64) error {
	if id <= 0 {
		return fmt.Errorf("%s: --%s is required", c.name, flagName)
	}
	return nil
}

// openFor checks that the site id of flag flagName was given, then opens.
func (c *command) openFor(ctx context.Context, flagName string, id int64) error {
	if err := c.require(flagName, id); err != nil {
		return err
	}
	return c.open(ctx)
}

// open loads the master key and only then opens the database, so that a
// missing key is found before anything is connected to or migrated.
func (c *command) open(ctx context.Context) error {
	key, err := c.db.key(newLogger(c.stderr, slog.LevelWarn))
	if err != nil {
		return err
	}
	if c.box, err = secretbox.New(key); err != nil {
		return err
	}
	if err := c.openDB(ctx); err != nil {
		return err
	}
	c.sites = site.NewService(c.store, c.box, site.Options{CacheTTL: -1})
	return nil
}

// openDB opens the database alone, for subcommands that decrypt nothing.
func (c *command) openDB(ctx context.Context) error {
	db, err := c.db.open(ctx)
	c.store = db
	return err
}

func (c *command) close() {
	if c.store != nil {
		c.store.Close()
	}
}

// audit records a change the command made in the audit log, as the CLI,
// after the change is committed. A failed write does not make the command
// fail (its output, a new secret say, must still be shown): it is reported
// on stderr with the entry (never a secret), and audit answers nil.
func (c *command) audit(ctx context.Context, action, target string, before, after any) error {
	err := admin.New(c.store, c.box, nil, admin.Options{}).Record(ctx, admin.CLI, action, target, before, after)
	if err != nil {
		b, _ := json.Marshal(before)
		a, _ := json.Marshal(after)
		fmt.Fprintf(c.stderr, "%s: error: the change is done but its audit entry could not be written (%v): action=%s target=%s before=%s after=%s\n",
			c.name, err, action, target, b, a)
	}
	return nil
}
