package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/custos-id/custos/internal/site"
)

// envFlag declares --env of the site commands that print a secret: the
// credentials as shell assignments, so that a shell takes them with
// eval "$(custos site show --id 1 --env)", as the documents' examples do.
func envFlag(fs *flag.FlagSet) *bool {
	return fs.Bool("env", false, "print SITE_ID, API_KEY and SECRET as shell assignments, for eval")
}

var errJSONAndEnv = errors.New("--json and --env exclude each other")

func writeSiteEnv(w io.Writer, st site.Site) error {
	_, err := fmt.Fprintf(w, "SITE_ID=%d\nAPI_KEY=%s\nSECRET=%s\n", st.ID, shellQuote(st.APIKey), shellQuote(st.SecretBase64()))
	return err
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
