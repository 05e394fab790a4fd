package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/password"
	"github.com/custos-id/custos/internal/rpc"
	"github.com/custos-id/custos/internal/site"
)

const importUsage = `usage: custos import (--site N | --api-key K) [flags] FILE

Reads FILE (- for stdin): JSON lines, one accounts.importFullAccount document a line (docs/import.md).
Each batch of lines is written in one transaction; password hashes are stored as given, not computed.
`

const exportUsage = `usage: custos export (--site N | --api-key K) [--out FILE]

Writes every account of the site, in id order, as JSON lines of accounts.importFullAccount documents
that custos import reads again (password hashes included: keep the file secret).
`

// maxImportLine bounds one line of an import file.
const maxImportLine = 4 << 20

// siteFlags choose the site of import and export.
type siteFlags struct {
	id     int64
	apiKey string
}

func (s *siteFlags) register(fs *flag.FlagSet) {
	fs.Int64Var(&s.id, "site", 0, "siteId of the site")
	fs.StringVar(&s.apiKey, "api-key", "", "apiKey of the site (instead of --site)")
}

func (s *siteFlags) get(ctx context.Context, sites *site.Service) (site.Site, error) {
	switch {
	case s.id > 0 && s.apiKey != "":
		return site.Site{}, errors.New("give --site or --api-key, not both")
	case s.id > 0:
		return sites.ByID(ctx, s.id)
	case s.apiKey != "":
		return sites.ByAPIKey(ctx, s.apiKey)
	}
	return site.Site{}, errors.New("--site or --api-key is required")
}

// accountsCommand opens what import and export need: the database, the
// site, and the account service over them.
func (c *command) accounts(ctx context.Context, sf siteFlags) (site.Site, *account.Service, error) {
	if sf.id <= 0 && sf.apiKey == "" {
		return site.Site{}, nil, fmt.Errorf("%s: --site or --api-key is required", c.name)
	}
	if err := c.open(ctx); err != nil {
		return site.Site{}, nil, err
	}
	st, err := sf.get(ctx, c.sites)
	if err != nil {
		return site.Site{}, nil, err
	}
	// Nothing here hashes a password: the hasher is there for the type.
	hasher, err := password.NewHasher(password.DefaultParams(), 1)
	if err != nil {
		return site.Site{}, nil, err
	}
	return st, account.NewService(c.store, hasher, nil, c.box, account.Options{Schemas: c.sites}), nil
}

// parseWithFile parses flags around one positional argument, FILE.
func parseWithFile(fs *flag.FlagSet, args []string) (string, error) {
	if err := fs.Parse(args); err != nil {
		return "", err
	}
	rest := fs.Args()
	if len(rest) == 0 {
		return "", errors.New("FILE is required")
	}
	return rest[0], parse(fs, rest[1:])
}

// importOptions are the flags of custos import.
type importOptions struct {
	batch    int
	failures string
	resume   bool
	state    string
	every    int
}

func importCmd(ctx context.Context, args []string, d deps) error {
	c := &command{deps: d, name: "import"}
	fs := newFlags(c.name, d.stderr)
	fs.Usage = func() { fmt.Fprint(d.stderr, importUsage); fs.PrintDefaults() }
	c.db.register(fs, true)
	var (
		sf  siteFlags
		opt importOptions
	)
	sf.register(fs)
	fs.IntVar(&opt.batch, "batch", 500, "lines per transaction")
	fs.StringVar(&opt.failures, "failures", "", "write the lines that failed, with their line numbers and errors, to this file (JSON lines)")
	fs.BoolVar(&opt.resume, "resume", false, "skip the lines the state file says were committed by an earlier run")
	fs.StringVar(&opt.state, "state", "", "state file: the number of the last line committed (default FILE.state)")
	fs.IntVar(&opt.every, "progress", 10000, "report progress to stderr every this many lines")
	file, err := parseWithFile(fs, args)
	if err != nil {
		return err
	}
	if opt.batch < 1 || opt.every < 1 {
		return errors.New("import: --batch and --progress must be positive")
	}
	if opt.state == "" && file != "-" {
		opt.state = file + ".state"
	}
	defer c.close()
	st, svc, err := c.accounts(ctx, sf)
	if err != nil {
		return err
	}
	in, err := openInput(file)
	if err != nil {
		return err
	}
	defer in.Close()
	im := &importer{svc: svc, st: st, opt: opt, stderr: d.stderr}
	if isTerminal(d.stderr) && file != "-" {
		if im.total, err = countLines(file); err != nil {
			return err
		}
	}
	if opt.failures != "" {
		flags := os.O_CREATE | os.O_WRONLY | os.O_TRUNC
		if opt.resume { // the first run's failures stay
			flags = os.O_CREATE | os.O_WRONLY | os.O_APPEND
		}
		f, err := os.OpenFile(opt.failures, flags, 0o600)
		if err != nil {
			return err
		}
		defer f.Close()
		im.failures = bufio.NewWriter(f)
		defer im.failures.Flush()
	}
	if opt.resume {
		if im.skip, err = readState(opt.state); err != nil {
			return err
		}
	}
	if err := im.run(ctx, in); err != nil {
		return err
	}
	if im.total > 0 {
		fmt.Fprintln(d.stderr)
	}
	fmt.Fprintf(d.stdout, "imported %d, updated %d, failed %d\n", im.imported, im.updated, im.failed)
	if im.failed > 0 {
		return fmt.Errorf("import: %d lines failed", im.failed)
	}
	return nil
}

func openInput(file string) (io.ReadCloser, error) {
	if file == "-" {
		return io.NopCloser(os.Stdin), nil
	}
	return os.Open(file)
}

// readState reads the last line committed; no state file is none.
func readState(path string) (int, error) {
	if path == "" {
		return 0, errors.New("import: --resume needs --state when reading stdin")
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || n < 0 {
		return 0, fmt.Errorf("import: state file %s: not a line number", path)
	}
	return n, nil
}

// writeState records the last line committed, replacing the file whole.
func writeState(path string, line int) error {
	if path == "" {
		return nil
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(strconv.Itoa(line)+"\n"), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// importer runs one import.
type importer struct {
	svc      *account.Service
	st       site.Site
	opt      importOptions
	stderr   io.Writer
	failures *bufio.Writer
	// skip is the number of lines an earlier run committed.
	skip                      int
	imported, updated, failed int
	// lines is the number of lines read; reported the accounts settled at
	// the last progress line.
	lines, reported int
	batch           []pending
	// total is the number of lines of the file when stderr is a terminal,
	// which then shows a progress bar; 0 otherwise.
	total int
}

// pending is a line read and parsed, waiting for its batch.
type pending struct {
	line int
	uid  string
	in   account.ImportInput
}

func (im *importer) run(ctx context.Context, r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxImportLine)
	for sc.Scan() {
		im.lines++
		if im.lines <= im.skip {
			continue
		}
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 {
			continue
		}
		in, uid, err := parseLine(text)
		if err != nil {
			im.fail(im.lines, uid, err)
			continue
		}
		im.batch = append(im.batch, pending{im.lines, uid, in})
		if len(im.batch) >= im.opt.batch {
			if err := im.flush(ctx); err != nil {
				return err
			}
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("import: line %d: %w", im.lines+1, err)
	}
	return im.flush(ctx)
}

// parseLine reads one import document.
func parseLine(text []byte) (account.ImportInput, string, error) {
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil || m == nil || dec.More() {
		return account.ImportInput{}, "", errcode.InvalidFormat("line", "not a JSON object")
	}
	in, _, err := account.ParseImport(m)
	return in, in.UID, err
}

// flush writes the batch, then records its last line as committed.
func (im *importer) flush(ctx context.Context) error {
	if len(im.batch) == 0 {
		return im.commit()
	}
	ins := make([]account.ImportInput, len(im.batch))
	for i, p := range im.batch {
		ins[i] = p.in
	}
	res, errs := im.svc.ImportBatch(ctx, im.st, ins)
	for i, p := range im.batch {
		switch {
		case errs[i] != nil && ctx.Err() != nil:
			return ctx.Err()
		case errs[i] != nil:
			if !lineError(errs[i]) {
				return fmt.Errorf("import: line %d: %w", p.line, errs[i]) // the database, not the line
			}
			im.fail(p.line, p.uid, errs[i])
		case res[i].Updated:
			im.updated++
		default:
			im.imported++
		}
	}
	im.batch = im.batch[:0]
	return im.commit()
}

// commit records progress: the state file, and a line on stderr every
// --progress lines.
func (im *importer) commit() error {
	if err := writeState(im.opt.state, im.lines); err != nil {
		return err
	}
	if im.failures != nil {
		if err := im.failures.Flush(); err != nil {
			return err
		}
	}
	if im.total > 0 {
		fmt.Fprintf(im.stderr, "\r%s", progressBar(im.lines, im.total, im.failed))
		return nil
	}
	if done := im.imported + im.updated + im.failed; done-im.reported >= im.opt.every {
		im.reported = done
		fmt.Fprintf(im.stderr, "import: line %d: imported %d, updated %d, failed %d\n", im.lines, im.imported, im.updated, im.failed)
	}
	return nil
}

// lineError tells the failures of a line from those of the database.
func lineError(err error) bool {
	_, domain := errors.AsType[*account.Error](err)
	_, catalog := errors.AsType[*errcode.Error](err)
	return domain || catalog
}

// failure is one line of the --failures file.
type failure struct {
	Line      int          `json:"line"`
	UID       string       `json:"UID,omitempty"`
	ErrorCode errcode.Code `json:"errorCode"`
	Error     string       `json:"error"`
}

func (im *importer) fail(line int, uid string, err error) {
	im.failed++
	e := errcode.From(rpc.Errors().Render(err))
	msg := e.Error()
	for _, f := range e.Fields {
		if !strings.Contains(msg, f.FullMessage()) {
			msg += "; " + f.FullMessage()
		}
	}
	fmt.Fprintf(im.stderr, "import: line %d: %s\n", line, msg)
	if im.failures != nil {
		b, _ := json.Marshal(failure{Line: line, UID: uid, ErrorCode: e.Code, Error: msg})
		im.failures.Write(append(b, '\n'))
	}
}

func exportCmd(ctx context.Context, args []string, d deps) error {
	c := &command{deps: d, name: "export"}
	fs := newFlags(c.name, d.stderr)
	fs.Usage = func() { fmt.Fprint(d.stderr, exportUsage); fs.PrintDefaults() }
	c.db.register(fs, true)
	var sf siteFlags
	sf.register(fs)
	out := fs.String("out", "-", "file to write (- for stdout)")
	if err := parse(fs, args); err != nil {
		return err
	}
	defer c.close()
	st, svc, err := c.accounts(ctx, sf)
	if err != nil {
		return err
	}
	w := d.stdout
	if *out != "-" {
		f, err := os.OpenFile(*out, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	n := 0
	err = svc.Export(ctx, st, 1000, func(a account.ExportedAccount) error {
		n++
		return enc.Encode(account.ExportDocument(a))
	})
	if err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(d.stderr, "export: %d accounts\n", n)
	return nil
}

// progressBar is the line a terminal shows while lines of total are read.
func progressBar(lines, total, failed int) string {
	const width = 30
	done := min(lines*width/max(total, 1), width)
	return fmt.Sprintf("import [%s%s] %d/%d lines, %d failed", strings.Repeat("#", done), strings.Repeat(".", width-done),
		lines, total, failed)
}

// isTerminal tells whether w is a terminal (a character device).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// countLines counts the lines of a file, for the progress bar.
func countLines(name string) (int, error) {
	f, err := os.Open(name)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	n, buf := 0, make([]byte, 64<<10)
	for {
		k, err := f.Read(buf)
		n += bytes.Count(buf[:k], []byte{'\n'})
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return 0, err
		}
	}
}
