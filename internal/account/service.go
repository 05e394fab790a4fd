package account

import (
	"context"
	"errors"
)

// Service runs the account operations of a site.
type Service struct {
	store Store
}

// NewService returns a Service over store.
func NewService(store Store) *Service { return &Service{store: store} }

// IsAvailableLoginID reports whether loginID is free in the site.
func (s *Service) IsAvailableLoginID(ctx context.Context, siteID int64, loginID string) (bool, error) {
	id, err := ParseLoginID("loginID", loginID)
	if err != nil {
		return false, err
	}
	taken, err := s.store.LoginIDExists(ctx, siteID, id)
	return !taken, err
}

// Find returns the account whose login ID of the given kind is loginID; ok
// is false when there is none.
func (s *Service) Find(ctx context.Context, siteID int64, kind LoginIDKind, param, loginID string) (a Account, ok bool, err error) {
	id, err := ParseLoginID(param, loginID)
	if err != nil {
		return Account{}, false, err
	}
	id.Kind = kind
	a, err = s.store.AccountByLoginID(ctx, siteID, id)
	if errors.Is(err, ErrNotFound) {
		return Account{}, false, nil
	}
	return a, err == nil, err
}
