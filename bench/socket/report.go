package main

import (
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"time"
)

func (r *result) sortedSockets() []int64 {
	s := slices.Clone(r.perSocket)
	slices.Sort(s)
	return s
}

// delivered returns the share of the emitted lines the worst and the median socket got.
func (r *result) delivered() (worst, median float64) {
	s := r.sortedSockets()
	if len(s) == 0 || r.emitted == 0 {
		return 0, 0
	}
	return float64(s[0]) / float64(r.emitted), float64(s[len(s)/2]) / float64(r.emitted)
}

func (r *result) perSecond(n int64) float64 { return float64(n) / r.window.Seconds() }

// rssGrowth compares the mean RSS of the last tenth of the window with the first tenth.
func (r *result) rssGrowth() (first, last int64) {
	n := max(1, len(r.rss)/10)
	if len(r.rss) < 2 {
		return 0, 0
	}
	return mean(r.rss[:n]), mean(r.rss[len(r.rss)-n:])
}

// rssTrend is the least-squares slope of the per-second RSS samples, in bytes per minute.
func (r *result) rssTrend() float64 {
	n := float64(len(r.rss))
	if n < 3 {
		return 0
	}
	var sx, sy, sxx, sxy float64
	for i, v := range r.rss {
		x, y := float64(i), float64(v)
		sx, sy, sxx, sxy = sx+x, sy+y, sxx+x*x, sxy+x*y
	}
	return (n*sxy - sx*sy) / (n*sxx - sx*sx) * 60
}

// rssFlat: the trend over the window is below 5% of the mean RSS (at least 4 MiB).
func (r *result) rssFlat() bool {
	if len(r.rss) < 3 {
		return false
	}
	growth := r.rssTrend() * r.window.Minutes()
	return growth < max(0.05*float64(mean(r.rss)), 4<<20)
}

func mean(v []int64) int64 {
	var s int64
	for _, x := range v {
		s += x
	}
	return s / int64(len(v))
}

func mib(b int64) string { return fmt.Sprintf("%.1f", float64(b)/(1<<20)) }

func ms(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d)/float64(time.Millisecond)) }

func report(w io.Writer, o options, rs []*result) {
	fmt.Fprintln(w)
	fmt.Fprintf(w, "%-33s %9s %9s %8s %8s %8s %8s %9s %9s %7s %7s %6s %6s %7s %7s %7s\n", "run", "emitted/s",
		"min/sock", "median", "min %", "med %", "p50 ms", "p99 ms", "RSS MiB", "→ MiB", "max", "CPU", "game", "client", "others", "machine")
	for _, r := range rs {
		s := r.sortedSockets()
		if len(s) == 0 {
			continue
		}
		worst, med := r.delivered()
		first, last := r.rssGrowth()
		others := r.machine*float64(runtime.NumCPU()) - r.childCPU - r.gameCPU - r.clientCPU
		fmt.Fprintf(w, "%-33s %9.0f %9.0f %8.0f %8.2f %8.2f %8s %9s %9s %7s %7s %6.2f %6.2f %7.2f %7.2f %6.0f%%\n", r.name,
			r.perSecond(r.emitted), r.perSecond(s[0]), r.perSecond(s[len(s)/2]), 100*worst, 100*med,
			ms(r.hist.pct(50)), ms(r.hist.pct(99)), mib(first), mib(last), mib(slices.Max(r.rss)),
			r.childCPU, r.gameCPU, r.clientCPU, max(others, 0), 100*r.machine)
		if r.notices > 0 || r.readerErrs > 0 {
			fmt.Fprintf(w, "%-33s dropped-lines notices received: %d, socket read errors: %d\n", "", r.notices, r.readerErrs)
		}
	}
	fmt.Fprintln(w, "(per-socket figures are lines of the window received per second; % is of the lines the game wrote;")
	fmt.Fprintln(w, " RSS is the mean of the first and of the last tenth of the window, and the maximum; CPU in cores:")
	fmt.Fprintln(w, " CPU = the panel+node process, game = the printing game, client = these sockets, others = the rest of")
	fmt.Fprintln(w, " the machine (kernel threads, other workloads); machine = share of all CPUs busy.)")
	for _, r := range rs {
		fmt.Fprintf(w, "load average before %s: %s\n", r.name, r.loadBefore)
	}
	for _, r := range rs {
		if strings.HasPrefix(r.name, "skypanel") {
			fmt.Fprintf(w, "RSS every second, %s (MiB): %s\n", r.name, rssLine(r.rss))
		}
	}
	compare(w, rs)
	verdicts(w, rs)
}

func rssLine(v []int64) string {
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = mib(x)
	}
	return strings.Join(parts, " ")
}

// compare prints SkyPanel against the baseline of the same run, per client kind.
func compare(w io.Writer, rs []*result) {
	for _, suffix := range []string{"", " (raw client)"} {
		var ours, base *result
		for _, r := range rs {
			switch r.name {
			case "skypanel" + suffix:
				ours = r
			case "bare baseline" + suffix:
				base = r
			}
		}
		if ours == nil || base == nil || base.emitted == 0 {
			continue
		}
		ow, _ := ours.delivered()
		bw, _ := base.delivered()
		fmt.Fprintf(w, "SkyPanel / bare baseline%s: worst-socket delivery %.2f%% / %.2f%% (ratio %.3f), p99 delay %s / %s ms (ratio %.2f), server CPU %.2f / %.2f cores (ratio %.2f)\n",
			suffix, 100*ow, 100*bw, ratio(ow, bw), ms(ours.hist.pct(99)), ms(base.hist.pct(99)),
			ratio(float64(ours.hist.pct(99)), float64(base.hist.pct(99))), ours.childCPU, base.childCPU, ratio(ours.childCPU, base.childCPU))
	}
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// verdicts checks the targets on the SkyPanel runs.
func verdicts(w io.Writer, rs []*result) {
	fmt.Fprintln(w, "Targets (issue 6):")
	for _, r := range rs {
		if !strings.HasPrefix(r.name, "skypanel") {
			continue
		}
		worst, _ := r.delivered()
		p99 := r.hist.pct(99)
		first, last := r.rssGrowth()
		fmt.Fprintf(w, "  %-33s every socket ≥ 99%% of lines: %s (worst %.2f%%); p99 < 50 ms: %s (%s ms); RSS flat: %s (%s → %s MiB, trend %+.1f MiB/min)\n",
			r.name, verdict(worst >= 0.99), 100*worst, verdict(p99 < 50*time.Millisecond), ms(p99), verdict(r.rssFlat()),
			mib(first), mib(last), r.rssTrend()/(1<<20))
	}
}

func verdict(ok bool) string {
	if ok {
		return "PASS"
	}
	return "MISS"
}
