package node_test

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/skypanel/skypanel/daemon/nodeapi"
	"github.com/skypanel/skypanel/gen/daemonapi"
	"github.com/skypanel/skypanel/server/node/nodetest"
)

const benchFileSize = 32 << 20

// benchNodes returns the same kind of node in process and behind HTTP, each with a server
// holding a benchFileSize file.
func benchNodes(b *testing.B) map[string]nodeapi.Node {
	ctx := context.Background()
	local := nodetest.NewService(b, 7)
	d := nodetest.Serve(b, nodetest.NewService(b, 8), 8, nodetest.NewSigner(b))
	nodes := map[string]nodeapi.Node{"local": local, "remote": d.Remote(b, nil)}
	data := bytes.Repeat([]byte("0123456789abcdef"), benchFileSize/16)
	for _, n := range nodes {
		def := nodetest.Def("bench")
		def.Limits.DiskMiB = nil
		if err := n.CreateServer(ctx, def); err != nil {
			b.Fatal(err)
		}
		if err := n.WriteFile(ctx, "bench", "big.bin", bytes.NewReader(data), int64(len(data))); err != nil {
			b.Fatal(err)
		}
	}
	return nodes
}

// BenchmarkReadFile: a whole-file download, in process vs through Remote → HTTP → Handler on
// loopback (MB/s).
func BenchmarkReadFile(b *testing.B) {
	nodes := benchNodes(b)
	for _, name := range []string{"local", "remote"} {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(benchFileSize)
			for b.Loop() {
				r, err := nodes[name].ReadFile(context.Background(), "bench", "big.bin", 1, 1)
				if err != nil {
					b.Fatal(err)
				}
				if n, err := io.Copy(io.Discard, r.File.Body); err != nil || n != benchFileSize {
					b.Fatalf("%d bytes, %v", n, err)
				}
				r.File.Body.Close()
			}
		})
	}
}

// BenchmarkStatus: one quick call (status), in process vs remote (latency per call).
func BenchmarkStatus(b *testing.B) {
	nodes := benchNodes(b)
	for _, name := range []string{"local", "remote"} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if st, err := nodes[name].Status(context.Background(), "bench"); err != nil || st.State != daemonapi.StateStopped {
					b.Fatal(st, err)
				}
			}
		})
	}
}
