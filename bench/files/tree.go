package main

import (
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
)

// data is a deterministic stream that compresses about like game worlds do (region files
// are zlib chunks plus padding, logs are text): half random bytes, half repeated runs.
type data struct {
	n   int64
	rng *rand.ChaCha8
}

func newData(n int64, seed byte) *data {
	return &data{n: n, rng: rand.NewChaCha8([32]byte{seed})}
}

func (d *data) Read(p []byte) (int, error) {
	if d.n <= 0 {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), d.n)]
	for i := 0; i < len(p); i += 4096 {
		blk := p[i:min(i+4096, len(p))]
		half := len(blk) / 2
		_, _ = d.rng.Read(blk[:half])
		for j := half; j < len(blk); j++ {
			blk[j] = byte(j / 64)
		}
	}
	d.n -= int64(len(p))
	return len(p), nil
}

// makeTree writes about total bytes under dir: 90% in 8 MiB "region" files, the rest in
// 4 KiB files spread over folders (a world's many small files).
func makeTree(dir string, total int64) (files int, err error) {
	big := total * 9 / 10
	for i := 0; big > 0; i++ {
		n := min(big, 8<<20)
		if err := writeFile(filepath.Join(dir, "world", "region", fmt.Sprintf("r.%d.0.mca", i)), n, byte(i)); err != nil {
			return files, err
		}
		big -= n
		files++
	}
	small := total / 10 / 4096
	for i := int64(0); i < small; i++ {
		p := filepath.Join(dir, "world", "data", fmt.Sprintf("d%02d", i%50), fmt.Sprintf("f%05d.dat", i))
		if err := writeFile(p, 4096, byte(i)); err != nil {
			return files, err
		}
		files++
	}
	return files, nil
}

func writeFile(p string, n int64, seed byte) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	f, err := os.Create(p)
	if err != nil {
		return err
	}
	_, err = io.Copy(f, newData(n, seed))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
