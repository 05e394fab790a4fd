package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/custos-id/custos/internal/oauth"
	"github.com/custos-id/custos/internal/site"
)

const oidcUsage = `usage: custos oidc <client|config> <subcommand> [flags]

The site's OpenID Provider: its clients (relying parties) and its configuration, as the
fidm.oidc.op.* methods manage them. --site takes the siteId or the apiKey.

  client create --site S --name NAME [--client-id ID] [--client-secret-file F] [--redirect-uri U]...
         [--post-logout-redirect-uri U]... [--response-type T]... [--grant-type G]... [--scope S]...
         [--client-type confidential|public] [--require-consent] [--json | --env]
                                    register a client; prints its clientID and, for a confidential
                                    client, its secret: the only time it is shown (--env: as shell
                                    assignments CLIENT_ID, CLIENT_SECRET); --client-id and
                                    --client-secret-file (- for stdin) keep the id and the secret of
                                    a client moved from another provider
  client list --site S [--json]     the site's clients (without secrets)
  client show --site S --client-id ID [--json]
  client update --site S --client-id ID [the flags of create]
                                    change what is given; a list flag replaces the whole list
  client rotate-secret --site S --client-id ID [--json | --env]
                                    a new secret: the old one stops working at once
  client delete --site S --client-id ID
                                    delete the client and revoke every token issued to it
  config show --site S [--json]     the provider configuration, defaults filled in
  config set --site S [--proxy-page URL] [--custom-claims JSON] [--custom-scopes JSON] [--stylesheet-file F]
         [--access-token-lifetime D] [--id-token-lifetime D] [--refresh-token-lifetime D] [--code-lifetime D]
                                    change what is given (a lifetime of 0: its default; the stylesheet
                                    themes the hosted login and consent pages)
  config clear --site S             return the site to the defaults
`

var oidcClientCommands = map[string]subcommandFunc{
	"create":        oidcClientCreate,
	"list":          oidcClientList,
	"show":          oidcClientShow,
	"update":        oidcClientUpdate,
	"rotate-secret": oidcClientRotate,
	"delete":        oidcClientDelete,
}

var oidcConfigCommands = map[string]subcommandFunc{
	"show":  oidcConfigShow,
	"set":   oidcConfigSet,
	"clear": oidcConfigClear,
}

// oidcCmd runs "custos oidc client …" and "custos oidc config …".
func oidcCmd(ctx context.Context, args []string, d deps) error {
	if len(args) > 0 && isHelp(args[0]) {
		fmt.Fprint(d.stdout, oidcUsage)
		return nil
	}
	if len(args) > 0 {
		switch args[0] {
		case "client":
			return subcommand(ctx, "oidc client", oidcUsage, oidcClientCommands, args[1:], d)
		case "config":
			return subcommand(ctx, "oidc config", oidcUsage, oidcConfigCommands, args[1:], d)
		}
	}
	fmt.Fprint(d.stderr, oidcUsage)
	if len(args) == 0 {
		return errors.New("oidc: no subcommand")
	}
	return fmt.Errorf("oidc: unknown subcommand %q", args[0])
}

// oidcSite declares --site, the siteId or the apiKey.
func oidcSite(fs *flag.FlagSet) *string {
	return fs.String("site", "", "the site: its siteId or its apiKey (required)")
}

// openOIDC opens the database and the provider's service, and resolves
// the site --site names.
func (c *command) openOIDC(ctx context.Context, ref string) (site.Site, *oauth.Service, error) {
	if ref == "" {
		return site.Site{}, nil, fmt.Errorf("%s: --site is required", c.name)
	}
	if err := c.open(ctx); err != nil {
		return site.Site{}, nil, err
	}
	var st site.Site
	var err error
	if id, perr := strconv.ParseInt(ref, 10, 64); perr == nil {
		st, err = c.sites.ByID(ctx, id)
	} else {
		st, err = c.sites.ByAPIKey(ctx, ref)
	}
	if errors.Is(err, site.ErrNotFound) {
		return st, nil, fmt.Errorf("%s: no site %q", c.name, ref)
	}
	if err != nil {
		return st, nil, err
	}
	return st, newOAuth(c), nil
}

// clientFlags are the flags of a client, for create and update.
type clientFlags struct {
	fs                                             *flag.FlagSet
	name, clientType                               *string
	redirect, postLogout, responses, grants, scope stringList
	consent                                        *bool
}

func declareClientFlags(fs *flag.FlagSet) *clientFlags {
	f := &clientFlags{fs: fs}
	f.name = fs.String("name", "", "the client's name (its description)")
	fs.Var(&f.redirect, "redirect-uri", "a redirect URI, matched exactly (repeatable)")
	fs.Var(&f.postLogout, "post-logout-redirect-uri", "where end_session may send the user back to (repeatable)")
	fs.Var(&f.responses, "response-type", `a response type the client may ask for: "code", "id_token" or "id_token token" (repeatable)`)
	fs.Var(&f.grants, "grant-type", "authorization_code, refresh_token, implicit or client_credentials (repeatable)")
	fs.Var(&f.scope, "scope", "a scope the client may ask for besides openid (repeatable; none: every scope of the site)")
	f.clientType = fs.String("client-type", "", "at creation: confidential (with a secret; the default) or public (a browser or native app, PKCE required)")
	f.consent = fs.Bool("require-consent", false, "show the consent page before the first code for an account")
	return f
}

// changes are the flags given, as changes: the flags not given stay nil.
func (f *clientFlags) changes() (oauth.ClientChanges, error) {
	var ch oauth.ClientChanges
	var err error
	f.fs.Visit(func(fl *flag.Flag) {
		switch fl.Name {
		case "name":
			ch.Name = f.name
		case "require-consent":
			ch.RequireConsent = f.consent
		case "client-type":
			switch *f.clientType {
			case "public", "confidential":
				ch.Public = new(*f.clientType == "public")
			default:
				err = errors.New("--client-type: want confidential or public")
			}
		}
	})
	// A list flag given (or filled from its variable) is not nil.
	for _, l := range []struct {
		flag *stringList
		dst  **[]string
	}{
		{&f.redirect, &ch.RedirectURIs}, {&f.postLogout, &ch.PostLogoutRedirectURIs},
		{&f.responses, &ch.ResponseTypes}, {&f.grants, &ch.GrantTypes}, {&f.scope, &ch.Scopes},
	} {
		if *l.flag != nil {
			*l.dst = (*[]string)(l.flag)
		}
	}
	return ch, err
}

// clientJSON is a client as the CLI prints it; Secret only when it was
// just made.
type clientJSON struct {
	ClientID               string    `json:"clientID"`
	Secret                 string    `json:"clientSecret,omitempty"`
	Name                   string    `json:"name"`
	ClientType             string    `json:"clientType"`
	RedirectURIs           []string  `json:"redirectUris"`
	PostLogoutRedirectURIs []string  `json:"postLogoutRedirectUris"`
	ResponseTypes          []string  `json:"responseTypes"`
	GrantTypes             []string  `json:"grantTypes"`
	Scopes                 []string  `json:"allowedScopes"`
	RequireConsent         bool      `json:"requireConsent"`
	CreatedAt              time.Time `json:"created,omitzero"`
	UpdatedAt              time.Time `json:"lastUpdated,omitzero"`
}

func toClientJSON(cl oauth.Client, secret string) clientJSON {
	kind := "confidential"
	if cl.Public() {
		kind = "public"
	}
	return clientJSON{cl.ClientID, secret, cl.Name, kind, nonNil(cl.RedirectURIs), nonNil(cl.PostLogoutRedirectURIs),
		nonNil(cl.ResponseTypes), nonNil(cl.GrantTypes), nonNil(cl.Scopes), cl.RequireConsent, cl.CreatedAt, cl.UpdatedAt}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// printClient prints a client, with its secret when it was just made.
func (c *command) printClient(cl oauth.Client, secret string, asEnv bool) error {
	switch {
	case asEnv:
		_, err := fmt.Fprintf(c.stdout, "CLIENT_ID=%s\nCLIENT_SECRET=%s\n", shellQuote(cl.ClientID), shellQuote(secret))
		return err
	case c.asJSON:
		return writeJSON(c.stdout, toClientJSON(cl, secret))
	}
	j := toClientJSON(cl, secret)
	w := c.stdout
	fmt.Fprintf(w, "clientID:       %s\n", j.ClientID)
	if secret != "" {
		fmt.Fprintf(w, "clientSecret:   %s   (shown once: keep it now)\n", secret)
	}
	fmt.Fprintf(w, "name:           %s\nclientType:     %s\nredirectUris:   %s\npostLogoutUris: %s\nresponseTypes:  %s\n"+
		"grantTypes:     %s\nallowedScopes:  %s\nrequireConsent: %v\ncreated:        %s\n",
		j.Name, j.ClientType, strings.Join(j.RedirectURIs, " "), strings.Join(j.PostLogoutRedirectURIs, " "),
		commaList(j.ResponseTypes), strings.Join(j.GrantTypes, " "), strings.Join(j.Scopes, " "), j.RequireConsent,
		j.CreatedAt.Format(time.RFC3339))
	return nil
}

// commaList joins response types, which hold spaces themselves.
func commaList(s []string) string { return strings.Join(s, ", ") }

func oidcClientCreate(fs *flag.FlagSet, c *command) func(context.Context) error {
	ref := oidcSite(fs)
	id := fs.String("client-id", "", "keep this clientID (a client moved from another provider); default: a new random one")
	secretFile := fs.String("client-secret-file", "", "keep the secret in this file (- for stdin; a client moved from another provider); default: a new random one")
	f := declareClientFlags(fs)
	asEnv := clientEnvFlag(fs)
	return func(ctx context.Context) error {
		if c.asJSON && *asEnv {
			return errJSONAndEnv
		}
		ch, err := f.changes()
		if err != nil {
			return err
		}
		ch.ClientID = id
		st, svc, err := c.openOIDC(ctx, *ref)
		if err != nil {
			return err
		}
		public := ch.Public != nil && *ch.Public
		var nc oauth.NewClient
		if *secretFile != "" {
			secret, rerr := readSecretFile(*secretFile)
			if rerr != nil {
				return fmt.Errorf("%s: --client-secret-file: %w", c.name, rerr)
			}
			if public {
				return fmt.Errorf("%s: --client-secret-file: a public client has no secret", c.name)
			}
			nc, err = svc.ImportClient(ctx, st.ID, ch.Client(), secret)
			if e, ok := errors.AsType[*oauth.InvalidError](err); ok && e.Attr == oauth.AttrSecret {
				return fmt.Errorf("%s: --client-secret-file: %s", c.name, e.Reason)
			}
			nc.Secret = "" // it came from the file: never printed
		} else {
			nc, err = svc.CreateClient(ctx, st.ID, ch.Client(), public)
		}
		if errors.Is(err, oauth.ErrClientExists) {
			return fmt.Errorf("%s: the site has a client %q already", c.name, *id)
		}
		if err != nil {
			return c.oauthErr(err)
		}
		return c.printClient(nc.Client, nc.Secret, *asEnv)
	}
}

// clientEnvFlag declares --env of the commands that print a new secret.
func clientEnvFlag(fs *flag.FlagSet) *bool {
	return fs.Bool("env", false, "print CLIENT_ID and CLIENT_SECRET as shell assignments, for eval")
}

func clientIDFlag(fs *flag.FlagSet) *string {
	return fs.String("client-id", "", "the clientID (required)")
}

// needClient checks --client-id, then opens.
func (c *command) needClient(ctx context.Context, ref, clientID string) (site.Site, *oauth.Service, error) {
	if clientID == "" {
		return site.Site{}, nil, fmt.Errorf("%s: --client-id is required", c.name)
	}
	return c.openOIDC(ctx, ref)
}

// clientErr words the service's not-found for the command line.
func (c *command) clientErr(clientID string, err error) error {
	if errors.Is(err, oauth.ErrNotFound) {
		return fmt.Errorf("%s: no client %q in this site", c.name, clientID)
	}
	return c.oauthErr(err)
}

// oidcFlags are the flags of the oauth package's attributes.
var oidcFlags = map[string]string{
	oauth.AttrName: "name", oauth.AttrClientID: "client-id", oauth.AttrRedirectURIs: "redirect-uri",
	oauth.AttrPostLogoutRedirectURIs: "post-logout-redirect-uri", oauth.AttrResponseTypes: "response-type",
	oauth.AttrGrantTypes: "grant-type", oauth.AttrScopes: "scope", oauth.AttrProxyPage: "proxy-page",
	oauth.AttrCustomClaims: "custom-claims", oauth.AttrCustomScopes: "custom-scopes", oauth.AttrStylesheet: "stylesheet-file",
	oauth.AttrAccessTokenLifetime: "access-token-lifetime", oauth.AttrIDTokenLifetime: "id-token-lifetime",
	oauth.AttrRefreshTokenLifetime: "refresh-token-lifetime", oauth.AttrCodeLifetime: "code-lifetime",
}

// oauthErr names the flag of a value the service refuses.
func (c *command) oauthErr(err error) error {
	if e, ok := errors.AsType[*oauth.InvalidError](err); ok {
		if f, ok := oidcFlags[e.Attr]; ok {
			return fmt.Errorf("%s: --%s: %s", c.name, f, e.Reason)
		}
		return fmt.Errorf("%s: %s: %s", c.name, e.Attr, e.Reason)
	}
	return err
}

func oidcClientList(fs *flag.FlagSet, c *command) func(context.Context) error {
	ref := oidcSite(fs)
	return func(ctx context.Context) error {
		st, svc, err := c.openOIDC(ctx, *ref)
		if err != nil {
			return err
		}
		list, err := svc.Clients(ctx, st.ID)
		if err != nil {
			return err
		}
		if c.asJSON {
			out := []clientJSON{}
			for _, cl := range list {
				out = append(out, toClientJSON(cl, ""))
			}
			return writeJSON(c.stdout, out)
		}
		tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "CLIENT ID\tNAME\tTYPE\tREDIRECT URIS\tCREATED")
		for _, cl := range list {
			j := toClientJSON(cl, "")
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", j.ClientID, j.Name, j.ClientType, strings.Join(j.RedirectURIs, " "), j.CreatedAt.Format(time.RFC3339))
		}
		return tw.Flush()
	}
}

func oidcClientShow(fs *flag.FlagSet, c *command) func(context.Context) error {
	ref, id := oidcSite(fs), clientIDFlag(fs)
	return func(ctx context.Context) error {
		st, svc, err := c.needClient(ctx, *ref, *id)
		if err != nil {
			return err
		}
		cl, err := svc.Client(ctx, st.ID, *id)
		if err != nil {
			return c.clientErr(*id, err)
		}
		return c.printClient(cl, "", false)
	}
}

func oidcClientUpdate(fs *flag.FlagSet, c *command) func(context.Context) error {
	ref, id := oidcSite(fs), clientIDFlag(fs)
	f := declareClientFlags(fs)
	return func(ctx context.Context) error {
		ch, err := f.changes()
		if err != nil {
			return err
		}
		st, svc, err := c.needClient(ctx, *ref, *id)
		if err != nil {
			return err
		}
		cl, err := svc.UpdateClient(ctx, st.ID, *id, func(cl *oauth.Client) error {
			if ch.TypeChange(*cl) {
				return fmt.Errorf("%s: --client-type: a client's type does not change; create another client", c.name)
			}
			ch.Apply(cl)
			return nil
		})
		if err != nil {
			return c.clientErr(*id, err)
		}
		return c.printClient(cl, "", false)
	}
}

func oidcClientRotate(fs *flag.FlagSet, c *command) func(context.Context) error {
	ref, id := oidcSite(fs), clientIDFlag(fs)
	asEnv := clientEnvFlag(fs)
	return func(ctx context.Context) error {
		if c.asJSON && *asEnv {
			return errJSONAndEnv
		}
		st, svc, err := c.needClient(ctx, *ref, *id)
		if err != nil {
			return err
		}
		cl, err := svc.Client(ctx, st.ID, *id)
		if err != nil {
			return c.clientErr(*id, err)
		}
		if cl.Public() {
			return fmt.Errorf("%s: client %q is public: it has no secret", c.name, *id)
		}
		nc, err := svc.RotateClientSecret(ctx, st.ID, *id)
		if err != nil {
			return c.clientErr(*id, err)
		}
		return c.printClient(nc.Client, nc.Secret, *asEnv)
	}
}

func oidcClientDelete(fs *flag.FlagSet, c *command) func(context.Context) error {
	ref, id := oidcSite(fs), clientIDFlag(fs)
	return func(ctx context.Context) error {
		st, svc, err := c.needClient(ctx, *ref, *id)
		if err != nil {
			return err
		}
		if err := svc.DeleteClient(ctx, st.ID, *id); err != nil {
			return c.clientErr(*id, err)
		}
		if c.asJSON {
			return writeJSON(c.stdout, struct {
				ClientID string `json:"clientID"`
				Deleted  bool   `json:"deleted"`
			}{*id, true})
		}
		fmt.Fprintf(c.stdout, "deleted client %s\n", *id)
		return nil
	}
}

// configJSON is a configuration as the CLI prints it, in the shapes of
// fidm.oidc.op.getConfig (lifetimes in seconds).
type configJSON struct {
	ProxyPage            string               `json:"proxyPage"`
	CustomClaims         map[string]claimJSON `json:"customClaims"`
	CustomScopes         map[string][]string  `json:"customScopes"`
	Stylesheet           string               `json:"stylesheet"`
	AccessTokenLifetime  int64                `json:"accessTokenLifetime"`
	IDTokenLifetime      int64                `json:"idTokenLifetime"`
	RefreshTokenLifetime int64                `json:"refreshTokenLifetime"`
	CodeLifetime         int64                `json:"codeLifetime"`
}

// claimJSON is a custom claim in Gigya's shape.
type claimJSON struct {
	FieldName string `json:"fieldName"`
}

func oidcConfigShow(fs *flag.FlagSet, c *command) func(context.Context) error {
	ref := oidcSite(fs)
	return func(ctx context.Context) error {
		st, svc, err := c.openOIDC(ctx, *ref)
		if err != nil {
			return err
		}
		cfg, err := svc.Config(ctx, st.ID)
		if err != nil {
			return err
		}
		return c.printConfig(cfg)
	}
}

func (c *command) printConfig(cfg oauth.Config) error {
	j := configJSON{cfg.ProxyPage, map[string]claimJSON{}, cfg.CustomScopes, cfg.Stylesheet, seconds(cfg.AccessTokenLifetime),
		seconds(cfg.IDTokenLifetime), seconds(cfg.RefreshTokenLifetime), seconds(cfg.CodeLifetime)}
	for name, cl := range cfg.CustomClaims {
		j.CustomClaims[name] = claimJSON{cl.FieldName}
	}
	if j.CustomScopes == nil {
		j.CustomScopes = map[string][]string{}
	}
	if c.asJSON {
		return writeJSON(c.stdout, j)
	}
	proxy := j.ProxyPage
	if proxy == "" {
		proxy = "(none: custos's hosted login page)"
	}
	w := c.stdout
	fmt.Fprintf(w, "proxyPage:            %s\n", proxy)
	writeClaims(w, cfg.CustomClaims)
	fmt.Fprintf(w, "customScopes:        ")
	for _, name := range slices.Sorted(maps.Keys(cfg.CustomScopes)) {
		fmt.Fprintf(w, " %s=%s", name, strings.Join(cfg.CustomScopes[name], ","))
	}
	fmt.Fprintf(w, "\nstylesheet:           %d bytes", len(cfg.Stylesheet))
	fmt.Fprintf(w, "\naccessTokenLifetime:  %s\nidTokenLifetime:      %s\nrefreshTokenLifetime: %s\ncodeLifetime:         %s\n",
		cfg.AccessTokenLifetime, cfg.IDTokenLifetime, cfg.RefreshTokenLifetime, cfg.CodeLifetime)
	return nil
}

func writeClaims(w io.Writer, claims map[string]oauth.Claim) {
	fmt.Fprintf(w, "customClaims:        ")
	for _, name := range slices.Sorted(maps.Keys(claims)) {
		fmt.Fprintf(w, " %s=%s", name, claims[name].FieldName)
	}
	fmt.Fprintln(w)
}

func seconds(d time.Duration) int64 { return int64(d / time.Second) }

func oidcConfigSet(fs *flag.FlagSet, c *command) func(context.Context) error {
	ref := oidcSite(fs)
	proxy := fs.String("proxy-page", "", `the site's own login page (absolute URL; "" returns to custos's hosted page)`)
	claims := fs.String("custom-claims", "", `JSON {"<claim>": {"fieldName": "profile.<field>"}}`)
	scopes := fs.String("custom-scopes", "", `JSON {"<scope>": ["<claim>", …]}`)
	css := fs.String("stylesheet-file", "", `the site's CSS for the hosted pages, from this file (- for stdin; "" clears it)`)
	lifetimes := map[string]*time.Duration{}
	for _, name := range []string{"access-token-lifetime", "id-token-lifetime", "refresh-token-lifetime", "code-lifetime"} {
		lifetimes[name] = fs.Duration(name, 0, "lifetime, such as 1h or 720h (0: the default)")
	}
	return func(ctx context.Context) error {
		var ch oauth.ConfigChanges
		var err error
		fs.Visit(func(f *flag.Flag) {
			if err != nil {
				return
			}
			switch f.Name {
			case "proxy-page":
				ch.ProxyPage = proxy
			case "custom-claims":
				var v map[string]oauth.Claim
				if v, err = oauth.ParseClaims(*claims); err == nil {
					ch.CustomClaims = &v
				}
			case "custom-scopes":
				var v map[string][]string
				if v, err = oauth.ParseScopes(*scopes); err == nil {
					ch.CustomScopes = &v
				}
			case "stylesheet-file":
				var v string
				if v, err = readStylesheet(*css); err == nil {
					ch.Stylesheet = &v
				}
			case "access-token-lifetime":
				ch.AccessTokenLifetime = lifetimes[f.Name]
			case "id-token-lifetime":
				ch.IDTokenLifetime = lifetimes[f.Name]
			case "refresh-token-lifetime":
				ch.RefreshTokenLifetime = lifetimes[f.Name]
			case "code-lifetime":
				ch.CodeLifetime = lifetimes[f.Name]
			}
			if err != nil {
				err = fmt.Errorf("--%s: %w", f.Name, err)
			}
		})
		if err != nil {
			return err
		}
		for name, d := range lifetimes {
			if *d < 0 {
				return fmt.Errorf("--%s: a lifetime is not negative", name)
			}
		}
		if ch.Empty() {
			return fmt.Errorf("%s: nothing to set", c.name)
		}
		st, svc, err := c.openOIDC(ctx, *ref)
		if err != nil {
			return err
		}
		cfg, err := svc.SetConfig(ctx, st.ID, func(cfg *oauth.Config) error { ch.Apply(cfg); return nil })
		if err != nil {
			return c.oauthErr(err)
		}
		return c.printConfig(cfg)
	}
}

func oidcConfigClear(fs *flag.FlagSet, c *command) func(context.Context) error {
	ref := oidcSite(fs)
	return func(ctx context.Context) error {
		st, svc, err := c.openOIDC(ctx, *ref)
		if err != nil {
			return err
		}
		if err := svc.ClearConfig(ctx, st.ID); err != nil {
			return err
		}
		if !c.asJSON {
			fmt.Fprintf(c.stdout, "the provider configuration of site %d is back to the defaults\n", st.ID)
			return nil
		}
		cfg, err := svc.Config(ctx, st.ID)
		if err != nil {
			return err
		}
		return c.printConfig(cfg)
	}
}

// newOAuth is the provider's service over the command's database.
func newOAuth(c *command) *oauth.Service { return oauth.NewService(c.store, oauth.Options{}) }

// readSecretFile reads a secret from a file (- for stdin): its first line,
// without the line end. A file keeps the secret out of the command line,
// where other users of the machine could read it.
func readSecretFile(name string) (string, error) {
	b, err := readInputFile(name, 4096)
	line, _, _ := strings.Cut(string(b), "\n")
	return strings.TrimRight(line, "\r"), err
}

// readInputFile reads at most limit bytes of a file (- for stdin).
func readInputFile(name string, limit int64) ([]byte, error) {
	f, err := openInput(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, limit))
}

// readStylesheet reads a site's CSS from a file (- for stdin); "" is no
// stylesheet. The service bounds its size.
func readStylesheet(name string) (string, error) {
	if name == "" {
		return "", nil
	}
	b, err := readInputFile(name, oauth.MaxStylesheetLen+1)
	return string(b), err
}
