package api

import (
	"context"
	"errors"
	"slices"
	"testing"
)

// list is a fake paged list of n items 1..n answering like the panel (page, limit, total).
func list(n int, calls *[]int) PageFunc[int] {
	return func(_ context.Context, page, limit int) ([]int, Paging, error) {
		*calls = append(*calls, page)
		var items []int
		for i := (page-1)*limit + 1; i <= min(page*limit, n); i++ {
			items = append(items, i)
		}
		return items, Paging{Page: page, Size: limit, MaxSize: 100, Total: int64(n)}, nil
	}
}

func TestPages(t *testing.T) {
	cases := []struct {
		n, first, limit int
		want            []int
		wantCalls       []int
	}{
		{n: 0, limit: 2, want: nil, wantCalls: []int{1}},
		{n: 5, limit: 2, want: []int{1, 2, 3, 4, 5}, wantCalls: []int{1, 2, 3}},
		{n: 4, limit: 2, want: []int{1, 2, 3, 4}, wantCalls: []int{1, 2}},
		{n: 5, first: 2, limit: 2, want: []int{3, 4, 5}, wantCalls: []int{2, 3}},
		{n: 150, limit: 0, want: seq(150), wantCalls: []int{1, 2}},
	}
	for _, tc := range cases {
		var calls []int
		var got []int
		for v, err := range Pages(context.Background(), tc.first, tc.limit, list(tc.n, &calls)) {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, v)
		}
		if !slices.Equal(got, tc.want) || !slices.Equal(calls, tc.wantCalls) {
			t.Errorf("n=%d first=%d limit=%d: got %v with pages %v, want %v with pages %v", tc.n, tc.first, tc.limit, got, calls, tc.want, tc.wantCalls)
		}
	}
}

func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i + 1
	}
	return s
}

// TestPagesStopAndError: breaking out fetches no further page; an error is yielded once and ends
// the loop.
func TestPagesStopAndError(t *testing.T) {
	var calls []int
	for v, err := range Pages(context.Background(), 1, 2, list(10, &calls)) {
		if err != nil {
			t.Fatal(err)
		}
		if v == 3 {
			break
		}
	}
	if !slices.Equal(calls, []int{1, 2}) {
		t.Fatalf("pages fetched %v, want [1 2]", calls)
	}
	boom := errors.New("boom")
	n, errs := 0, 0
	for _, err := range Pages(context.Background(), 1, 2, func(_ context.Context, page, _ int) ([]int, Paging, error) {
		if page == 2 {
			return nil, Paging{}, boom
		}
		return []int{1, 2}, Paging{Total: 10}, nil
	}) {
		if err != nil {
			if !errors.Is(err, boom) {
				t.Fatal(err)
			}
			errs++
			continue
		}
		n++
	}
	if n != 2 || errs != 1 {
		t.Fatalf("%d items and %d errors, want 2 and 1", n, errs)
	}
}
