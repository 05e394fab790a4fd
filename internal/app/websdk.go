package app

import (
	"context"
	"errors"

	"github.com/custos-id/custos/internal/site"
	"github.com/custos-id/custos/internal/social"
	"github.com/custos-id/custos/internal/websdk"
)

// webSDKSite is what the Web SDK bundle needs of the site of an apiKey.
func webSDKSite(sites *site.Service, providers *social.Service) websdk.Lookup {
	return func(ctx context.Context, apiKey string) (websdk.Site, error) {
		st, err := sites.ByAPIKey(ctx, apiKey)
		if errors.Is(err, site.ErrNotFound) {
			return websdk.Site{}, websdk.ErrUnknownSite
		}
		if err != nil {
			return websdk.Site{}, err
		}
		ps, err := providers.Providers(ctx, st.ID)
		if err != nil {
			return websdk.Site{}, err
		}
		var names []string
		for _, p := range ps {
			if p.Enabled {
				names = append(names, p.Name)
			}
		}
		return websdk.Site{APIKey: st.APIKey, Name: st.Name, Config: st.WebSDKConfig, ScreenSetScripts: st.ScreenSetScripts,
			Domains: st.Domains, SocialProviders: names}, nil
	}
}
