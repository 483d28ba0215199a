package puffer

import "testing"

// BenchmarkConvert converts the fixtures (what one import costs the panel).
func BenchmarkConvert(b *testing.B) {
	for _, name := range fixtures {
		raw := readFixture(b, name)
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(raw)))
			for b.Loop() {
				if _, _, err := Convert(raw); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
