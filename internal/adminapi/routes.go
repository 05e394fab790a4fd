package adminapi

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/admin"
	"github.com/custos-id/custos/internal/callctx"
	"github.com/custos-id/custos/internal/oauth"
	"github.com/custos-id/custos/internal/outbox"
	"github.com/custos-id/custos/internal/screenset"
	"github.com/custos-id/custos/internal/site"
	"github.com/custos-id/custos/internal/social"
)

// Options are the services the API works through.
type Options struct {
	Admins     admin.API
	Sites      *site.Service
	Accounts   *account.Service
	OAuth      *oauth.Service
	ScreenSets *screenset.Service
	Social     *social.Service
	Outbox     *outbox.Outbox
	Stats      Stats
	Log        *slog.Logger
	Now        func() time.Time
	// LoginRate and LoginBurst bound the login attempts of each client
	// address (POST /session and /session/totp) per second, with bursts;
	// zero takes DefaultLoginRate and DefaultLoginBurst, negative: no bound.
	LoginRate  float64
	LoginBurst int
	// PublicURL is custos's public base URL: with https the session
	// cookie is Secure.
	PublicURL string
	// AuditFailed, when set, counts an audit entry that could not be
	// written after its change.
	AuditFailed func()
}

// The default bound of login attempts: 30 at once, then one every 2
// seconds, per client address.
const (
	DefaultLoginRate  = 0.5
	DefaultLoginBurst = 30
)

// table is the route table: every route, the least role it needs, and its
// handler. The authorization tests iterate over it.
func (h *Handler) table() []Route {
	const (
		get, post, put, patch, del = http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete
		none, ro, op, owner        = RoleNone, admin.ReadOnly, admin.Operator, admin.Owner
	)
	return []Route{
		{post, "/session", none, h.login},
		{get, "/session", ro, h.getSession},
		{del, "/session", ro, h.logout},
		{post, "/session/totp", none, h.enroll},

		{get, "/overview", ro, h.overview},
		{get, "/sites", ro, h.listSites},
		{post, "/sites", op, h.createSite},
		{get, "/sites/{siteId}", ro, h.getSite},
		{patch, "/sites/{siteId}", op, h.patchSite},
		{post, "/sites/{siteId}/rotate-secret", op, h.rotateSecret},
		{get, "/sites/{siteId}/keys", ro, h.listKeys},
		{post, "/sites/{siteId}/keys", op, h.createKey},
		{del, "/sites/{siteId}/keys/{userKey}", op, h.revokeKey},
		{get, "/sites/{siteId}/policies", ro, h.getPolicies},
		{put, "/sites/{siteId}/policies", op, h.putPolicies},
		{get, "/sites/{siteId}/schema", ro, h.getSchema},
		{put, "/sites/{siteId}/schema", op, h.putSchema},
		{post, "/sites/{siteId}/schema/fields", op, h.addSchemaFields},
		{get, "/sites/{siteId}/screen-sets", ro, h.listScreenSets},
		{get, "/sites/{siteId}/screen-sets/{screenSetId}", ro, h.getScreenSet},
		{put, "/sites/{siteId}/screen-sets/{screenSetId}", op, h.putScreenSet},
		{del, "/sites/{siteId}/screen-sets/{screenSetId}", op, h.deleteScreenSet},
		{get, "/sites/{siteId}/oidc/clients", ro, h.listClients},
		{post, "/sites/{siteId}/oidc/clients", op, h.createClient},
		{get, "/sites/{siteId}/oidc/clients/{clientId}", ro, h.getClient},
		{patch, "/sites/{siteId}/oidc/clients/{clientId}", op, h.patchClient},
		{del, "/sites/{siteId}/oidc/clients/{clientId}", op, h.deleteClient},
		{get, "/sites/{siteId}/providers", ro, h.listProviders},
		{put, "/sites/{siteId}/providers/{name}", op, h.putProvider},
		{del, "/sites/{siteId}/providers/{name}", op, h.deleteProvider},
		{get, "/sites/{siteId}/social-redirect-uris", ro, h.getSocialRedirectURIs},
		{put, "/sites/{siteId}/social-redirect-uris", op, h.putSocialRedirectURIs},
		{get, "/sites/{siteId}/users", ro, h.searchUsers},
		{get, "/sites/{siteId}/users/{uid}", ro, h.getUser},
		{patch, "/sites/{siteId}/users/{uid}", op, h.patchUser},
		{del, "/sites/{siteId}/users/{uid}", op, h.deleteUser},
		{post, "/sites/{siteId}/users/{uid}/disable", op, h.disableUser},
		{post, "/sites/{siteId}/users/{uid}/enable", op, h.enableUser},
		{post, "/sites/{siteId}/users/{uid}/unlock", op, h.unlockUser},
		{post, "/sites/{siteId}/users/{uid}/send-reset", op, h.sendReset},
		{post, "/sites/{siteId}/users/{uid}/revoke-sessions", op, h.revokeSessions},
		{get, "/sites/{siteId}/users/{uid}/export", op, h.exportUser},

		{get, "/outbox", ro, h.listOutbox},
		{post, "/outbox/{id}/retry", op, h.retryMail},
		{get, "/jobs", ro, h.listJobs},
		{get, "/audit", ro, h.listAudit},
		{get, "/admins", owner, h.listAdmins},
		{post, "/admins", owner, h.createAdmin},
		{patch, "/admins/{adminId}", owner, h.patchAdmin},
		{del, "/admins/{adminId}", owner, h.deleteAdmin},
	}
}

// audit records a change the calling admin made, once the change is
// committed (the audit entry is not part of the change's transaction).
// A failed write neither undoes the change nor turns its answer into an
// error (a new secret must reach its caller): it is logged at error level
// with the entry, which never holds a secret, and counted
// (custos_audit_write_failures_total).
func (h *Handler) audit(ctx context.Context, r *Request, action, target string, before, after any) {
	h.record(ctx, r.Admin(), action, target, before, after)
}

func (h *Handler) record(ctx context.Context, actor admin.Admin, action, target string, before, after any) {
	err := h.o.Admins.Record(ctx, actor, action, target, before, after)
	if err == nil {
		return
	}
	if h.o.AuditFailed != nil {
		h.o.AuditFailed()
	}
	h.o.Log.ErrorContext(ctx, "audit write failed: the change is done but not in the audit log",
		"call_id", callctx.From(ctx).ID, "error", err.Error(), "admin_id", actor.ID, "admin", actor.Username,
		"action", action, "target", target, "before", auditJSON(before), "after", auditJSON(after))
}

// auditJSON is how a failed entry's before and after are logged.
func auditJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("(not JSON: %v)", err)
	}
	return string(b)
}

type jsonRaw = json.RawMessage

// SiteView and KeyView are a site and an application key as the API shows
// them and the audit log keeps them (never a secret); SiteTarget and
// KeyTarget name them in the audit log. The CLI's site and key commands
// audit their changes with them.
func SiteView(s site.Site) any                      { return viewSite(s) }
func KeyView(k site.AppKey) any                     { return viewKey(k) }
func SiteTarget(siteID int64) string                { return siteTarget(siteID) }
func KeyTarget(siteID int64, userKey string) string { return siteTarget(siteID) + "/key:" + userKey }
