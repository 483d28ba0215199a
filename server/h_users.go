package server

import (
	"context"
	"fmt"
	"strings"

	"github.com/oapi-codegen/nullable"
	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/skypanel/skypanel/ent"
	"github.com/skypanel/skypanel/ent/predicate"
	"github.com/skypanel/skypanel/ent/server"
	"github.com/skypanel/skypanel/ent/user"
	"github.com/skypanel/skypanel/gen"
	"github.com/skypanel/skypanel/server/store"
	"github.com/skypanel/skypanel/server/webhook"
)

func toUser(u *ent.User) gen.User {
	return gen.User{Id: int64(u.ID), Username: u.Username, Email: openapi_types.Email(u.Email), Admin: u.Admin,
		Created: u.CreatedAt.UTC(), Quota: toQuota(u.Quota), ExternalId: u.ExternalID}
}

// ListUsers lists users by id; callers without users.info.search see only themselves.
func (h *Handlers) ListUsers(ctx context.Context, req gen.ListUsersRequestObject) (gen.ListUsersResponseObject, error) {
	page, limit := pageOf(req.Params.Page, req.Params.Limit)
	q := h.a.store.Client.User.Query()
	if p := PrincipalFrom(ctx); !p.Has(scopeUsersSearch) {
		q = q.Where(user.ID(p.UserID))
	}
	if f := req.Params.Username; f != nil {
		q = q.Where(predicate.User(wildcard(user.FieldUsername, *f)))
	}
	if f := req.Params.Email; f != nil {
		q = q.Where(predicate.User(wildcard(user.FieldEmail, strings.ToLower(*f))))
	}
	if f := req.Params.ExternalId; f != nil { // exact match: no wildcard
		q = q.Where(user.ExternalID(*f))
	}
	total, err := q.Clone().Aggregate(ent.Count()).Int(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := q.Order(user.ByID()).Offset(offset(page, limit)).Limit(limit).All(ctx)
	if err != nil {
		return nil, err
	}
	out := gen.UserList{Users: make([]gen.User, 0, len(rows)), Metadata: listMeta(page, limit, total)}
	for _, u := range rows {
		out.Users = append(out.Users, toUser(u))
	}
	return gen.ListUsers200JSONResponse{Body: out}, nil
}

// CreateUser creates a user: administrators any, user managers (users.info.edit) non-admins
// only (the admin field is x-admin-only). A body naming an existing externalId is a billing
// retry (externalid.go): the identical body answers that user with 200.
func (h *Handlers) CreateUser(ctx context.Context, req gen.CreateUserRequestObject) (gen.CreateUserResponseObject, error) {
	b := req.Body
	if b.Admin != nil && *b.Admin {
		if err := requireAdmin(ctx); err != nil {
			return nil, err
		}
	}
	if b.Password == nil {
		return nil, errFieldRequired("password")
	}
	in := UserInput{Username: b.Username, Email: string(b.Email), Password: *b.Password,
		Admin: b.Admin != nil && *b.Admin, ExternalID: b.ExternalId}
	db := h.a.store.Client
	if in.ExternalID != nil {
		if err := checkExternalID(*in.ExternalID); err != nil {
			return nil, err
		}
		if u, err := userRetry(ctx, db, in); u != nil || err != nil {
			return createdUser(u, err)
		}
	}
	u, err := CreateUser(ctx, db, in)
	if isConflict(err) && in.ExternalID != nil {
		// a concurrent create may have taken the externalId since the look-up: the unique
		// index refused this insert, and the retry rule decides the answer
		if u, rerr := userRetry(ctx, db, in); u != nil || rerr != nil {
			return createdUser(u, rerr)
		}
	}
	if err != nil {
		return nil, err
	}
	h.a.fire(ctx, webhook.UserCreated, gen.WebhookEventData{User: hookUser(u)}) // h_webhooks_events.go
	return gen.CreateUser201JSONResponse{Body: toUser(u)}, nil
}

// createdUser is the answer of a billing retry: the existing user (200), or the error.
func createdUser(u *ent.User, err error) (gen.CreateUserResponseObject, error) {
	if err != nil {
		return nil, err
	}
	return gen.CreateUser200JSONResponse{Body: toUser(u)}, nil
}

// GetUser returns one user.
func (h *Handlers) GetUser(ctx context.Context, req gen.GetUserRequestObject) (gen.GetUserResponseObject, error) {
	u, err := h.userByID(ctx, req.Id)
	if err != nil {
		return nil, err
	}
	return gen.GetUser200JSONResponse{Body: toUser(u)}, nil
}

// UpdateUser changes a user; only administrators change an administrator (other than
// themselves) or the admin flag.
func (h *Handlers) UpdateUser(ctx context.Context, req gen.UpdateUserRequestObject) (gen.UpdateUserResponseObject, error) {
	u, err := h.userByID(ctx, req.Id)
	if err != nil {
		return nil, err
	}
	if err := mayManage(ctx, u); err != nil {
		return nil, err
	}
	b := req.Body
	var email *string
	if b.Email != nil {
		e := strings.ToLower(string(*b.Email))
		email = &e
	}
	if err := checkUserFields(b.Username, email, b.Password); err != nil {
		return nil, err
	}
	upd := u.Update().SetNillableUsername(b.Username).SetNillableEmail(email)
	if b.Password != nil {
		hash, err := store.HashPassword(*b.Password)
		if err != nil {
			return nil, err
		}
		upd.SetPasswordHash(hash)
	}
	if b.Admin != nil && *b.Admin != u.Admin {
		if err := requireAdmin(ctx); err != nil {
			return nil, err
		}
		if !*b.Admin && u.ID == PrincipalFrom(ctx).UserID {
			return nil, errConflict("you cannot remove your own administrator flag", map[string]any{"field": "admin"})
		}
		upd.SetAdmin(*b.Admin)
	}
	if err := setQuota(ctx, upd, b.Quota); err != nil {
		return nil, err
	}
	if err := setExternalID(b.ExternalId, upd.SetExternalID, upd.ClearExternalID); err != nil {
		return nil, err
	}
	id := u.ID
	u, err = upd.Save(ctx)
	if ent.IsConstraintError(err) {
		return nil, h.updateConflict(ctx, id, b, email)
	}
	if err != nil {
		return nil, err
	}
	h.a.oauth.InvalidateCache() // the admin flag and scopes feed token principals
	return gen.UpdateUser200JSONResponse{Body: toUser(u)}, nil
}

// updateConflict names what an update of user id collided with: another user's externalId,
// else its username or email.
func (h *Handlers) updateConflict(ctx context.Context, id int, b *gen.UpdateUserJSONRequestBody, email *string) error {
	db := h.a.store.Client
	if userExternalIDTaken(ctx, db, id, b.ExternalId) {
		return errExternalIDTaken("user")
	}
	return duplicateUserError(ctx, db, deref(b.Username), deref(email))
}

// setQuota applies the body's quota: absent = unchanged, null = removed (administrators only;
// the spec marks it x-admin-only as well).
func setQuota(ctx context.Context, upd *ent.UserUpdateOne, q nullable.Nullable[gen.UserQuota]) error {
	if !q.IsSpecified() {
		return nil
	}
	if err := requireAdmin(ctx); err != nil {
		return err
	}
	if q.IsNull() {
		upd.ClearQuota()
		return nil
	}
	v, err := q.Get()
	if err != nil {
		return fmt.Errorf("quota: %w", err)
	}
	upd.SetQuota(fromQuota(v))
	return nil
}

// DeleteUser deletes a user with its OAuth2 clients and tokens (administrators any, user
// managers non-admins). A user who owns servers, or the caller itself, cannot be deleted.
func (h *Handlers) DeleteUser(ctx context.Context, req gen.DeleteUserRequestObject) (gen.DeleteUserResponseObject, error) {
	u, err := h.userByID(ctx, req.Id)
	if err != nil {
		return nil, err
	}
	if err := mayManage(ctx, u); err != nil {
		return nil, err
	}
	if u.ID == PrincipalFrom(ctx).UserID {
		return nil, errConflict("you cannot delete your own account", map[string]any{"id": req.Id})
	}
	n, err := h.a.store.Client.Server.Query().Where(server.OwnerID(u.ID)).Count(ctx)
	if err != nil {
		return nil, err
	}
	if n > 0 {
		return nil, errConflict("the user still owns servers; delete or transfer them first",
			map[string]any{"id": req.Id, "servers": n})
	}
	if err := h.a.store.Client.User.DeleteOne(u).Exec(ctx); err != nil {
		return nil, err
	}
	h.a.oauth.InvalidateCache()
	return gen.DeleteUser204Response{}, nil
}

// GetUserPerms returns the user's scopes.
func (h *Handlers) GetUserPerms(ctx context.Context, req gen.GetUserPermsRequestObject) (gen.GetUserPermsResponseObject, error) {
	u, err := h.userByID(ctx, req.Id)
	if err != nil {
		return nil, err
	}
	out := make(gen.UserPerms, 0, len(u.Scopes))
	for _, s := range u.Scopes {
		out = append(out, gen.Scope(s))
	}
	return gen.GetUserPerms200JSONResponse{Body: out}, nil
}

// SetUserPerms replaces the user's scopes: administrators grant any; user managers grant at
// most their own scopes, never admin, to non-admin users other than themselves.
func (h *Handlers) SetUserPerms(ctx context.Context, req gen.SetUserPermsRequestObject) (gen.SetUserPermsResponseObject, error) {
	u, err := h.userByID(ctx, req.Id)
	if err != nil {
		return nil, err
	}
	granted := grantScopes(req.Body.Scopes) // the spec's GrantScope: never node
	if err := mayGrant(ctx, u, granted); err != nil {
		return nil, err
	}
	scopes := make([]string, 0, len(req.Body.Scopes))
	seen := map[string]bool{}
	for _, s := range granted {
		if !seen[string(s)] {
			seen[string(s)] = true
			scopes = append(scopes, string(s))
		}
	}
	if err := u.Update().SetScopes(scopes).Exec(ctx); err != nil {
		return nil, err
	}
	h.a.oauth.InvalidateCache() // clients keep only the scopes their user still holds
	return gen.SetUserPerms204Response{}, nil
}
