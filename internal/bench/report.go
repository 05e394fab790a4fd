package bench

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
)

// Ratio is one phase's requests per second over another's at the same
// concurrency: how close a call comes to its limit.
type Ratio struct {
	Name        string  `json:"name"` // "login / hash"
	Concurrency int     `json:"concurrency"`
	Value       float64 `json:"value"`
}

// Ratios computes num / den for each pair of phase names, at every
// concurrency both were run at.
func Ratios(results []Result, pairs [][2]string) []Ratio {
	rate := map[string]float64{}
	key := func(phase string, c int) string { return fmt.Sprintf("%s@%d", phase, c) }
	var cs []int
	for _, r := range results {
		rate[key(r.Phase, r.Concurrency)] = r.PerSecond
		if !slices.Contains(cs, r.Concurrency) {
			cs = append(cs, r.Concurrency)
		}
	}
	out := []Ratio{}
	for _, p := range pairs {
		for _, c := range cs {
			num, ok1 := rate[key(p[0], c)]
			den, ok2 := rate[key(p[1], c)]
			if ok1 && ok2 && den > 0 {
				out = append(out, Ratio{Name: p[0] + " / " + p[1], Concurrency: c, Value: num / den})
			}
		}
	}
	return out
}

// WriteTable writes the results and ratios as aligned text.
func WriteTable(w io.Writer, results []Result, ratios []Ratio) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "phase\tc\trequests\treq/s\tp50 ms\tp90 ms\tp99 ms\tmax ms\terrors\tserver CPU\tCPU ms/req\tpeak RSS MiB\tgen CPU\t")
	for _, r := range results {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.1f\t%.2f\t%.2f\t%.2f\t%.2f\t%d\t%.2f\t%.3f\t%.1f\t%.2f\t\n", r.Phase, r.Concurrency, r.Requests,
			r.PerSecond, r.P50, r.P90, r.P99, r.Max, r.ErrorCount(), r.Cores(), r.CPUPerRequest, float64(r.ServerPeakRSS)/(1<<20),
			r.GeneratorCPU/max(r.Seconds, 1e-9))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, r := range results {
		if len(r.Errors) == 0 {
			continue
		}
		var parts []string
		for _, k := range slices.Sorted(maps.Keys(r.Errors)) {
			parts = append(parts, fmt.Sprintf("%s ×%d", k, r.Errors[k]))
		}
		fmt.Fprintf(w, "errors of %s at c=%d: %s\n", r.Phase, r.Concurrency, strings.Join(parts, ", "))
	}
	if len(ratios) == 0 {
		return nil
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "ratio\tc\tvalue\t")
	for _, r := range ratios {
		fmt.Fprintf(tw, "%s\t%d\t%.2f\t\n", r.Name, r.Concurrency, r.Value)
	}
	return tw.Flush()
}
