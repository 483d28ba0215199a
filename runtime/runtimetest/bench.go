package runtimetest

import (
	"bufio"
	"context"
	"io"
	"strconv"
	"testing"
	"time"

	"github.com/skypanel/skypanel/runtime"
)

// BenchStart measures Start until the first output line, per iteration; Create and Delete
// (not in ns/op) are reported as create-ms and delete-ms. spec.Command is replaced.
func BenchStart(b *testing.B, r runtime.Runtime, spec runtime.Spec) {
	ctx := context.Background()
	spec.Command = `echo ready; exec sleep 1000`
	var create, del time.Duration
	n := 0
	for b.Loop() {
		b.StopTimer()
		spec.ID = NewID()
		t0 := time.Now()
		if err := r.Create(ctx, spec); err != nil {
			b.Fatal(err)
		}
		create += time.Since(t0)
		b.StartTimer()
		c, err := r.Start(ctx, spec.ID)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := bufio.NewReader(c.Output()).ReadString('\n'); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		c.Close()
		t0 = time.Now()
		if err := r.Delete(ctx, spec.ID); err != nil {
			b.Fatal(err)
		}
		del += time.Since(t0)
		n++
		b.StartTimer()
	}
	b.ReportMetric(float64(create.Milliseconds())/float64(n), "create-ms")
	b.ReportMetric(float64(del.Milliseconds())/float64(n), "delete-ms")
}

// BenchOutput measures console throughput: a process printing size bytes of 64-byte lines as
// fast as it can, read through Console.Output until it ends.
func BenchOutput(b *testing.B, r runtime.Runtime, spec runtime.Spec, size int) {
	ctx := context.Background()
	spec.ID = NewID()
	spec.Command = `yes 012345678901234567890123456789012345678901234567890123456789012 | head -c ` + strconv.Itoa(size)
	if err := r.Create(ctx, spec); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = r.Delete(ctx, spec.ID) })
	b.SetBytes(int64(size))
	buf := make([]byte, 64<<10)
	for b.Loop() {
		c, err := r.Start(ctx, spec.ID)
		if err != nil {
			b.Fatal(err)
		}
		n, err := io.CopyBuffer(struct{ io.Writer }{io.Discard}, c.Output(), buf)
		if err != nil || n != int64(size) {
			b.Fatalf("read %d bytes (%v), want %d", n, err, size)
		}
		c.Close()
		ch, err := r.Wait(ctx, spec.ID)
		if err != nil {
			b.Fatal(err)
		}
		<-ch
	}
}
