package api

import (
	"context"
	"iter"
)

// PageSize is the page size the iterators ask for when the filter sets no limit (the spec's
// largest).
const PageSize = 100

// PageFunc fetches one page of a list: its items and the response's paging metadata.
type PageFunc[T any] func(ctx context.Context, page, limit int) ([]T, Paging, error)

// Pages iterates over every item of a paged list, fetching page after page from first with
// limit items each, until a page is empty or the items seen reach metadata.paging.total. An
// error is yielded once (with the zero T) and ends the iteration. Lists are ordered by id, so
// items created while iterating appear at the end or not at all.
func Pages[T any](ctx context.Context, first, limit int, fetch PageFunc[T]) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		page := max(first, 1)
		if limit <= 0 {
			limit = PageSize
		}
		seen := int64(0)
		for {
			items, paging, err := fetch(ctx, page, limit)
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, it := range items {
				if !yield(it, nil) {
					return
				}
			}
			seen = int64(page-1)*int64(limit) + int64(len(items))
			if len(items) == 0 || len(items) < limit || seen >= paging.Total {
				return
			}
			page++
		}
	}
}

// Servers iterates over the servers the filter selects (nil = all the caller may see), from
// filter.Page (default 1) in pages of filter.Limit (default PageSize).
//
//	for s, err := range p.Servers(ctx, &api.ListServersParams{Name: ptr("mc-*")}) { … }
func (p *Panel) Servers(ctx context.Context, filter *ListServersParams) iter.Seq2[Server, error] {
	f := ListServersParams{}
	if filter != nil {
		f = *filter
	}
	return Pages(ctx, deref(f.Page), deref(f.Limit), func(ctx context.Context, page, limit int) ([]Server, Paging, error) {
		f.Page, f.Limit = &page, &limit
		r, err := Check(p.ListServersWithResponse(ctx, &f))
		if err != nil {
			return nil, Paging{}, err
		}
		if r.JSON200 == nil {
			return nil, Paging{}, ErrNoResponse
		}
		return r.JSON200.Servers, r.JSON200.Metadata.Paging, nil
	})
}

// Users iterates over the users the filter selects (admin or user-manager clients).
func (p *Panel) Users(ctx context.Context, filter *ListUsersParams) iter.Seq2[User, error] {
	f := ListUsersParams{}
	if filter != nil {
		f = *filter
	}
	return Pages(ctx, deref(f.Page), deref(f.Limit), func(ctx context.Context, page, limit int) ([]User, Paging, error) {
		f.Page, f.Limit = &page, &limit
		r, err := Check(p.ListUsersWithResponse(ctx, &f))
		if err != nil {
			return nil, Paging{}, err
		}
		if r.JSON200 == nil {
			return nil, Paging{}, ErrNoResponse
		}
		return r.JSON200.Users, r.JSON200.Metadata.Paging, nil
	})
}

// Nodes iterates over the nodes (admin clients).
func (p *Panel) Nodes(ctx context.Context, filter *ListNodesParams) iter.Seq2[Node, error] {
	f := ListNodesParams{}
	if filter != nil {
		f = *filter
	}
	return Pages(ctx, deref(f.Page), deref(f.Limit), func(ctx context.Context, page, limit int) ([]Node, Paging, error) {
		f.Page, f.Limit = &page, &limit
		r, err := Check(p.ListNodesWithResponse(ctx, &f))
		if err != nil {
			return nil, Paging{}, err
		}
		if r.JSON200 == nil {
			return nil, Paging{}, ErrNoResponse
		}
		return r.JSON200.Nodes, r.JSON200.Metadata.Paging, nil
	})
}

func deref(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}
