package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/custos-id/custos/internal/store"
)

// benchPurge is what one phase's server purged of the expired rows seeded
// before it started (--expired): custos purges when it starts, so the
// phase's first requests are served while the purge runs.
type benchPurge struct {
	Phase string `json:"phase"`
	// Seeded is the rows added before the phase's server started: the
	// expired sessions and tokens topped up to --expired each.
	Seeded int64 `json:"seeded"`
	// Rows is what the server's first purge deleted, Seconds how long
	// after the server listened it logged so. Finished is whether it
	// deleted every seeded row (2 × --expired): a purge that the server's
	// shutdown stops logs the rows it deleted until then, or nothing.
	Rows     int64   `json:"rows"`
	Seconds  float64 `json:"seconds"`
	Finished bool    `json:"finished"`
}

// seedExpired tops the expired sessions and tokens up to o.expired each,
// spread over the seeded accounts, before a phase's server starts.
func seedExpired(ctx context.Context, db *benchDB, site *benchSite, o benchOptions, progress io.Writer) (int64, error) {
	s, err := store.Open(ctx, db.url)
	if err != nil {
		return 0, err
	}
	defer s.Close()
	first, last := site.ids[0], site.ids[len(site.ids)-1]
	if last-first != int64(len(site.ids)-1) { // not one range of ids: all on the first account
		last = first
	}
	start := time.Now()
	added, err := store.SeedExpired(ctx, s, store.ExpiredSeed{SiteID: site.siteID, FirstAccount: first, LastAccount: last,
		ExpiredAt: start.Add(-time.Hour)}, o.expired)
	if err != nil {
		return added, err
	}
	fmt.Fprintf(progress, "bench: seeded %d expired sessions and tokens in %.1f s\n", added, time.Since(start).Seconds())
	return added, nil
}

// purgeOf reads a custos server's log for its first purge: the rows it
// deleted and when it logged so, after the server listened (App.Run, which
// purges first, starts then); found is false without such a line. The
// access log's lines are skipped unread.
func purgeOf(logFile string) (rows int64, after time.Duration, found bool) {
	f, err := os.Open(logFile)
	if err != nil {
		return 0, 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var listened time.Time
	for sc.Scan() {
		b := sc.Bytes()
		listen, purged := bytes.Contains(b, []byte(`"msg":"listening"`)), bytes.Contains(b, []byte(`"msg":"purged expired rows"`))
		if !listen && !purged {
			continue
		}
		var line struct {
			Time time.Time
			Rows int64
		}
		if json.Unmarshal(b, &line) != nil {
			continue
		}
		if listen {
			listened = line.Time
		} else if !listened.IsZero() {
			return line.Rows, line.Time.Sub(listened), true
		}
	}
	return 0, 0, false
}

// writePurges writes what each phase's server purged, under the table.
func writePurges(w io.Writer, purges []benchPurge) {
	if len(purges) > 0 {
		fmt.Fprintln(w)
	}
	for _, p := range purges {
		switch {
		case p.Finished:
			fmt.Fprintf(w, "purge during %s: %d expired rows (%d seeded before it) in %.2f s after the server listened\n",
				p.Phase, p.Rows, p.Seeded, p.Seconds)
		case p.Rows > 0:
			fmt.Fprintf(w, "purge during %s: %d expired rows (%d seeded before it) when the phase ended, %.2f s after the server listened: unfinished\n",
				p.Phase, p.Rows, p.Seeded, p.Seconds)
		default:
			fmt.Fprintf(w, "purge during %s: %d rows seeded before it; no purge logged by the phase's end: unfinished\n", p.Phase, p.Seeded)
		}
	}
}
