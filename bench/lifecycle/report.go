package main

import (
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/skypanel/skypanel/api"
)

// Targets of issue 3.
const (
	maxStartRatio      = 1.3
	minThroughputRatio = 0.8
	maxBytesPerServer  = 2e6 // 2 MB
)

// report prints the figures as they come and the verdicts at the end.
type report struct {
	o       options
	docker  bool
	targets []string
}

func newReport(o options, c *ctrd) *report { return &report{o: o, docker: c != nil} }

// envs are the environments measured: docker first when containerd is there.
func (r *report) envs() []api.EnvironmentType {
	if r.docker {
		return []api.EnvironmentType{api.EnvironmentTypeDocker, api.EnvironmentTypeStandard}
	}
	return []api.EnvironmentType{api.EnvironmentTypeStandard}
}

func (r *report) header() {
	load, _ := os.ReadFile("/proc/loadavg")
	fmt.Printf("SkyPanel lifecycle benchmark (issue 3): real %s serve, %d CPUs, %s, load average at start: %s\n",
		r.o.bin, runtime.NumCPU(), runtime.Version(), strings.Join(strings.Fields(string(load))[:3], " "))
	if r.docker {
		fmt.Printf("containerd %s, image %s\n", r.o.containerd, r.o.image)
	} else {
		fmt.Println("no containerd (SKYPANEL_TEST_CONTAINERD unset): docker parts skipped; their targets are not measured")
		r.targets = append(r.targets, "SKIP  docker start latency and docker throughput/memory: no containerd")
	}
}

func (r *report) section(format string, args ...any) {
	fmt.Printf("\n"+format+"\n", args...)
}

// verdict records and returns PASS/MISS.
func (r *report) verdict(name string, ok bool, got string) string {
	v := "MISS"
	if ok {
		v = "PASS"
	}
	r.targets = append(r.targets, fmt.Sprintf("%s  %-44s %s", v, name, got))
	return v
}

func (r *report) start(s startResult) {
	a, b, bl := median(s.api), median(s.base), median(s.baseLine)
	ratio := a.Seconds() / b.Seconds()
	if s.env == api.EnvironmentTypeDocker {
		v := r.verdict("docker start latency ratio ≤ 1.3", ratio <= maxStartRatio, fmt.Sprintf("%.2f", ratio))
		fmt.Printf("  docker    API start→first line %s (own network namespace, CNI bridge)   ctr run --rm --net-host wall %s (its first line at %s)   ratio %.2f   target ≤ %.1f  %s\n",
			ms(a), ms(b), ms(bl), ratio, maxStartRatio, v)
	} else {
		fmt.Printf("  standard  API start→first line %s   sh -c 'echo ready' wall %s   ratio %.2f   (informational)\n", ms(a), ms(b), ratio)
	}
	fmt.Printf("            samples API %s\n            samples baseline %s\n", list(s.api), list(s.base))
}

func (r *report) throughput(t throughputResult) {
	c, n, e := median(t.console), median(t.null), median(t.empty)
	ratio := n.Seconds() / c.Seconds()
	net := (n - e).Seconds() / (c - e).Seconds()
	v := r.verdict(fmt.Sprintf("%s console throughput ratio ≥ 0.8", t.env), ratio >= minThroughputRatio && t.lost == 0,
		fmt.Sprintf("%.2f", ratio))
	fmt.Printf("  %-9s into the ring %.2f M lines/s (%s)   to /dev/null %.2f M lines/s (%s)   ratio %.2f   target ≥ %.1f  %s\n",
		t.env, rate(t.lines, c)/1e6, ms(c), rate(t.lines, n)/1e6, ms(n), ratio, minThroughputRatio, v)
	fmt.Printf("            both include the fixed cost of start → exit handled (`echo begin; echo end`: %s); without it: %.2f M vs %.2f M lines/s, ratio %.2f\n",
		ms(e), rate(t.lines, c-e)/1e6, rate(t.lines, n-e)/1e6, net)
	fmt.Printf("            samples ring %s, /dev/null %s, fixed %s\n", list(t.console), list(t.null), list(t.empty))
	if cpu := median(t.cpu); cpu > 0 {
		fmt.Printf("            skypanel serve CPU per console run %s = %.0f ns/line (%.2f M lines per CPU-second)\n",
			ms(cpu), float64(cpu.Nanoseconds())/float64(t.lines), rate(t.lines, cpu)/1e6)
	}
	if t.lost > 0 {
		fmt.Printf("            %d of %d runs: the last lines never reached the ring (lost after the exit)\n", t.lost, len(t.console))
	}
	if t.profile != "" {
		fmt.Print("            where the time goes (perf, one more run):\n" + t.profile)
	}
}

func (r *report) memory(m memoryResult) {
	per := m.perServer()
	v := r.verdict(fmt.Sprintf("%s daemon memory per idle server ≤ 2 MB", m.env), per <= maxBytesPerServer,
		fmt.Sprintf("%.2f MB", per/1e6))
	fmt.Printf("  %-9s RSS %.1f MiB → %.1f MiB with %d running: %.2f MB (%.2f MiB) per server   target ≤ 2 MB  %s\n",
		m.env, mib(m.before), mib(m.after), m.n, per/1e6, per/(1<<20), v)
}

func (r *report) verdicts() {
	fmt.Println("\ntargets (informational: a miss never fails the run)")
	for _, t := range r.targets {
		fmt.Println(t)
	}
}

func median(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

func mib(b uint64) float64 { return float64(b) / (1 << 20) }

func list(d []time.Duration) string {
	out := make([]string, len(d))
	for i, x := range d {
		out[i] = fmt.Sprintf("%.1f", float64(x.Microseconds())/1000)
	}
	return strings.Join(out, " ") + " ms"
}
