package main

import (
	"io"

	"github.com/custos-id/custos/internal/catalogdoc"
)

func errorsCmd(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("errors", stderr)
	asJSON := fs.Bool("json", false, "print one JSON array of every code")
	markdown := fs.Bool("markdown", false, "print docs/errors.md")
	if err := parse(fs, args); err != nil {
		return err
	}
	switch {
	case *asJSON:
		return catalogdoc.WriteJSON(stdout)
	case *markdown:
		return catalogdoc.WriteMarkdown(stdout)
	}
	return catalogdoc.WriteText(stdout)
}
