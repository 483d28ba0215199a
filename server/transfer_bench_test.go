package server

import (
	"bytes"
	"crypto/rand"
	"log/slog"
	"testing"
)

// BenchmarkTransfer moves a stopped server with 64 MiB of incompressible files back and forth
// between two in-process nodes through the panel's transfer (stop check, create, Export piped
// into Import, three sha256s, the switch, the source delete).
func BenchmarkTransfer(b *testing.B) {
	e := newXferEnv(b)
	s, err := e.db.Server.UpdateOneID(xferID).SetDisk(0).Save(b.Context()) // no disk limit
	xferMust(b, err)
	e.s = s
	_, err = e.a.UpdateServer(b.Context(), e.definition(b, s))
	xferMust(b, err)
	buf := make([]byte, 64<<20)
	_, _ = rand.Read(buf)
	xferMust(b, e.a.WriteFile(b.Context(), xferID, "world.bin", bytes.NewReader(buf), int64(len(buf))))
	src, dst, srcID, dstID := e.a, e.b, e.srcID, e.dstID
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		j := &transferJob{db: e.db, log: slog.New(slog.DiscardHandler), id: xferID, def: e.definition(b, e.s),
			src: src, dst: dst, srcID: srcID, dstID: dstID}
		j.run(b.Context())
		s, err := e.db.Server.Get(b.Context(), xferID)
		xferMust(b, err)
		if s.NodeID != dstID {
			b.Fatalf("transfer failed: server on node %d", s.NodeID)
		}
		src, dst, srcID, dstID = dst, src, dstID, srcID
	}
}
