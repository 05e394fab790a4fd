package app

import (
	"errors"
	"html/template"
	"log/slog"
	"net/http"

	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/callctx"
)

var pageTmpl = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{{.Title}}</title></head>
<body style="font-family:sans-serif;max-width:32rem;margin:4rem auto;line-height:1.5">
<h1>{{.Title}}</h1><p>{{.Text}}</p></body></html>
`))

type page struct{ Title, Text string }

// verifyEmailPage serves the link of verification mails. A link that does
// not work changes nothing and says why.
func verifyEmailPage(accounts *account.Service, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info := callctx.From(r.Context())
		info.Dialect, info.Method = "page", "verify-email"
		status, p := http.StatusOK, page{"Email address verified", "Thank you: your email address is verified. You can close this page and log in."}
		_, err := accounts.VerifyEmail(r.Context(), r.URL.Query().Get("token"))
		switch {
		case errors.Is(err, account.ErrLinkExpired):
			status, p = http.StatusGone, page{"This link has expired", "Ask for a new verification email and follow the link in it."}
		case errors.Is(err, account.ErrLinkInvalid):
			status, p = http.StatusNotFound, page{"This link is not valid", "It was used already, or it is incomplete. If your address is not verified yet, ask for a new verification email."}
		case err != nil:
			log.Error("verify email", "call_id", info.ID, "err", err)
			status, p = http.StatusInternalServerError, page{"Something went wrong", "Please try again later."}
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Referrer-Policy", "no-referrer") // the URL holds a token
		w.WriteHeader(status)
		pageTmpl.Execute(w, p)
	})
}
