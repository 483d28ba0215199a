package server

// External ids: the id a billing system gives a user or a server (unique per kind). A create
// naming an existing externalId is a billing retry: the identical body answers the existing
// record (200), any other body 409 ErrConflict with metadata.field "externalId". The unique
// indexes of users.external_id and servers.external_id decide races; their constraint errors
// are mapped here, never left to the generic 409.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/oapi-codegen/nullable"

	"github.com/skypanel/skypanel/ent"
	"github.com/skypanel/skypanel/ent/server"
	"github.com/skypanel/skypanel/ent/user"
	"github.com/skypanel/skypanel/gen"
	"github.com/skypanel/skypanel/server/store"
)

// fieldExternalID is the envelope's metadata.field of every external id error.
const fieldExternalID = "externalId"

// maxExternalIDBytes bounds an external id in bytes (the unique index's key). The spec's
// pattern keeps external ids printable ASCII, so its 191 characters are 191 bytes; this check
// guards callers that bypass the validator.
const maxExternalIDBytes = 191

// checkExternalID refuses an external id the database would not store.
func checkExternalID(id string) error {
	if id == "" || len(id) > maxExternalIDBytes {
		return errFieldInvalid(fieldExternalID, fmt.Sprintf("externalId must be 1-%d bytes", maxExternalIDBytes))
	}
	return nil
}

// errExternalIDTaken is the 409 of an external id another user or server holds (kind names it).
func errExternalIDTaken(kind string) *APIError {
	return newAPIError(http.StatusConflict, CodeConflict,
		fmt.Sprintf("a %s with this externalId already exists with a different definition", kind),
		map[string]any{"field": fieldExternalID})
}

// isConflict reports whether err is an answer 409 (the create path's mapped constraint errors).
func isConflict(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Status == http.StatusConflict
}

// userRetry answers a create naming an external id: (nil, nil) when no user has it, the user
// when the body is identical to it (username, email, admin flag, and a password its stored
// argon2id hash verifies), else 409 ErrConflict on externalId.
func userRetry(ctx context.Context, db *ent.Client, in UserInput) (*ent.User, error) {
	u, err := db.User.Query().Where(user.ExternalID(*in.ExternalID)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("look up user by externalId: %w", err)
	}
	if u.Username == in.Username && u.Email == strings.ToLower(in.Email) && u.Admin == in.Admin &&
		store.CheckPassword(u.PasswordHash, in.Password) {
		return u, nil
	}
	return nil, errExternalIDTaken("user")
}

// setExternalID applies an update's externalId through the ent builder's setter and clearer
// (method values of a UserUpdateOne or ServerUpdateOne): absent = unchanged, null = removed.
func setExternalID[B any](v nullable.Nullable[string], set func(string) B, clear func() B) error {
	switch {
	case !v.IsSpecified():
		return nil
	case v.IsNull():
		clear()
		return nil
	}
	id := v.MustGet()
	if err := checkExternalID(id); err != nil {
		return err
	}
	set(id)
	return nil
}

// userExternalIDTaken reports whether a user other than self holds the external id.
func userExternalIDTaken(ctx context.Context, db *ent.Client, self int, v nullable.Nullable[string]) bool {
	id, err := v.Get()
	if err != nil {
		return false
	}
	taken, err := db.User.Query().Where(user.ExternalID(id), user.IDNEQ(self)).Exist(ctx)
	return err == nil && taken
}

// serverByExternalID finds the server holding an external id (nil when none).
func serverByExternalID(ctx context.Context, db *ent.Client, id string) (*ent.Server, error) {
	s, err := db.Server.Query().Where(server.ExternalID(id)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("look up server by externalId: %w", err)
	}
	return s, nil
}

// serverRetry answers a create of server id (generated: the panel chose it) naming an
// external id: found is false when no server has it; the server (found) when the request is
// the one that created it, else 409 ErrConflict on externalId. The request is the same when
// the body's create_hash recomputed with the server's id matches (a retry through
// PUT /api/servers has no id to give), and a caller that chose an id chose the server's.
// Nothing is created either way.
func (h *Handlers) serverRetry(ctx context.Context, id string, generated bool, b *gen.ServerCreate) (out gen.ServerCreated, found bool, err error) {
	s, err := serverByExternalID(ctx, h.a.store.Client, *b.ExternalId)
	if err != nil || s == nil {
		return out, false, err
	}
	if (!generated && id != s.ID) || s.CreateHash != createHash(s.ID, b) {
		return out, true, errExternalIDTaken("server")
	}
	if err := checkSuspended(ctx, s); err != nil { // suspend.go: as the retry by id
		return out, true, err
	}
	return gen.ServerCreated{Id: s.ID, Name: s.Name, Status: gen.ServerState(h.status(ctx, s).State)}, true, nil
}

// serverExternalIDTaken reports whether a server other than self holds the external id.
func serverExternalIDTaken(ctx context.Context, db *ent.Client, self string, v nullable.Nullable[string]) bool {
	id, err := v.Get()
	if err != nil {
		return false
	}
	taken, err := db.Server.Query().Where(server.ExternalID(id), server.IDNEQ(self)).Exist(ctx)
	return err == nil && taken
}
