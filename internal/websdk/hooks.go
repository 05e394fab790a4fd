package websdk

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/custos-id/custos/internal/screenset"
	"github.com/custos-id/custos/internal/site"
	"github.com/custos-id/custos/internal/weburl"
)

// HooksPath serves a stored screen-set's javascript as a script of its own.
const HooksPath = "/js/screenset-hooks.js"

// HookSites resolves the apiKey of a hooks request.
type HookSites interface {
	ByAPIKey(ctx context.Context, apiKey string) (site.Site, error)
}

// HookScreenSets reads a site's screen-sets.
type HookScreenSets interface {
	Get(ctx context.Context, siteID int64, ids []string) ([]screenset.ScreenSet, error)
}

// Hooks serves GET /js/screenset-hooks.js?apikey=…&screenSet=…: the
// javascript of the site's screen-set, which Gigya evaluates in the page,
// as a script that hands it to the Web SDK:
//
//	gigya.__registerScreenSetHooks("<id>", (<javascript>));
//
// The SDK never evaluates text: a site that turns screen-set scripts on
// (custos site update --screen-set-scripts) allows this script in its
// Content-Security-Policy as it allows gigya.js, from the custos origin.
// With scripts off, an unknown site or set, or a set without javascript,
// the answer is 404 with a JavaScript comment saying why. Query keys match
// in any case, as the SDK's own (apikey, apiKey).
func Hooks(sites HookSites, sets HookScreenSets) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "text/javascript; charset=utf-8")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cross-Origin-Resource-Policy", "cross-origin")
		apiKey, id := weburl.QueryFold(r.URL.RawQuery, "apikey"), weburl.QueryFold(r.URL.RawQuery, "screenset")
		fail := func(status int, why string) {
			h.Set("Cache-Control", "no-store")
			w.WriteHeader(status)
			// why is custos's own text: nothing of the request goes into the comment.
			_, _ = w.Write([]byte("/* custos: " + why + " */\n"))
		}
		if apiKey == "" || id == "" {
			fail(http.StatusBadRequest, "screenset-hooks.js needs apikey and screenSet")
			return
		}
		if _, err := screenset.CheckID(id); err != nil {
			fail(http.StatusBadRequest, "screenSet is not a screen-set id")
			return
		}
		st, err := sites.ByAPIKey(r.Context(), apiKey)
		if errors.Is(err, site.ErrNotFound) {
			fail(http.StatusNotFound, "no site has this apikey")
			return
		}
		if err != nil {
			fail(http.StatusInternalServerError, "the site could not be read; try again")
			return
		}
		if !st.ScreenSetScripts {
			fail(http.StatusNotFound, "the site has not turned screen-set scripts on")
			return
		}
		found, err := sets.Get(r.Context(), st.ID, []string{id})
		if _, ok := errors.AsType[*screenset.NotFoundError](err); err != nil && !ok {
			fail(http.StatusInternalServerError, "the screen-set could not be read; try again")
			return
		}
		if err != nil || len(found) != 1 || strings.TrimSpace(found[0].JavaScript) == "" {
			fail(http.StatusNotFound, "the site has no screen-set of this id with javascript")
			return
		}
		quoted, _ := json.Marshal(found[0].ID) // an id is letters, digits and -_.
		h.Set("Cache-Control", "public, max-age=60")
		body := "gigya.__registerScreenSetHooks(" + string(quoted) + ", (\n" + found[0].JavaScript + "\n));\n"
		if r.Method == http.MethodHead {
			return
		}
		_, _ = w.Write([]byte(body))
	})
}
