// Command custos is a self-hosted customer identity server that speaks the
// Gigya-style RPC dialect and the Social ID REST dialect over one core.
//
//	custos serve            run the server (SQLite file custos.db by default)
//	custos migrate          bring the database schema up to date
//	custos site …           create, list, show, update sites; rotate a site secret
//	custos key …            application keys of a site
//	custos errors           print the error catalog
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
  errors       print the error catalog (--json, --markdown)
  version      print the version

Run "custos <command> -h" for the flags of a command.
`

// run executes one command; main is only the process around it.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command")
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return serveCmd(ctx, rest, stdout, stderr)
	case "migrate":
		return migrateCmd(ctx, rest, stderr)
	case "site":
		return siteCmd(ctx, rest, stdout, stderr)
	case "key":
		return keyCmd(ctx, rest, stdout, stderr)
	case "errors":
		return errorsCmd(rest, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "custos", version())
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}
