package account

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/password"
	"github.com/custos-id/custos/internal/schema"
	"github.com/custos-id/custos/internal/site"
)

// MaxUIDLen bounds an imported UID: other systems' identifiers are not
// custos's 32 hex characters (Gigya's "_guid_…", Auth0's "auth0|…").
const MaxUIDLen = 128

// ImportPolicy tells what an import does with a UID that exists.
type ImportPolicy string

// The import policies.
const (
	// ImportInsert refuses an existing UID (ErrUIDTaken).
	ImportInsert ImportPolicy = "insert"
	// ImportUpsert replaces the imported parts of an existing account:
	// each group given (loginIDs, emails, an object, the password, a
	// timestamp, a flag) replaces what the account holds; nothing is appended.
	ImportUpsert ImportPolicy = "upsert"
)

// ImportInput is one account brought from another system
// (accounts.importFullAccount). Nil or zero fields are not given.
type ImportInput struct {
	UID       string
	CreateUID bool
	Policy    ImportPolicy
	// The timestamps; zero when not given.
	Created, LastLogin, LastUpdated, RegisteredAt, VerifiedAt time.Time
	Active, Registered, Verified                              *bool
	// Emails are the account's addresses, verified or not; LoginIDs what
	// the user logs in with. Nil when not given.
	Emails   *ImportEmails
	LoginIDs *ImportLoginIDs
	Objects  Objects
	// Password is the imported hash; nil when not given.
	Password *password.Imported
}

// ImportEmails are the addresses of an account (emails of importFullAccount).
type ImportEmails struct{ Verified, Unverified []string }

// ImportLoginIDs are the login IDs of an account (loginIDs of importFullAccount).
type ImportLoginIDs struct {
	Username                 string
	Emails, UnverifiedEmails []string
}

// ImportResult is what an import wrote.
type ImportResult struct {
	Account  Account
	LoginIDs []StoredLoginID
	// Updated: an existing account was replaced (upsert).
	Updated bool
}

// plannedImport is an import checked and ready to write.
type plannedImport struct {
	in      ImportInput
	a       Account
	ids     []StoredLoginID
	uniques []UniqueValue
	// held are the unique values the replaced account holds.
	held     []UniqueValue
	existing bool
	prev     time.Time
}

// Import writes one imported account in one transaction: nothing is written
// when anything fails. No mail is sent and no session opened; the password
// hash is stored as given (password.Encode), and the login path verifies it
// and re-hashes it to argon2id on the first login.
func (s *Service) Import(ctx context.Context, st site.Site, in ImportInput) (ImportResult, error) {
	res, err, _ := s.importOne(ctx, st, in, nil)
	return res, err
}

// ImportBatch imports many accounts in one transaction, for bulk imports.
// errs[i] is the failure of ins[i]: an input that fails its checks is left
// out and the rest are written together. When the write of the batch fails
// (a login ID taken by an account of the same batch or meanwhile), each
// input is written alone, so that only the failing ones fail.
func (s *Service) ImportBatch(ctx context.Context, st site.Site, ins []ImportInput) (res []ImportResult, errs []error) {
	res, errs, _ = s.ImportBatchCommit(ctx, st, ins, nil)
	return res, errs
}

// importError words a failed write: a login ID or UID taken meanwhile.
func (s *Service) importError(ctx context.Context, st site.Site, p plannedImport, err error) error {
	switch {
	case errors.Is(err, ErrLoginIDTaken):
		return s.takenError(ctx, st.ID, p.ids)
	case errors.Is(err, ErrUIDTaken):
		return fail(ErrUIDTaken, AttrAccount, p.a.UID)
	}
	return err
}

// planImport checks an import against the site's policies and schema and
// the account it replaces, and builds what to write.
func (s *Service) planImport(ctx context.Context, st *site.Site, in ImportInput) (plannedImport, error) {
	p := plannedImport{in: in}
	if in.Policy == "" {
		in.Policy, p.in.Policy = ImportInsert, ImportInsert
	}
	if err := s.importUID(&p); err != nil {
		return p, err
	}
	p.a.SiteID = st.ID
	old, err := s.store.AccountByUID(ctx, st.ID, p.a.UID)
	switch {
	case err == nil && in.Policy == ImportInsert:
		return p, fail(ErrUIDTaken, AttrAccount, p.a.UID)
	case err == nil:
		p.existing, p.prev = true, old.UpdatedAt
		uid := p.a.UID
		p.a, p.a.UID = old, uid
	case !errors.Is(err, ErrNotFound):
		return p, err
	}
	if p.existing && in.LoginIDs == nil {
		if p.ids, err = s.store.LoginIDs(ctx, old.ID); err != nil {
			return p, err
		}
	}
	var fields []errcode.FieldError
	if in.LoginIDs != nil {
		var ferrs []errcode.FieldError
		p.ids, ferrs = importLoginIDs(*st, *in.LoginIDs, verifiedAt(in, old, s.clock()))
		fields = append(fields, ferrs...)
	}
	if in.Emails != nil {
		for _, e := range append(append([]string(nil), in.Emails.Verified...), in.Emails.Unverified...) {
			if _, ferr := parseEmail(AttrEmail, e); ferr != nil {
				fields = append(fields, *ferr)
			}
		}
	}
	fields = append(fields, checkObjects(in.Objects)...)
	w := schema.Write{Server: true, Old: objectsOf(p.a), Patch: in.Objects}
	// A group given replaces the one held: never merged into it.
	w.Old = replaced(w.Old, in.Objects)
	out := st.Schema.Apply(w)
	fields = append(fields, out.Errors...)
	if len(fields) > 0 {
		return p, invalid(fields...)
	}
	if in.Password != nil {
		if p.a.PasswordHash, err = encodeImported(*in.Password); err != nil {
			return p, err
		}
	}
	if err := s.createFields(ctx, st, w, out); err != nil {
		return p, err
	}
	setObjects(&p.a, out.New)
	p.uniques = out.Unique
	if p.existing {
		p.held = st.Schema.Apply(schema.Write{Server: true, Old: objectsOf(old)}).Unique
	}
	s.importState(&p)
	return p, nil
}

// replaced is old without the objects patch gives.
func replaced(old, patch Objects) Objects {
	keep := func(o, p map[string]any) map[string]any {
		if p != nil {
			return nil
		}
		return o
	}
	return Objects{Profile: keep(old.Profile, patch.Profile), Data: keep(old.Data, patch.Data),
		Preferences: keep(old.Preferences, patch.Preferences), Subscriptions: keep(old.Subscriptions, patch.Subscriptions)}
}

// importUID sets the UID an import names, or a new one (createUID).
func (s *Service) importUID(p *plannedImport) error {
	uid := strings.TrimSpace(p.in.UID)
	switch {
	case uid == "" && !p.in.CreateUID:
		return fail(ErrMissing, AttrAccount)
	case uid == "":
		var err error
		p.a.UID, err = s.newUID()
		return err
	case len(uid) > MaxUIDLen:
		return fail(ErrTooLong, AttrAccount, MaxUIDLen)
	case !utf8.ValidString(uid) || strings.ContainsFunc(uid, isControl) || strings.ContainsAny(uid, " \t"):
		return fail(ErrBadCharacters, AttrAccount)
	}
	p.a.UID = uid
	return nil
}

// verifiedAt is when the login emails an import calls verified were
// verified: the import's verified time, else the account's, else its
// creation, else now.
func verifiedAt(in ImportInput, old Account, now time.Time) time.Time {
	for _, t := range []time.Time{in.VerifiedAt, old.VerifiedAt, in.Created, old.CreatedAt} {
		if t.UnixMilli() > 0 { // 0 is "never" to the store
			return t.UTC().Truncate(time.Millisecond)
		}
	}
	return now
}

// importLoginIDs checks the login IDs of an import. The username is taken
// whatever the site's login identifiers: the account had it before.
func importLoginIDs(st site.Site, l ImportLoginIDs, verified time.Time) ([]StoredLoginID, []errcode.FieldError) {
	var (
		ids    []StoredLoginID
		fields []errcode.FieldError
		seen   = map[string]bool{}
	)
	add := func(id StoredLoginID) {
		if !seen[id.Value] {
			seen[id.Value] = true
			ids = append(ids, id)
		}
	}
	if strings.TrimSpace(l.Username) != "" {
		id, ferr := parseUsername(AttrUsername, l.Username)
		if ferr != nil {
			fields = append(fields, *ferr)
		} else {
			add(StoredLoginID{LoginID: id, Display: strings.TrimSpace(l.Username)})
		}
	}
	for i, list := range [][]string{l.Emails, l.UnverifiedEmails} {
		for _, e := range list {
			id, ferr := newEmail(AttrEmail, e)
			if ferr != nil {
				fields = append(fields, *ferr)
				continue
			}
			if i == 0 {
				id.VerifiedAt = verified
			}
			add(id)
		}
	}
	return ids, fields
}

// importState sets the account's flags, timestamps and addresses from the
// import: what is given replaces what was held, and a new account gets
// defaults (active, registered, created now).
func (s *Service) importState(p *plannedImport) {
	in, a, now := p.in, &p.a, s.clock()
	if !p.existing {
		a.Active, a.Registered, a.CreatedAt = true, true, now
	}
	set := func(dst *time.Time, t time.Time) {
		if !t.IsZero() {
			*dst = t.UTC().Truncate(time.Millisecond)
		}
	}
	set(&a.CreatedAt, in.Created)
	set(&a.LastLoginAt, in.LastLogin)
	set(&a.RegisteredAt, in.RegisteredAt)
	set(&a.VerifiedAt, in.VerifiedAt)
	a.UpdatedAt = now
	if p.existing {
		a.UpdatedAt = later(now, p.prev)
	}
	set(&a.UpdatedAt, in.LastUpdated)
	if p.existing && !a.UpdatedAt.After(p.prev) { // updated_at must move: it detects concurrent changes
		a.UpdatedAt = p.prev.Add(time.Millisecond)
	}
	if in.Password != nil {
		// The system it came from does not tell when the password was set:
		// its age counts from the import, so that a site's
		// passwordChangeInterval does not make every imported user change
		// a password at the first login.
		a.PasswordChangedAt = now
	}
	if in.Active != nil {
		a.Active = *in.Active
	}
	if in.Registered != nil {
		a.Registered = *in.Registered
	}
	if a.Registered && a.RegisteredAt.IsZero() {
		a.RegisteredAt = a.CreatedAt
	}
	if in.LoginIDs != nil || in.Emails != nil {
		importAddresses(p)
	}
	if in.Verified != nil {
		a.EmailVerified = *in.Verified
	}
	if a.EmailVerified && a.VerifiedAt.IsZero() {
		a.VerifiedAt = a.CreatedAt
	}
	// The profile shows the login IDs, as a registration's does.
	a.Profile = withDefault(a.Profile, "email", a.Email)
	a.Profile = withDefault(a.Profile, "username", a.Username)
}

// importAddresses sets the account's username, email and whether that
// email is verified: the first login email, else the first address.
func importAddresses(p *plannedImport) {
	a := &p.a
	a.Username, a.Email, a.EmailVerified = "", "", false
	for _, id := range p.ids {
		switch {
		case id.Kind == Username && a.Username == "":
			a.Username = id.Display
		case id.Kind == Email && a.Email == "":
			a.Email, a.EmailVerified = id.Display, !id.VerifiedAt.IsZero()
		}
	}
	if a.Email != "" || p.in.Emails == nil {
		if a.Email != "" && p.in.Emails != nil && !a.EmailVerified {
			a.EmailVerified = containsFold(p.in.Emails.Verified, a.Email)
		}
		return
	}
	switch e := p.in.Emails; {
	case len(e.Verified) > 0:
		a.Email, a.EmailVerified = strings.TrimSpace(e.Verified[0]), true
	case len(e.Unverified) > 0:
		a.Email = strings.TrimSpace(e.Unverified[0])
	}
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if normalForm(v) == normalForm(s) {
			return true
		}
	}
	return false
}

// writeImport writes a planned import in tx: the account, its login IDs
// (replacing every one it held when the import gives them) and the values
// of its unique fields.
func (s *Service) writeImport(ctx context.Context, tx Store, p *plannedImport) error {
	if !p.existing {
		if err := tx.CreateAccount(ctx, &p.a, p.ids); err != nil {
			return err
		}
		if err := s.event(ctx, tx, p.a, EventCreated); err != nil {
			return err
		}
		return writeUniques(ctx, tx, p.a, nil, p.uniques)
	}
	if err := tx.UpdateAccount(ctx, &p.a, p.prev); err != nil {
		return err
	}
	if err := s.event(ctx, tx, p.a, EventUpdated); err != nil {
		return err
	}
	if p.in.LoginIDs != nil {
		held, err := tx.LoginIDs(ctx, p.a.ID)
		if err != nil {
			return err
		}
		for _, id := range held {
			if err := tx.RemoveLoginID(ctx, p.a.ID, id.LoginID); err != nil {
				return err
			}
		}
		for _, id := range p.ids {
			if err := tx.AddLoginID(ctx, p.a.SiteID, p.a.ID, id); err != nil {
				return err
			}
		}
	}
	return writeUniques(ctx, tx, p.a, p.held, p.uniques)
}

// encodeImported is the stored form of an imported hash (password.Encode):
// the login path verifies it and re-hashes it to argon2id on the first
// login.
func encodeImported(in password.Imported) (string, error) {
	h, err := password.Encode(in)
	switch {
	case err == nil:
		return h, nil
	case errors.Is(err, password.ErrUnsupported):
		return "", fail(ErrUnsupportedHash, AttrPassword, hashName(in))
	}
	return "", fail(ErrBadHash, AttrPassword, strings.TrimPrefix(err.Error(), "password: "))
}

// hashName names the algorithm of an imported hash for an error.
func hashName(in password.Imported) string {
	if in.Algorithm != "" {
		return in.Algorithm
	}
	c := in.Compound
	if strings.HasPrefix(c, "$") {
		if i := strings.IndexByte(c[1:], '$'); i > 0 {
			return c[:i+2]
		}
	}
	if c != "" {
		return "compoundHashedPassword"
	}
	return "hashedPassword"
}

// String is the policy as the wire spells it.
func (p ImportPolicy) String() string { return string(p) }

// ParseImportPolicy reads an importPolicy.
func ParseImportPolicy(s string) (ImportPolicy, error) {
	switch p := ImportPolicy(strings.ToLower(strings.TrimSpace(s))); p {
	case "":
		return ImportInsert, nil
	case ImportInsert, ImportUpsert:
		return p, nil
	}
	return "", fail(ErrBadValue, AttrBase, "importPolicy", fmt.Sprintf("%.32q: want insert or upsert", s))
}
