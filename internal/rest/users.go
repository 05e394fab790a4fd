package rest

import (
	"context"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/account"
)

// user is the user resource of the Social ID API.
type user struct {
	ID         int64   `json:"id"`
	Username   *string `json:"username"`
	Email      *string `json:"email_address"`
	SignedUpAt string  `json:"signed_up_at"`
	SignedInAt *string `json:"signed_in_at"`
	Active     bool    `json:"active"`
	Confirmed  bool    `json:"confirmed"`
	Locked     bool    `json:"locked"`
}

// timeLayout is ISO-8601 UTC to the second, as the Social ID API shows times.
const timeLayout = "2006-01-02T15:04:05Z"

func userOf(a account.Account) user {
	u := user{
		ID:         a.ID,
		Username:   optional(a.Username),
		Email:      optional(a.Email),
		SignedUpAt: a.CreatedAt.UTC().Format(timeLayout),
		Active:     a.Active,
		Confirmed:  a.EmailVerified,
	}
	if !a.LastLoginAt.IsZero() {
		u.SignedInAt = optional(a.LastLoginAt.UTC().Format(timeLayout))
	}
	return u
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// RegisterUsers adds the /users routes.
func RegisterUsers(h *Handler, accounts *account.Service) {
	h.Handle("GET /users/find_by", func(ctx context.Context, r *Request) (Response, error) {
		var q struct {
			Username string `json:"username"`
			Email    string `json:"email_address"`
		}
		if err := r.Decode(&q); err != nil {
			return Response{}, err
		}
		query := r.URL.Query()
		if query.Has("username") || query.Has("email_address") {
			q.Username, q.Email = query.Get("username"), query.Get("email_address")
		}
		param, kind, value := "email_address", account.Email, q.Email
		if value == "" {
			param, kind, value = "username", account.Username, q.Username
		}
		if value == "" {
			return Response{}, errcode.New(errcode.MissingRequiredParameter, "Username or Email Address must be given")
		}
		a, ok, err := accounts.Find(ctx, r.Site.ID, kind, param, value)
		if err != nil {
			return Response{}, err
		}
		if !ok {
			return Response{}, errcode.New(errcode.NotFound, "User not found")
		}
		return Response{Body: userOf(a)}, nil
	})
}
