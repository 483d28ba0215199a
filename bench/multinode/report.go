package main

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Targets of issue 12.
const (
	maxStartRatio    = 1.2
	minSocketRatio   = 0.8
	minDownloadRatio = 0.8
)

// report prints the figures and collects the verdicts.
type report struct{ targets []string }

func (r *report) verdict(name string, ok bool, got string) string {
	v := "MISS"
	if ok {
		v = "PASS"
	}
	r.targets = append(r.targets, fmt.Sprintf("%s  %-58s %s", v, name, got))
	return v
}

func (r *report) start(local, remote []time.Duration) {
	l, rm := median(local), median(remote)
	ratio := rm.Seconds() / l.Seconds()
	v := r.verdict("remote/local start → first console line ≤ 1.2", ratio <= maxStartRatio, fmt.Sprintf("%.2f", ratio))
	fmt.Printf("  local %s   remote %s   ratio %.2f   target ≤ %.1f  %s\n", ms(l), ms(rm), ratio, maxStartRatio, v)
	fmt.Printf("  samples local %s\n  samples remote %s\n", list(local), list(remote))
}

func (r *report) sockets(local, remote []socketRun) {
	l, rm := median(rates(local, socketRun.rate)), median(rates(remote, socketRun.rate))
	ratio := rm / l
	v := r.verdict("remote/local console lines/s to 100 WebSockets ≥ 0.8", ratio >= minSocketRatio, fmt.Sprintf("%.2f", ratio))
	fmt.Printf("  local %.0f lines/s   remote %.0f lines/s (all sockets together)   ratio %.2f   target ≥ %.1f  %s\n", l, rm, ratio, minSocketRatio, v)
	for _, side := range []struct {
		name string
		runs []socketRun
	}{{"local", local}, {"remote", remote}} {
		var parts []string
		for _, x := range side.runs {
			parts = append(parts, fmt.Sprintf("%d lines in %s (%d sockets told of drops)", x.received, ms(x.elapsed), x.dropped))
		}
		fmt.Printf("  runs %-6s %s\n", side.name, strings.Join(parts, "; "))
	}
}

func (r *report) download(viaPanel, direct []download, mib int) {
	pr, dr := rates(viaPanel, download.mbps), rates(direct, download.mbps)
	p, d := median(pr), median(dr)
	ratio := p / d
	v := r.verdict("download through the panel / straight from the node ≥ 0.8", ratio >= minDownloadRatio, fmt.Sprintf("%.2f", ratio))
	fmt.Printf("  through the panel %.0f MB/s   straight from the daemon %.0f MB/s   ratio %.2f   target ≥ %.1f  %s\n", p, d, ratio, minDownloadRatio, v)
	fmt.Printf("  samples panel %s MB/s\n  samples node  %s MB/s\n", floats(pr), floats(dr))
}

func (r *report) verdicts() {
	fmt.Println("\ntargets (informational: a miss never fails the run)")
	for _, t := range r.targets {
		fmt.Println(t)
	}
}

// median of durations or rates: the middle sample, or the mean of the middle two.
func median[T time.Duration | float64](v []T) T {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// rates maps each run to its rate.
func rates[R any](runs []R, rate func(R) float64) []float64 {
	out := make([]float64, len(runs))
	for i, x := range runs {
		out[i] = rate(x)
	}
	return out
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

func list(d []time.Duration) string {
	out := make([]string, len(d))
	for i, x := range d {
		out[i] = fmt.Sprintf("%.1f", float64(x.Microseconds())/1000)
	}
	return strings.Join(out, " ") + " ms"
}

func floats(v []float64) string {
	out := make([]string, len(v))
	for i, x := range v {
		out[i] = fmt.Sprintf("%.0f", x)
	}
	return strings.Join(out, " ")
}
