package server

import (
	"context"

	"github.com/skypanel/skypanel/gen"
)

// convertScopes converts a scope list between the string-based scope types (string, gen.Scope,
// gen.GrantScope): one loop for every direction.
func convertScopes[To, From ~string](in []From) []To {
	out := make([]To, 0, len(in))
	for _, s := range in {
		out = append(out, To(s))
	}
	return out
}

func toScopes(in []string) []gen.Scope { return convertScopes[gen.Scope](in) }

// grantScopes converts granted scopes (the catalogue without node) to the catalogue's type.
func grantScopes(in []gen.GrantScope) []gen.Scope { return convertScopes[gen.Scope](in) }

func fromScopes(in []gen.Scope) []string { return convertScopes[string](in) }

// GetSelf describes the caller: its user (absent for node clients), client and scopes.
func (h *Handlers) GetSelf(ctx context.Context, _ gen.GetSelfRequestObject) (gen.GetSelfResponseObject, error) {
	p := PrincipalFrom(ctx)
	out := gen.Self{ClientId: p.ClientID, Scopes: toScopes(p.Scopes)}
	if p.UserID != 0 {
		u, err := h.a.store.Client.User.Get(ctx, p.UserID)
		if err != nil {
			return nil, err
		}
		v := toUser(u)
		out.User = &v
	}
	return gen.GetSelf200JSONResponse{Body: out}, nil
}

// ListSelfOAuth2Clients lists the caller's own OAuth2 clients.
func (h *Handlers) ListSelfOAuth2Clients(ctx context.Context, req gen.ListSelfOAuth2ClientsRequestObject) (gen.ListSelfOAuth2ClientsResponseObject, error) {
	p := PrincipalFrom(ctx)
	page, limit := pageOf(req.Params.Page, req.Params.Limit)
	uid := p.UserID
	rows, total, err := h.a.oauth.ListClients(ctx, &uid, page, limit)
	if err != nil {
		return nil, err
	}
	out := gen.OAuth2ClientList{Clients: make([]gen.OAuth2Client, 0, len(rows)), Metadata: listMeta(page, limit, total)}
	for _, c := range rows {
		out.Clients = append(out.Clients, gen.OAuth2Client{ClientId: c.ID, Name: c.Name, Scopes: toScopes(c.Scopes),
			Created: c.CreatedAt.UTC()})
	}
	return gen.ListSelfOAuth2Clients200JSONResponse{Body: out}, nil
}

// CreateSelfOAuth2Client creates a client for the caller's user; its scopes must be a subset of
// the user's. The secret is returned once.
func (h *Handlers) CreateSelfOAuth2Client(ctx context.Context, req gen.CreateSelfOAuth2ClientRequestObject) (gen.CreateSelfOAuth2ClientResponseObject, error) {
	p := PrincipalFrom(ctx)
	if p.UserID == 0 {
		return nil, errPermissionDenied([]string{"a user's token"})
	}
	scopes := fromScopes(grantScopes(req.Body.Scopes))
	for _, sc := range scopes { // a token cannot mint a client wider than itself
		if !p.Has(sc) {
			return nil, errPermissionDenied([]string{sc})
		}
	}
	id, secret, err := h.a.oauth.CreateClient(ctx, p.UserID, req.Body.Name, scopes)
	if err != nil {
		return nil, err
	}
	return gen.CreateSelfOAuth2Client201JSONResponse{Body: gen.OAuth2ClientCreated{ClientId: id, ClientSecret: secret,
		Name: req.Body.Name, Scopes: grantScopes(req.Body.Scopes), Created: nowUTC()}}, nil
}

// DeleteSelfOAuth2Client deletes one of the caller's clients and revokes its tokens.
func (h *Handlers) DeleteSelfOAuth2Client(ctx context.Context, req gen.DeleteSelfOAuth2ClientRequestObject) (gen.DeleteSelfOAuth2ClientResponseObject, error) {
	p := PrincipalFrom(ctx)
	uid := p.UserID
	if err := h.a.oauth.DeleteClient(ctx, req.ClientId, &uid); err != nil {
		return nil, err
	}
	return gen.DeleteSelfOAuth2Client204Response{}, nil
}
