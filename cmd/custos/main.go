// Command custos is a self-hosted customer identity server that speaks the
// Gigya-style RPC dialect and the Social ID REST dialect over one core.
//
//	custos serve            run the server (SQLite file custos.db by default)
//	custos migrate          bring the database schema up to date
//	custos site …           create, list, show, update sites; rotate a site's secret
//	                        or its JWT signing key
//	custos key …            application keys of a site
//	custos oidc …           the OpenID Provider's clients and configuration of a site
//	custos social …         the social login providers of a site
//	custos import FILE      import accounts (JSON lines of importFullAccount documents)
//	custos export           export a site's accounts in the same form
//	custos errors           print the error catalog
//	custos bench            measure custos on loopback (docs/benchmarks.md)
//	custos version          print the version
//
// Every flag can also be set with an environment variable: --master-key-file
// is CUSTOS_MASTER_KEY_FILE. A flag on the command line wins.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/custos-id/custos/internal/token"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	switch {
	case errors.Is(err, flag.ErrHelp): // help was asked for and printed
	case err != nil:
		fmt.Fprintln(os.Stderr, "custos:", err)
		os.Exit(2)
	}
}

const usage = `usage: custos <command> [flags]

commands:
  serve        run the server
  migrate      bring the database schema up to date
  site         create | list | show | update | rotate-secret | rotate-key
  key          create | list | revoke application keys of a site
  admin        create | list the admins of the console and the admin API
  oidc         client create | list | show | update | rotate-secret | delete; config show | set | clear
  social       provider create | list | show | update | delete
  import       import accounts from a file of accounts.importFullAccount documents (JSON lines)
  export       export a site's accounts as such a file
  errors       print the error catalog (--json, --markdown)
  bench        measure custos on loopback: login, register, session checks … against the hash and bare HTTP
  version      print the version

Run "custos <command> -h" for the flags of a command.
`

// deps are what commands take from outside their arguments: main passes
// the process's, tests their own.
type deps struct {
	stdout, stderr io.Writer
	// keyGen makes JWT signing keys; nil is RSA from crypto/rand. Tests pass
	// tokentest.KeyGen(), so that none generates one.
	keyGen token.KeyGen
	// jobPauseAfter stops import jobs after that many lines (0: never), so
	// that a test can kill the process there; see app.Options.
	jobPauseAfter int64
}

// run executes one command; main is only the process around it.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return runWith(ctx, args, deps{stdout: stdout, stderr: stderr})
}

func runWith(ctx context.Context, args []string, d deps) error {
	if len(args) == 0 {
		fmt.Fprint(d.stderr, usage)
		return errors.New("no command")
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return serveCmd(ctx, rest, d)
	case "migrate":
		return migrateCmd(ctx, rest, d.stderr)
	case "site":
		return subcommand(ctx, "site", siteUsage, siteCommands, rest, d)
	case "key":
		return subcommand(ctx, "key", keyUsage, keyCommands, rest, d)
	case "admin":
		return subcommand(ctx, "admin", adminUsage, adminCommands, rest, d)
	case "oidc":
		return oidcCmd(ctx, rest, d)
	case "social":
		return socialCmd(ctx, rest, d)
	case "import":
		return importCmd(ctx, rest, d)
	case "export":
		return exportCmd(ctx, rest, d)
	case "errors":
		return errorsCmd(rest, d.stdout, d.stderr)
	case "bench":
		return benchCmd(ctx, rest, d)
	case "version":
		fmt.Fprintln(d.stdout, "custos", version())
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(d.stdout, usage)
		return nil
	}
	fmt.Fprint(d.stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}
