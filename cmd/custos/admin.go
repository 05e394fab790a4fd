package main

import (
	"context"
	"flag"
	"fmt"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/custos-id/custos/internal/admin"
	"github.com/custos-id/custos/internal/password"
)

const adminUsage = `usage: custos admin <create|list|set-password|reset-totp|unlock> [flags]

  create --username U --role R [--password-file F] [--json]
                                                add an admin of the console and the admin API; R is owner
                                                (everything, admins too), operator (sites and users) or
                                                readonly; F holds the password (- for stdin; its first line,
                                                at least 12 characters); without it a password is drawn and
                                                printed once. The first login enrolls a TOTP second factor
  list [--json]                                 list the admins (no secrets)
  set-password --username U [--password-file F]
                                                replace the password of U (ends its sessions); F as for create,
                                                without it a password is drawn and printed once
  reset-totp --username U                       forget the second factor of U (ends its sessions): its next
                                                login enrolls a new one, and sets a new password
  unlock --username U                           clear the failed logins and the lockout of username U
`

var adminCommands = map[string]subcommandFunc{
	"create":       adminCreate,
	"list":         adminList,
	"unlock":       adminUnlock,
	"set-password": adminSetPassword,
	"reset-totp":   adminResetTOTP,
}

// adminJSON is an admin as "admin create --json" and "admin list --json"
// print it.
type adminJSON struct {
	ID           int64      `json:"id"`
	Username     string     `json:"username"`
	Role         admin.Role `json:"role"`
	Password     string     `json:"password,omitempty"`
	TOTPEnrolled bool       `json:"totpEnrolled"`
	Disabled     bool       `json:"disabled"`
	CreatedAt    time.Time  `json:"created"`
	LastLoginAt  time.Time  `json:"lastLogin,omitzero"`
}

func toAdminJSON(a admin.Admin) adminJSON {
	return adminJSON{ID: a.ID, Username: a.Username, Role: a.Role, TOTPEnrolled: a.TOTPEnrolled, Disabled: a.Disabled,
		CreatedAt: a.CreatedAt, LastLoginAt: a.LastLoginAt}
}

// admins opens the admin service: the master key seals TOTP secrets.
func (c *command) admins(ctx context.Context) (*admin.Service, error) {
	if err := c.open(ctx); err != nil {
		return nil, err
	}
	h, err := password.NewHasher(password.DefaultParams(), runtime.GOMAXPROCS(0))
	if err != nil {
		return nil, err
	}
	return admin.New(c.store, c.box, h, admin.Options{}), nil
}

func adminCreate(fs *flag.FlagSet, c *command) func(context.Context) error {
	username := fs.String("username", "", "the admin's username (required)")
	role := fs.String("role", "", "owner, operator or readonly (required)")
	pwFile := fs.String("password-file", "", "a file holding the password (- for stdin); none: draw one")
	return func(ctx context.Context) error {
		if *username == "" || *role == "" {
			return fmt.Errorf("%s: --username and --role are required", c.name)
		}
		var pw string
		if *pwFile != "" {
			var err error
			if pw, err = readSecretFile(*pwFile); err != nil {
				return err
			}
			if pw == "" {
				return fmt.Errorf("%s: %s holds no password", c.name, *pwFile)
			}
		}
		svc, err := c.admins(ctx)
		if err != nil {
			return err
		}
		a, drawn, err := svc.Create(ctx, admin.CLI, admin.NewAdmin{Username: *username, Role: admin.Role(*role), Password: pw})
		if err != nil {
			return err
		}
		if c.asJSON {
			j := toAdminJSON(a)
			j.Password = drawn
			return writeJSON(c.stdout, j)
		}
		fmt.Fprintf(c.stdout, "id:       %d\nusername: %s\nrole:     %s\n", a.ID, a.Username, a.Role)
		if drawn != "" {
			fmt.Fprintf(c.stdout, "password: %s\n\nThe password is printed this once; the first login at /console/ enrolls a TOTP second factor.\n", drawn)
		}
		return nil
	}
}

// adminList reads the admins from the database alone: no secret is shown,
// so no master key is needed.
func adminList(_ *flag.FlagSet, c *command) func(context.Context) error {
	return func(ctx context.Context) error {
		if err := c.openDB(ctx); err != nil {
			return err
		}
		list, err := c.store.ListAdmins(ctx)
		if err != nil {
			return err
		}
		if c.asJSON {
			out := []adminJSON{}
			for _, r := range list {
				out = append(out, toAdminJSON(r.Admin))
			}
			return writeJSON(c.stdout, out)
		}
		tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tUSERNAME\tROLE\tTOTP\tDISABLED\tCREATED\tLAST LOGIN")
		for _, r := range list {
			last := "-"
			if !r.LastLoginAt.IsZero() {
				last = r.LastLoginAt.Format(time.RFC3339)
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%v\t%v\t%s\t%s\n", r.ID, r.Username, r.Role, r.TOTPEnrolled, r.Disabled,
				r.CreatedAt.Format(time.RFC3339), last)
		}
		return tw.Flush()
	}
}

// adminUnlock clears a username's lockout (audited as the CLI): the answer
// to someone keeping an admin locked out with wrong passwords.
func adminUnlock(fs *flag.FlagSet, c *command) func(context.Context) error {
	username := fs.String("username", "", "the admin's username (required)")
	return func(ctx context.Context) error {
		if *username == "" {
			return fmt.Errorf("%s: --username is required", c.name)
		}
		svc, err := c.admins(ctx)
		if err != nil {
			return err
		}
		if err := svc.Unlock(ctx, admin.CLI, *username); err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "unlocked %s\n", *username)
		return nil
	}
}

// adminChange applies a change to the admin named username, as the CLI
// (the service audits it as admin.update).
func adminChange(ctx context.Context, c *command, username string, ch admin.Change) error {
	svc, err := c.admins(ctx)
	if err != nil {
		return err
	}
	r, err := c.store.AdminByUsername(ctx, strings.ToLower(strings.TrimSpace(username)))
	if err != nil {
		return fmt.Errorf("admin %q: %w", username, err)
	}
	_, err = svc.Update(ctx, admin.CLI, r.ID, ch)
	return err
}

// adminSetPassword replaces an admin's password: the break-glass when it
// is lost (or leaked).
func adminSetPassword(fs *flag.FlagSet, c *command) func(context.Context) error {
	username := fs.String("username", "", "the admin's username (required)")
	pwFile := fs.String("password-file", "", "a file holding the password (- for stdin); none: draw one")
	return func(ctx context.Context) error {
		if *username == "" {
			return fmt.Errorf("%s: --username is required", c.name)
		}
		pw := ""
		if *pwFile != "" {
			var err error
			if pw, err = readSecretFile(*pwFile); err != nil {
				return err
			}
			if pw == "" {
				return fmt.Errorf("%s: %s holds no password", c.name, *pwFile)
			}
		}
		drawn := pw == ""
		if drawn {
			pw = admin.NewPassword()
		}
		if err := adminChange(ctx, c, *username, admin.Change{Password: &pw}); err != nil {
			return err
		}
		if drawn {
			fmt.Fprintf(c.stdout, "password: %s\n\nThe password is printed this once.\n", pw)
			return nil
		}
		fmt.Fprintf(c.stdout, "set the password of %s\n", *username)
		return nil
	}
}

// adminResetTOTP forgets an admin's second factor: its next login enrolls
// a new one.
func adminResetTOTP(fs *flag.FlagSet, c *command) func(context.Context) error {
	username := fs.String("username", "", "the admin's username (required)")
	return func(ctx context.Context) error {
		if *username == "" {
			return fmt.Errorf("%s: --username is required", c.name)
		}
		if err := adminChange(ctx, c, *username, admin.Change{ResetTOTP: true}); err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "reset the second factor of %s: its next login enrolls a new one\n", *username)
		return nil
	}
}
