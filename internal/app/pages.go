package app

import (
	"errors"
	"html/template"
	"log/slog"
	"net/http"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/callctx"
	"github.com/custos-id/custos/internal/dialect"
	"github.com/custos-id/custos/internal/policy"
	"github.com/custos-id/custos/internal/site"
)

var pageTmpl = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{{.Title}}</title></head>
<body style="font-family:sans-serif;max-width:32rem;margin:4rem auto;line-height:1.5">
<h1>{{.Title}}</h1><p>{{.Text}}</p>
{{if .Token}}<form method="post" action="/account/reset-password">
<input type="hidden" name="pwrt" value="{{.Token}}">
{{range .Problems}}<p style="color:#a00">{{.}}</p>{{end}}
<p><label>New password<br><input type="password" name="newPassword" autocomplete="new-password" required></label></p>
<p><label>Repeat it<br><input type="password" name="confirmPassword" autocomplete="new-password" required></label></p>
<p><button type="submit">Set the new password</button></p>
</form>{{end}}
{{if .VerifyToken}}<form method="post" action="/account/verify-email">
<input type="hidden" name="token" value="{{.VerifyToken}}">
<p><button type="submit">Confirm my email address</button></p>
</form>{{end}}
{{if .Next}}<p><a href="{{.Next}}">Continue</a></p>{{end}}
</body></html>
`))

type page struct {
	Title, Text string
	// Token and Problems make the page the new-password form.
	Token    string
	Problems []string
	// VerifyToken makes the page the form that verifies an email address.
	VerifyToken string
	// Next is the "continue" link of the site (emailVerification.nextURL).
	Next string
}

func writePage(w http.ResponseWriter, status int, p page) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer") // the URL holds a token
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'")
	w.WriteHeader(status)
	pageTmpl.Execute(w, p)
}

var (
	expiredLink = page{Title: "This link has expired", Text: "Ask for a new email and follow the link in it."}
	invalidLink = page{Title: "This link is not valid", Text: "It was used already, or it is incomplete. Ask for a new email if you still need one."}
	brokenPage  = page{Title: "Something went wrong", Text: "Please try again later."}
	crossSite   = page{Title: "This form was sent from another site", Text: "Open the link of the email again and use the form on its page."}
)

// crossOrigin refuses forms a browser posts from another site (by
// Sec-Fetch-Site, else Origin against Host): the token of the form is a
// secret already, this is defence in depth.
var crossOrigin = http.NewCrossOriginProtection()

// resetPasswordPage serves the link of reset mails (when the site has no
// passwordReset.resetURL of its own): a form for the new password.
func resetPasswordPage(accounts *account.Service, sites *site.Service, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info := callctx.From(r.Context())
		info.Dialect, info.Method = "page", "reset-password"
		if r.Method == http.MethodHead {
			writePage(w, http.StatusOK, page{})
			return
		}
		token := r.FormValue("pwrt")
		siteID, err := accounts.ResetTokenSite(r.Context(), token)
		switch {
		case errors.Is(err, account.ErrLinkExpired):
			writePage(w, http.StatusGone, expiredLink)
			return
		case errors.Is(err, account.ErrLinkInvalid):
			writePage(w, http.StatusNotFound, invalidLink)
			return
		case err != nil:
			log.Error("reset password page", "call_id", info.ID, "err", err)
			writePage(w, http.StatusInternalServerError, brokenPage)
			return
		}
		form := page{Title: "Choose a new password", Text: "The link works once.", Token: token}
		if r.Method != http.MethodPost {
			writePage(w, http.StatusOK, form)
			return
		}
		if crossOrigin.Check(r) != nil {
			writePage(w, http.StatusForbidden, crossSite)
			return
		}
		if r.FormValue("newPassword") != r.FormValue("confirmPassword") {
			form.Problems = []string{"The two passwords differ."}
			writePage(w, http.StatusUnprocessableEntity, form)
			return
		}
		st, err := sites.ByID(r.Context(), siteID)
		if err == nil {
			_, err = accounts.ResetPassword(r.Context(), st, account.ResetInput{Token: token, NewPassword: r.FormValue("newPassword")})
			err = pageErrors.Render(err)
		}
		if e, ok := errors.AsType[*errcode.Error](err); ok && e.Code != errcode.GeneralServerError {
			form.Problems = []string{e.Description()}
			writePage(w, http.StatusUnprocessableEntity, form)
			return
		}
		if err != nil {
			log.Error("reset password page", "call_id", info.ID, "err", err)
			writePage(w, http.StatusInternalServerError, brokenPage)
			return
		}
		writePage(w, http.StatusOK, page{Title: "Your password is changed", Text: "You can log in with it now. Every session that was open has ended."})
	})
}

// verifyEmailPage serves the link of verification mails. GET shows a
// button that POSTs the token, so that link scanners, which follow links
// with GET and HEAD, verify nothing; the POST verifies. A link that does not
// work changes nothing and says why. Once verified, the page links to the
// site's emailVerification.nextURL, if it has one on its domains.
func verifyEmailPage(accounts *account.Service, sites *site.Service, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info := callctx.From(r.Context())
		info.Dialect, info.Method = "page", "verify-email"
		switch r.Method {
		case http.MethodHead:
			writePage(w, http.StatusOK, page{})
			return
		case http.MethodPost:
			if crossOrigin.Check(r) != nil {
				writePage(w, http.StatusForbidden, crossSite)
				return
			}
			status, p := verifyEmail(r, accounts, sites, log)
			writePage(w, status, p)
			return
		}
		token := r.URL.Query().Get("token")
		siteID, err := accounts.VerifyTokenSite(r.Context(), token)
		var st site.Site
		if err == nil {
			st, err = sites.ByID(r.Context(), siteID)
		}
		if status, p, failed := linkFailure(err, info.ID, log); failed {
			writePage(w, status, p)
			return
		}
		writePage(w, http.StatusOK, page{Title: "Confirm your email address",
			Text: "Press the button to confirm your email address for " + st.Name + ".", VerifyToken: token})
	})
}

// verifyEmail spends the token the form posted.
func verifyEmail(r *http.Request, accounts *account.Service, sites *site.Service, log *slog.Logger) (int, page) {
	info := callctx.From(r.Context())
	a, err := accounts.VerifyEmail(r.Context(), r.PostFormValue("token"))
	if status, p, failed := linkFailure(err, info.ID, log); failed {
		return status, p
	}
	done := page{Title: "Email address verified", Text: "Thank you: your email address is verified. You can close this page and log in."}
	st, err := sites.ByID(r.Context(), a.SiteID)
	if err != nil {
		// Verified all the same: only the link to the site is missing.
		log.Error("verify email: site", "call_id", info.ID, "err", err)
		return http.StatusOK, done
	}
	// The domains may have changed since setPolicies checked nextURL.
	if next := st.Policies.EmailVerification.NextURL; next != "" && policy.NextURLAllowed(next, st.AllowsOrigin) {
		done.Text, done.Next = "Thank you: your email address is verified.", next
	}
	return http.StatusOK, done
}

// linkFailure is the page of a link that does not work, if err says so.
func linkFailure(err error, callID string, log *slog.Logger) (int, page, bool) {
	switch {
	case err == nil:
		return 0, page{}, false
	case errors.Is(err, account.ErrLinkExpired):
		return http.StatusGone, expiredLink, true
	case errors.Is(err, account.ErrLinkInvalid):
		return http.StatusNotFound, invalidLink, true
	}
	log.Error("verify email", "call_id", callID, "err", err)
	return http.StatusInternalServerError, brokenPage, true
}

// pageErrors words the domain's errors for the person at the page: the
// fields are the form's, the password and the link, not a dialect's
// parameters.
var pageErrors = dialect.Table{Names: map[account.Attribute]string{
	account.AttrPassword:    "password",
	account.AttrNewPassword: "password",
	account.AttrResetToken:  "link",
}}
