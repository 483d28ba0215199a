package transfer

import (
	"fmt"
	"io"
	"time"
)

// Progress counts the bytes of a stream and reports the count to Report at most every Every
// (and never from two goroutines at once: it runs on the reading or writing goroutine).
type Progress struct {
	Every  time.Duration
	Report func(bytes int64)
	Clock  func() time.Time // time.Now when nil

	n    int64
	last time.Time
}

// Bytes returns the bytes counted so far.
func (p *Progress) Bytes() int64 { return p.n }

func (p *Progress) add(n int) {
	p.n += int64(n)
	now := time.Now
	if p.Clock != nil {
		now = p.Clock
	}
	t := now()
	if p.last.IsZero() {
		p.last = t
		return
	}
	if t.Sub(p.last) >= p.Every && p.Report != nil {
		p.last = t
		p.Report(p.n)
	}
}

// Writer counts what is written to w.
func (p *Progress) Writer(w io.Writer) io.Writer { return progressWriter{w, p} }

// Reader counts what is read from r.
func (p *Progress) Reader(r io.Reader) io.Reader { return progressReader{r, p} }

type progressWriter struct {
	w io.Writer
	p *Progress
}

func (pw progressWriter) Write(b []byte) (int, error) {
	n, err := pw.w.Write(b)
	pw.p.add(n)
	return n, err
}

type progressReader struct {
	r io.Reader
	p *Progress
}

func (pr progressReader) Read(b []byte) (int, error) {
	n, err := pr.r.Read(b)
	pr.p.add(n)
	return n, err
}

// Size formats a byte count for a console line ("12.3 MiB").
func Size(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
