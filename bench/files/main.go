// Command files is the file manager and backup benchmark of `make bench` (issue 5). On a real
// panel (server.New over loopback) with a real local node (daemon.Manager, host runtime) it
// measures, each against a baseline in the same run on the same file system:
//
//   - backup creation (POST backup/create until done) vs `tar czf` of the same tree;
//   - restore (POST backup/restore) vs `tar xzf` of the same archive into an empty folder;
//   - file download (GET file/…) vs a bare http.ServeContent of the same file;
//   - upload (PUT file/…) vs writing the same bytes to a file directly;
//   - the process's peak RSS during a small and a 1 GiB upload (must not grow with the size).
//
// Best of -rounds for each figure; ratios are ours/baseline in MB/s. Targets are printed as
// PASS/MISS; a miss never fails the run.
//
//	go run ./bench/files [-tree 256] [-file 512] [-rss 1024] [-rounds 2] [-dir /var/tmp]
package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/skypanel/skypanel/bench/internal/benchpanel"
)

type options struct {
	treeMiB, fileMiB, rssMiB int64
	rounds                   int
	dir                      string
	keep                     bool
	only                     string // comma-separated steps: backup,restore,download,upload,rss
	cpuprofile               string
}

func (o options) wants(step string) bool {
	return o.only == "" || strings.Contains(","+o.only+",", ","+step+",")
}

func main() {
	var o options
	flag.Int64Var(&o.treeMiB, "tree", 256, "size of the backed-up tree (MiB)")
	flag.Int64Var(&o.fileMiB, "file", 512, "size of the downloaded and uploaded file (MiB)")
	flag.Int64Var(&o.rssMiB, "rss", 1024, "size of the upload whose peak RSS is measured (MiB)")
	flag.IntVar(&o.rounds, "rounds", 2, "rounds of each measurement (the best counts)")
	flag.StringVar(&o.dir, "dir", "", "parent of the scratch folder (default: the system temp folder); use a disk, not tmpfs")
	flag.BoolVar(&o.keep, "keep", false, "keep the scratch folder")
	flag.StringVar(&o.only, "only", "", "run only these steps (comma-separated: backup,restore,download,upload,rss)")
	flag.StringVar(&o.cpuprofile, "cpuprofile", "", "write a CPU profile of the measured steps to this file")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "bench/files:", err)
		os.Exit(1)
	}
}

// result is one comparison.
type result struct {
	name, baseline string
	bytes          int64
	ours, base     time.Duration
	target         float64
}

func mbps(n int64, d time.Duration) float64 { return float64(n) / 1e6 / d.Seconds() }

func (r result) ratio() float64 { return r.base.Seconds() / r.ours.Seconds() }

func (r result) print() {
	fmt.Printf("%-26s %9.1f MB/s   %-28s %9.1f MB/s   ratio %.2f\n",
		r.name, mbps(r.bytes, r.ours), r.baseline, mbps(r.bytes, r.base), r.ratio())
}

func run(ctx context.Context, o options) error {
	work, err := os.MkdirTemp(o.dir, "skypanel-filesbench-")
	if err != nil {
		return err
	}
	if !o.keep {
		defer os.RemoveAll(work)
	}
	p, err := benchpanel.Start(ctx, work, nil)
	if err != nil {
		return err
	}
	defer p.Close()
	b := &bench{p: p, id: "bench1", work: work}
	if b.vol, err = createServer(p, b.id); err != nil {
		return err
	}
	fmt.Printf("files benchmark: %s, GOMAXPROCS %d, scratch %s\n", runtime.Version(), runtime.GOMAXPROCS(0), work)
	if o.cpuprofile != "" {
		f, err := os.Create(o.cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	var results []result
	steps := []struct {
		name string
		fn   func(options) (result, error)
	}{{"backup", b.benchBackup}, {"restore", b.benchRestore}, {"download", b.benchDownload}, {"upload", b.benchUpload}}
	for _, step := range steps {
		if !o.wants(step.name) && !(step.name == "backup" && o.wants("restore")) {
			continue
		}
		syscall.Sync() // no write-back of the previous step during this one
		r, err := step.fn(o)
		if err != nil {
			return err
		}
		if o.wants(step.name) {
			r.print()
			results = append(results, r)
		}
	}
	fmt.Println()
	rssOK, rssGot := true, ""
	if o.wants("rss") {
		small, large, err := b.benchRSS(o)
		if err != nil {
			return err
		}
		fmt.Printf("%-26s %6.0f MiB during a %d MiB upload, %6.0f MiB during a %d MiB upload (growth %.0f MiB)\n",
			"peak RSS (VmHWM)", small, o.fileMiB/8, large, o.rssMiB, large-small)
		rssOK, rssGot = large-small < 64, fmt.Sprintf("%+.0f MiB", large-small)
	}
	fmt.Println("\ntargets (informational)")
	for _, r := range results {
		verdict(r.ratio() >= r.target, fmt.Sprintf("%s ratio ≥ %.1f", r.name, r.target), fmt.Sprintf("%.2f", r.ratio()))
	}
	if rssGot != "" {
		verdict(rssOK, "peak RSS does not grow with the upload (< 64 MiB)", rssGot)
	}
	return nil
}

func verdict(ok bool, name, got string) {
	v := "PASS"
	if !ok {
		v = "MISS"
	}
	fmt.Printf("%s  %-50s %s\n", v, name, got)
}

func (b *bench) benchBackup(o options) (result, error) {
	n := o.treeMiB << 20
	files, err := makeTree(b.vol, n)
	if err != nil {
		return result{}, err
	}
	fmt.Printf("tree: %d MiB in %d files\n", o.treeMiB, files)
	if err := warm(b.vol); err != nil {
		return result{}, err
	}
	r := result{name: "backup create", baseline: "tar czf", bytes: n, target: 1.0}
	if r.ours, err = best(o.rounds, func() (time.Duration, error) {
		id, d, err := b.backupOnce()
		if err == nil {
			_, err = b.p.JSON(http.MethodDelete, "/api/servers/"+b.id+"/backup/"+id, "", http.StatusNoContent)
		}
		return d, err
	}); err != nil {
		return r, err
	}
	r.base, err = best(o.rounds, b.tarCreate)
	return r, err
}

func (b *bench) benchRestore(o options) (result, error) {
	id, _, err := b.backupOnce()
	if err != nil {
		return result{}, err
	}
	r := result{name: "backup restore", baseline: "tar xzf", bytes: o.treeMiB << 20, target: 1.0}
	if r.ours, err = best(o.rounds, func() (time.Duration, error) { return b.restoreOnce(id) }); err != nil {
		return r, err
	}
	r.base, err = best(o.rounds, func() (time.Duration, error) { return b.tarExtract(b.archive(id)) })
	return r, err
}

func (b *bench) benchDownload(o options) (result, error) {
	n := o.fileMiB << 20
	path := b.vol + "/big.bin"
	if err := writeFile(path, n, 9); err != nil {
		return result{}, err
	}
	if err := warm(path); err != nil {
		return result{}, err
	}
	url, stop, err := bareServer(path)
	if err != nil {
		return result{}, err
	}
	defer stop()
	r := result{name: "file download", baseline: "bare http.ServeContent", bytes: n, target: 0.9}
	syscall.Sync()
	for i := 0; i < 2*o.rounds+1; i++ { // short runs: more of them, interleaved, best of each
		d, err := download(b.p.URL+"/api/servers/"+b.id+"/file/big.bin", b.p.Token, n)
		if err != nil {
			return r, err
		}
		if i == 0 || d < r.ours {
			r.ours = d
		}
		if d, err = download(url, "", n); err != nil {
			return r, err
		}
		if i == 0 || d < r.base {
			r.base = d
		}
	}
	return r, os.Remove(path)
}

func (b *bench) benchUpload(o options) (result, error) {
	n := o.fileMiB << 20
	r := result{name: "file upload", baseline: "direct write", bytes: n, target: 0.7}
	for i := 0; i < 2*o.rounds+1; i++ { // short runs: more of them, interleaved, best of each
		syscall.Sync()
		d, err := b.upload("up.bin", n)
		if err != nil {
			return r, err
		}
		if _, err := b.p.JSON(http.MethodDelete, "/api/servers/"+b.id+"/file/up.bin", "", http.StatusNoContent); err != nil {
			return r, err
		}
		if i == 0 || d < r.ours {
			r.ours = d
		}
		syscall.Sync()
		if d, err = b.writeDirect(n); err != nil {
			return r, err
		}
		if i == 0 || d < r.base {
			r.base = d
		}
	}
	return r, nil
}

// benchRSS returns the peak RSS during an upload of fileMiB/8 and of rssMiB.
func (b *bench) benchRSS(o options) (small, large float64, err error) {
	up := func(n int64) func() error {
		return func() error {
			_, err := b.upload("rss.bin", n)
			return err
		}
	}
	if small, err = peakRSS(up(o.fileMiB << 20 / 8)); err != nil {
		return 0, 0, err
	}
	large, err = peakRSS(up(o.rssMiB << 20))
	return small, large, err
}
