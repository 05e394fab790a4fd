package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
)

// sharedFlags keep their short variable (CUSTOS_DB) in every command; the
// other flags of a command other than serve take its name as a prefix
// (CUSTOS_SITE_ID), so that a variable meant for one command cannot steer
// another.
var sharedFlags = map[string]bool{"db": true, "master-key-file": true}

// newFlags returns a flag set whose usage lists each flag's environment variable.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("custos "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: custos %s [flags]\n\n", name)
		fs.VisitAll(func(f *flag.Flag) {
			fmt.Fprintf(stderr, "  --%s (%s)\n\t%s", f.Name, envName(fs, f.Name), f.Usage)
			if showDefault(f) {
				fmt.Fprintf(stderr, " (default %s)", f.DefValue)
			}
			fmt.Fprintln(stderr)
		})
	}
	return fs
}

// showDefault tells whether f's usage should end with its default value:
// not when the usage names the default itself (one not known until run
// time, such as the number of CPUs), nor for a zero value, which means
// "not set" (like the standard library's PrintDefaults).
func showDefault(f *flag.Flag) bool {
	switch f.DefValue {
	case "", "0", "false", "[]":
		return false
	}
	return !strings.Contains(f.Usage, "(default ")
}

// parse parses args, then fills every flag not given on the command line
// from its CUSTOS_* environment variable.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		v, ok := os.LookupEnv(envName(fs, f.Name))
		if given[f.Name] || !ok || err != nil {
			return
		}
		if list, isList := f.Value.(*stringList); isList {
			*list = nil
			for item := range strings.SplitSeq(v, ",") {
				if item = strings.TrimSpace(item); item != "" {
					*list = append(*list, item)
				}
			}
			return
		}
		if e := fs.Set(f.Name, v); e != nil {
			err = fmt.Errorf("%s: %w", envName(fs, f.Name), e)
		}
	})
	return err
}

// envName maps a flag to its variable: master-key-file → CUSTOS_MASTER_KEY_FILE,
// and the --id of "custos site show" → CUSTOS_SITE_ID.
func envName(fs *flag.FlagSet, flagName string) string {
	name := flagName
	if cmd := strings.Fields(fs.Name()); len(cmd) > 1 && cmd[1] != "serve" && !sharedFlags[flagName] {
		name = cmd[1] + "-" + flagName
	}
	return "CUSTOS_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

// stringList is a repeatable flag; its environment variable is a comma list.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

// isHelp tells whether arg asks for help in place of a subcommand.
func isHelp(arg string) bool {
	return arg == "-h" || arg == "--help" || arg == "-help" || arg == "help"
}

// buildVersion is set with -ldflags "-X main.buildVersion=v1.2.3".
var buildVersion = ""

func version() string {
	if buildVersion != "" {
		return buildVersion
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "dev"
	}
	v := info.Main.Version
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			v += " " + s.Value[:12]
		}
	}
	return v
}
