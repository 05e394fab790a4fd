package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/social"
)

const socialUsage = `usage: custos social provider|redirect-uris <subcommand> [flags]

The site's social login providers, as accounts.social.setProvider … manage them. --site takes the
siteId or the apiKey. A provider named after a preset (apple, facebook, github, google, line,
linkedin, microsoft) is made from it: what is not given comes from the preset.

  provider create --site S --name NAME [--preset P] [--kind oidc|oauth2] --client-id ID
         [--client-secret-file F] [--issuer URL] [--auth-url URL] [--token-url URL] [--userinfo-url URL]
         [--scope S]... [--claims JSON] [--disabled]
                                    create or replace the provider (the secret from a file, - for
                                    stdin: never on the command line, never printed)
  provider update --site S --name NAME [the flags of create]
                                    change what is given; the secret stays unless a file is given
  provider list --site S [--json]   the site's providers (without secrets)
  provider show --site S --name NAME [--json]
  provider delete --site S --name NAME

  redirect-uris set --site S [--uri URL]...
                                    replace the exact redirect_uri values the site's social redirect
                                    flows may end at (none: only custos's completion page)
  redirect-uris list --site S [--json]
`

var socialRedirectCommands = map[string]subcommandFunc{
	"set":  socialRedirectSet,
	"list": socialRedirectList,
}

var socialProviderCommands = map[string]subcommandFunc{
	"create": socialProviderSet(false),
	"update": socialProviderSet(true),
	"list":   socialProviderList,
	"show":   socialProviderShow,
	"delete": socialProviderDelete,
}

// socialCmd runs "custos social provider …".
func socialCmd(ctx context.Context, args []string, d deps) error {
	if len(args) > 0 && isHelp(args[0]) {
		fmt.Fprint(d.stdout, socialUsage)
		return nil
	}
	if len(args) > 0 && args[0] == "provider" {
		return subcommand(ctx, "social provider", socialUsage, socialProviderCommands, args[1:], d)
	}
	if len(args) > 0 && args[0] == "redirect-uris" {
		return subcommand(ctx, "social redirect-uris", socialUsage, socialRedirectCommands, args[1:], d)
	}
	fmt.Fprint(d.stderr, socialUsage)
	if len(args) == 0 {
		return errors.New("social: no subcommand")
	}
	return fmt.Errorf("social: unknown subcommand %q", args[0])
}

func (c *command) openSocial(ctx context.Context, ref string) (int64, *social.Service, error) {
	st, _, err := c.openOIDC(ctx, ref)
	if err != nil {
		return 0, nil, err
	}
	return st.ID, social.NewService(c.store, c.box, social.Options{}), nil
}

// socialErr words the service's conditions for the command line.
func (c *command) socialErr(err error) error {
	if e, ok := errors.AsType[*account.Error](err); ok {
		var args []string
		for _, a := range e.Args {
			if s := fmt.Sprint(a); s != "" {
				args = append(args, s)
			}
		}
		return fmt.Errorf("%s: %s: %s", c.name, e.Err, strings.Join(args, ": "))
	}
	return err
}

func socialProviderSet(update bool) subcommandFunc {
	return func(fs *flag.FlagSet, c *command) func(context.Context) error {
		ref := oidcSite(fs)
		name := fs.String("name", "", "the provider name clients send (required): [a-z0-9-], 2 to 40")
		preset := fs.String("preset", "", "the preset it is made from (default: the one of its name, if any)")
		kind := fs.String("kind", "", "oidc or oauth2 (default: the preset's)")
		clientID := fs.String("client-id", "", "custos's client id at the provider")
		secretFile := fs.String("client-secret-file", "", "the client secret, from this file (- for stdin)")
		issuer := fs.String("issuer", "", "oidc: the issuer (discovery at <issuer>/.well-known/openid-configuration)")
		authURL := fs.String("auth-url", "", "the authorization endpoint (oauth2; an override for oidc)")
		tokenURL := fs.String("token-url", "", "the token endpoint (oauth2; an override for oidc)")
		userInfoURL := fs.String("userinfo-url", "", "the userinfo endpoint (oauth2; an override for oidc)")
		var scopes stringList
		fs.Var(&scopes, "scope", "a scope to ask for (repeatable; default: the preset's)")
		claims := fs.String("claims", "", `the claim map, a JSON object such as {"nickname":"preferred_username"}`)
		disabled := fs.Bool("disabled", false, "configure it, but refuse logins with it")
		acceptAccess := fs.Bool("accept-access-tokens", false, "oauth2: accept an access token alone as a native session (unsafe unless the preset checks its audience: docs/social.md)")
		tokenCheckURL := fs.String("token-check-url", "", "an override of the preset's token check endpoint")
		return func(ctx context.Context) error {
			if *name == "" {
				return fmt.Errorf("%s: --name is required", c.name)
			}
			siteID, svc, err := c.openSocial(ctx, *ref)
			if err != nil {
				return err
			}
			p := social.Provider{Name: *name}
			if update {
				if p, err = svc.Provider(ctx, siteID, *name); err != nil {
					return c.socialErr(err)
				}
			}
			given := map[string]bool{}
			fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
			for flagName, dst := range map[string]*string{"preset": &p.Preset, "client-id": &p.ClientID,
				"issuer": &p.Issuer, "auth-url": &p.AuthURL, "token-url": &p.TokenURL, "userinfo-url": &p.UserInfoURL} {
				if given[flagName] || !update {
					*dst = *map[string]*string{"preset": preset, "client-id": clientID, "issuer": issuer,
						"auth-url": authURL, "token-url": tokenURL, "userinfo-url": userInfoURL}[flagName]
				}
			}
			if given["kind"] || !update {
				p.Kind = social.Kind(*kind)
			}
			if scopes != nil {
				p.Scopes = scopes
			}
			if *claims != "" {
				p.Claims = nil
				if err := json.Unmarshal([]byte(*claims), &p.Claims); err != nil {
					return fmt.Errorf("%s: --claims: want a JSON object of claim names", c.name)
				}
			}
			if given["disabled"] || !update {
				p.Enabled = !*disabled
			}
			if given["accept-access-tokens"] || !update {
				p.AcceptAccessTokens = *acceptAccess
			}
			if given["token-check-url"] || !update {
				p.TokenCheckURL = *tokenCheckURL
			}
			if *secretFile != "" {
				if p.ClientSecret, err = readSecretFile(*secretFile); err != nil {
					return fmt.Errorf("%s: --client-secret-file: %w", c.name, err)
				}
			}
			out, err := svc.SetProvider(ctx, siteID, p)
			if err != nil {
				return c.socialErr(err)
			}
			return c.printProviders(false, out)
		}
	}
}

func socialProviderList(fs *flag.FlagSet, c *command) func(context.Context) error {
	ref := oidcSite(fs)
	return func(ctx context.Context) error {
		siteID, svc, err := c.openSocial(ctx, *ref)
		if err != nil {
			return err
		}
		list, err := svc.Providers(ctx, siteID)
		if err != nil {
			return err
		}
		return c.printProviders(true, list...)
	}
}

func socialProviderShow(fs *flag.FlagSet, c *command) func(context.Context) error {
	ref := oidcSite(fs)
	name := fs.String("name", "", "the provider name (required)")
	return func(ctx context.Context) error {
		siteID, svc, err := c.openSocial(ctx, *ref)
		if err != nil {
			return err
		}
		p, err := svc.Provider(ctx, siteID, *name)
		if err != nil {
			return c.socialErr(err)
		}
		return c.printProviders(false, p)
	}
}

func socialProviderDelete(fs *flag.FlagSet, c *command) func(context.Context) error {
	ref := oidcSite(fs)
	name := fs.String("name", "", "the provider name (required)")
	return func(ctx context.Context) error {
		siteID, svc, err := c.openSocial(ctx, *ref)
		if err != nil {
			return err
		}
		if err := svc.DeleteProvider(ctx, siteID, *name); err != nil {
			return c.socialErr(err)
		}
		_, err = fmt.Fprintf(c.stdout, "deleted provider %s\n", *name)
		return err
	}
}

// providerJSON is a provider as the CLI prints it: never its secret.
type providerJSON struct {
	Name        string            `json:"name"`
	Preset      string            `json:"preset,omitempty"`
	Kind        string            `json:"kind"`
	ClientID    string            `json:"clientID"`
	HasSecret   bool              `json:"hasSecret"`
	Issuer      string            `json:"issuer,omitempty"`
	AuthURL     string            `json:"authURL,omitempty"`
	TokenURL    string            `json:"tokenURL,omitempty"`
	UserInfoURL string            `json:"userInfoURL,omitempty"`
	Scopes      []string          `json:"scopes,omitempty"`
	Claims      map[string]string `json:"claims,omitempty"`
	Enabled     bool              `json:"enabled"`
	UpdatedAt   time.Time         `json:"updated,omitzero"`
	// AcceptAccessTokens and TokenCheckURL: see social.Provider.
	AcceptAccessTokens bool   `json:"acceptAccessTokens,omitempty"`
	TokenCheckURL      string `json:"tokenCheckURL,omitempty"`
}

func (c *command) printProviders(list bool, ps ...social.Provider) error {
	out := make([]providerJSON, 0, len(ps))
	for _, p := range ps {
		out = append(out, providerJSON{p.Name, p.Preset, string(p.Kind), p.ClientID, p.HasSecret, p.Issuer, p.AuthURL,
			p.TokenURL, p.UserInfoURL, p.Scopes, p.Claims, p.Enabled, p.UpdatedAt, p.AcceptAccessTokens, p.TokenCheckURL})
	}
	if c.asJSON {
		if !list && len(out) == 1 {
			return writeJSON(c.stdout, out[0])
		}
		return writeJSON(c.stdout, out)
	}
	for _, p := range out {
		state := "enabled"
		if !p.Enabled {
			state = "disabled"
		}
		secret := "no secret"
		if p.HasSecret {
			secret = "secret set"
		}
		fmt.Fprintf(c.stdout, "%s\t%s\t%s\tclientID=%s\t%s\t%s\n", p.Name, p.Kind, first(p.Preset, "-"), p.ClientID, secret, state)
	}
	return nil
}

func first(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func socialRedirectSet(fs *flag.FlagSet, c *command) func(context.Context) error {
	ref := oidcSite(fs)
	var uris stringList
	fs.Var(&uris, "uri", "an exact redirect_uri (repeatable; none clears the list)")
	return func(ctx context.Context) error {
		siteID, svc, err := c.openSocial(ctx, *ref)
		if err != nil {
			return err
		}
		out, err := svc.SetRedirectURIs(ctx, siteID, uris)
		if err != nil {
			return c.socialErr(err)
		}
		return c.printRedirectURIs(out)
	}
}

func socialRedirectList(fs *flag.FlagSet, c *command) func(context.Context) error {
	ref := oidcSite(fs)
	return func(ctx context.Context) error {
		siteID, svc, err := c.openSocial(ctx, *ref)
		if err != nil {
			return err
		}
		out, err := svc.RedirectURIs(ctx, siteID)
		if err != nil {
			return err
		}
		return c.printRedirectURIs(out)
	}
}

func (c *command) printRedirectURIs(uris []string) error {
	if c.asJSON {
		return writeJSON(c.stdout, uris)
	}
	for _, u := range uris {
		fmt.Fprintln(c.stdout, u)
	}
	return nil
}
