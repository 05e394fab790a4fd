package account

import (
	"context"

	"github.com/custos-id/custos/internal/site"
)

// AccountQuery selects accounts of a site, in id order: those that hold
// every login ID of LoginIDs and, when IDs is not empty, whose id is one of
// IDs; Limit of them from the Offset-th on.
type AccountQuery struct {
	LoginIDs      []LoginID
	IDs           []int64
	Offset, Limit int
}

// ListStore lists accounts.
type ListStore interface {
	// ListAccounts returns a page of the accounts of the site that q
	// selects, and how many it selects in all; read as ReadObjects says.
	ListAccounts(ctx context.Context, siteID int64, q AccountQuery) ([]Account, int, error)
}

// ListInput selects users to list: by exact login IDs (as typed: they are
// normalized here) and ids, every condition given holding; a page of them
// in id order.
type ListInput struct {
	Email, Username string
	IDs             []int64
	Offset, Limit   int
}

// List returns a page of the site's accounts that in selects, oldest
// first, and how many it selects in all. A malformed login ID fails as it
// does for Find.
func (s *Service) List(ctx context.Context, st site.Site, in ListInput) ([]Account, int, error) {
	q := AccountQuery{IDs: in.IDs, Offset: in.Offset, Limit: in.Limit}
	for _, l := range []struct {
		kind  LoginIDKind
		value string
	}{{Email, in.Email}, {Username, in.Username}} {
		if l.value == "" {
			continue
		}
		id, err := parseLoginID(kindAttr(l.kind), l.value)
		if err != nil {
			return nil, 0, err
		}
		id.Kind = l.kind
		q.LoginIDs = append(q.LoginIDs, id)
	}
	return s.store.ListAccounts(ctx, st.ID, q)
}
