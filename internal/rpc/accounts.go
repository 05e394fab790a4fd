package rpc

import (
	"context"

	"github.com/custos-id/custos/internal/account"
)

// RegisterAccounts adds the accounts.* methods.
func RegisterAccounts(h *Handler, accounts *account.Service) {
	h.Register("accounts.isAvailableLoginID", Method{Auth: APIKey, Run: func(ctx context.Context, c *Call) (any, error) {
		ok, err := accounts.IsAvailableLoginID(ctx, c.Site.ID, c.Params.Get("loginID"))
		if err != nil {
			return nil, err
		}
		return map[string]bool{"isAvailable": ok}, nil
	}})
}
