package account

import (
	"context"

	"github.com/custos-id/custos/internal/site"
)

// ExportedAccount is an account with its login IDs, as an export reads them.
type ExportedAccount struct {
	Account
	LoginIDs []StoredLoginID
}

// ExportStore reads every account of a site, page by page.
type ExportStore interface {
	// AccountsAfter returns up to limit accounts of the site whose id is
	// above afterID, in id order, each with its login IDs.
	AccountsAfter(ctx context.Context, siteID, afterID int64, limit int) ([]ExportedAccount, error)
}

// Export calls fn with every account of the site, in id order, reading
// pageSize of them at a time: accounts created during the export are met
// once or not at all, never twice.
func (s *Service) Export(ctx context.Context, st site.Site, pageSize int, fn func(ExportedAccount) error) error {
	var after int64
	for {
		page, err := s.store.AccountsAfter(ctx, st.ID, after, pageSize)
		if err != nil {
			return err
		}
		for _, a := range page {
			if err := fn(a); err != nil {
				return err
			}
		}
		if len(page) < pageSize {
			return nil
		}
		after = page[len(page)-1].ID
	}
}
