package account

import (
	"context"
	"fmt"

	"github.com/custos-id/custos/internal/schema"
	"github.com/custos-id/custos/internal/search"
	"github.com/custos-id/custos/internal/site"
)

// SearchPage is which part of a search's matches to return.
type SearchPage struct {
	AfterID int64 // keyset: accounts after this id (the query has no ORDER BY)
	Offset  int
	Limit   int // 0: only the total
	NoTotal bool
}

// Searcher runs searches; *store.DB implements it.
type Searcher interface {
	SearchAccounts(ctx context.Context, siteID int64, sc schema.Schema, q *search.Query, page SearchPage) ([]Account, int, error)
}

// Search runs q over the accounts of st, typed by its schema. A query the
// store cannot run fails with a *search.Error.
func (s *Service) Search(ctx context.Context, st site.Site, q *search.Query, page SearchPage) ([]Account, int, error) {
	sr, ok := s.store.(Searcher)
	if !ok {
		return nil, 0, fmt.Errorf("account: the store %T cannot search", s.store)
	}
	return sr.SearchAccounts(ctx, st.ID, st.Schema, q, page)
}
