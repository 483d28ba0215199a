package server

import (
	"context"
	"fmt"
	"net/http"
	"net/mail"
	"regexp"
	"strings"

	"github.com/skypanel/skypanel/ent"
	"github.com/skypanel/skypanel/ent/user"
	"github.com/skypanel/skypanel/gen"
	"github.com/skypanel/skypanel/server/store"
)

var usernamePattern = regexp.MustCompile(`^[a-zA-Z0-9_.-]{3,32}$`)

// emailPattern is the address shape strict OpenAPI validators (ajv-formats' "email") accept:
// a dot-atom local part and a domain with at least two DNS labels.
var emailPattern = regexp.MustCompile("^[a-zA-Z0-9!#$%&'*+/=?^_`{|}~-]+(?:\\.[a-zA-Z0-9!#$%&'*+/=?^_`{|}~-]+)*" +
	`@(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$`)

// UserInput is a user to create (API and CLI).
type UserInput struct {
	Username, Email, Password string
	Admin                     bool
	ExternalID                *string // a billing system's id (nil = none)
}

// CreateUser validates and stores a user with a hashed password.
func CreateUser(ctx context.Context, db *ent.Client, in UserInput) (*ent.User, error) {
	if err := checkUserFields(&in.Username, &in.Email, &in.Password); err != nil {
		return nil, err
	}
	hash, err := store.HashPassword(in.Password)
	if err != nil {
		return nil, err
	}
	scopes := []string{}
	if in.Admin {
		scopes = []string{"admin"}
	}
	u, err := db.User.Create().SetUsername(in.Username).SetEmail(strings.ToLower(in.Email)).
		SetPasswordHash(hash).SetAdmin(in.Admin).SetScopes(scopes).SetNillableExternalID(in.ExternalID).Save(ctx)
	if ent.IsConstraintError(err) {
		return nil, duplicateUserError(ctx, db, in.Username, in.Email)
	}
	return u, err
}

// errEmailInvalid refuses an email that is not a plain address: checkUserFields' answer, and
// the one bodyFieldError gives when openapi_types.Email refuses the value first.
func errEmailInvalid() *APIError {
	return errFieldInvalid("email", "email must be an address like name@example.com")
}

// checkUserFields validates the fields that are set (nil pointers are skipped).
func checkUserFields(username, email, password *string) error {
	if username != nil && !usernamePattern.MatchString(*username) {
		return errFieldInvalid("username", "username must be 3-32 characters: letters, digits, '_', '.' or '-'")
	}
	if email != nil {
		addr, err := mail.ParseAddress(*email)
		if err != nil || addr.Address != *email || addr.Name != "" || len(*email) > 254 || !emailPattern.MatchString(*email) {
			return errEmailInvalid()
		}
	}
	if password != nil {
		if err := store.ValidatePassword(*password); err != nil {
			return errFieldInvalid("password", err.Error())
		}
	}
	return nil
}

// duplicateUserError names the field that collided.
func duplicateUserError(ctx context.Context, db *ent.Client, username, email string) error {
	field := "email"
	if username != "" {
		if n, _ := db.User.Query().Where(user.Username(username)).Count(ctx); n > 0 {
			field = "username"
		}
	}
	return newAPIError(http.StatusConflict, CodeConflict, fmt.Sprintf("a user with this %s already exists", field),
		map[string]any{"field": field})
}

// userByID loads a user the caller may see: admins see everyone, others only themselves.
func (h *Handlers) userByID(ctx context.Context, id int64) (*ent.User, error) {
	p := PrincipalFrom(ctx)
	if !p.Admin && int64(p.UserID) != id && !userManager(p) {
		return nil, errUserNotFound(id)
	}
	u, err := h.a.store.Client.User.Get(ctx, int(id))
	if ent.IsNotFound(err) {
		return nil, errUserNotFound(id)
	}
	return u, err
}

// scopeUsersSearch lets a caller list every user (not only itself).
const scopeUsersSearch = "users.info.search"

// userManager reports whether a non-admin principal manages users (holds a users.* scope
// beyond search): it then reaches other users' records, within mayManage and mayGrant.
func userManager(p *Principal) bool {
	for _, s := range []string{"users.info.view", "users.info.edit", "users.perms.view", "users.perms.edit"} {
		if p.Has(s) {
			return true
		}
	}
	return false
}

// mayManage lets administrators change anyone and user managers (users.info.edit, checked by
// the operation's security) change non-admin users and themselves.
func mayManage(ctx context.Context, target *ent.User) error {
	p := PrincipalFrom(ctx)
	if p.Admin || !target.Admin || target.ID == p.UserID {
		return nil
	}
	return newAPIError(http.StatusForbidden, CodePermissionDenied, "only administrators may change an administrator",
		map[string]any{"scopes": []string{"admin"}, "id": target.ID})
}

// mayGrant lets administrators grant any scope and user managers grant non-admin users other
// than themselves at most the scopes their own token holds, never admin.
func mayGrant(ctx context.Context, target *ent.User, scopes []gen.Scope) error {
	p := PrincipalFrom(ctx)
	if p.Admin {
		return nil
	}
	deny := func(msg string, meta map[string]any) error {
		meta["field"] = "scopes"
		return newAPIError(http.StatusForbidden, CodePermissionDenied, msg, meta)
	}
	if target.Admin {
		return deny("only administrators may change an administrator's permissions",
			map[string]any{"id": target.ID, "scopes": []string{"admin"}})
	}
	if target.ID == p.UserID {
		return deny("only administrators may change their own permissions",
			map[string]any{"id": target.ID, "scopes": []string{"admin"}})
	}
	for _, s := range scopes {
		if s == gen.ScopeAdmin || !p.Has(string(s)) {
			return deny("you may grant only scopes you hold yourself (never admin)",
				map[string]any{"scope": string(s), "scopes": []string{string(s)}})
		}
	}
	return nil
}

// requireAdmin refuses non-admin callers (for actions on other accounts or privileges).
func requireAdmin(ctx context.Context) error {
	if !PrincipalFrom(ctx).Admin {
		return errPermissionDenied([]string{"admin"})
	}
	return nil
}
