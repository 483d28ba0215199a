package main

import (
	"fmt"
	"io"
	"time"
)

// report prints the table as results arrive and the target verdicts at the end.
type report struct {
	w       io.Writer
	targets []target
}

// target is one goal of the issue, checked on a measured value.
type target struct {
	Name  string
	Got   string
	Met   bool
	Valid bool // false: the measurement had errors or did not run
}

func (r *report) header() {
	fmt.Fprintln(r.w, "(cpu/req: CPU time of this process — server and load generator — per request in the window)")
	fmt.Fprintf(r.w, "%-44s %5s %10s %9s %9s %9s %7s\n", "benchmark", "conns", "req/s", "p50", "p99", "cpu/req", "errors")
}

func (r *report) row(res result) {
	fmt.Fprintf(r.w, "%-44s %5d %10.0f %9s %9s %9s %7d\n", res.Name, res.Conns, res.Rate(), ms(res.Pct(50)), ms(res.Pct(99)),
		us(res.CPUPerReq()), res.Errors)
	if res.Errors > 0 {
		fmt.Fprintf(r.w, "  first error: %s\n", res.FirstErr)
	}
}

func (r *report) note(format string, args ...any) {
	fmt.Fprintf(r.w, "  "+format+"\n", args...)
}

func (r *report) check(name, got string, met bool, valid bool) {
	r.targets = append(r.targets, target{Name: name, Got: got, Met: met, Valid: valid})
}

// verdicts prints PASS/MISS per target (informational: the exit status never depends on it).
func (r *report) verdicts() {
	fmt.Fprintln(r.w, "\ntargets (informational)")
	for _, t := range r.targets {
		v := "PASS"
		if !t.Met || !t.Valid {
			v = "MISS"
		}
		extra := ""
		if !t.Valid {
			extra = " (measurement had errors)"
		}
		fmt.Fprintf(r.w, "%s  %-46s %s%s\n", v, t.Name, t.Got, extra)
	}
}

// ms formats a latency in milliseconds.
func ms(d time.Duration) string {
	return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond))
}

// us formats a duration in microseconds.
func us(d time.Duration) string {
	return fmt.Sprintf("%.0fµs", float64(d)/float64(time.Microsecond))
}

// ratio of ours to bare req/s.
func ratio(ours, bare result) float64 {
	if bare.Rate() == 0 {
		return 0
	}
	return ours.Rate() / bare.Rate()
}

// compare prints our row, the baseline's row, the ratio, and records the two targets of an
// API route: ratio ≥ 0.5 and p99 < 5 ms.
func (r *report) compare(label string, ours, bare result) {
	r.row(ours)
	r.row(bare)
	q := ratio(ours, bare)
	r.note("ratio ours/bare req/s = %.2f", q)
	valid := ours.Errors == 0 && bare.Errors == 0 && ours.Requests > 0
	r.check(label+" ratio ≥ 0.5", fmt.Sprintf("%.2f", q), q >= 0.5, valid)
	r.check(label+" p99 < 5ms", ms(ours.Pct(99)), ours.Pct(99) < 5*time.Millisecond, valid)
}
