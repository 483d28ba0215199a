package main

import (
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = ms(i + 1)
	}
	tests := []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"empty", nil, 50, 0},
		{"one sample", []time.Duration{ms(7)}, 99, ms(7)},
		{"median of 1..100", hundred, 50, ms(50)},
		{"p99 of 1..100", hundred, 99, ms(99)},
		{"p100 is the maximum", hundred, 100, ms(100)},
		{"tiny p is the minimum", hundred, 0.001, ms(1)},
		{"median of two is the lower", []time.Duration{ms(1), ms(3)}, 50, ms(1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := percentile(tt.sorted, tt.p); got != tt.want {
				t.Errorf("percentile(%v) = %v, want %v", tt.p, got, tt.want)
			}
		})
	}
}

func TestResultRates(t *testing.T) {
	r := result{Requests: 500, Window: 2 * time.Second, CPU: time.Second}
	if got := r.Rate(); got != 250 {
		t.Errorf("Rate() = %v, want 250", got)
	}
	if got := r.CPUPerReq(); got != 2*time.Millisecond {
		t.Errorf("CPUPerReq() = %v, want 2ms", got)
	}
	if got := (result{Window: time.Second}).CPUPerReq(); got != 0 {
		t.Errorf("CPUPerReq() without requests = %v, want 0", got)
	}
}
