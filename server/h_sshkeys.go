package server

import (
	"context"
	"crypto/rsa"
	"fmt"
	"net/http"
	"strings"

	"golang.org/x/crypto/ssh"

	"github.com/skypanel/skypanel/ent"
	"github.com/skypanel/skypanel/ent/sshkey"
	"github.com/skypanel/skypanel/gen"
)

// SSH keys of the caller (/api/self/ssh-keys): the public keys that log the user in to SFTP.

const (
	maxSSHKeysPerUser = 20
	minRSABits        = 2048
)

// normalisedKey is the stored form of a key: "<type> <base64>", no options, no comment.
func normalisedKey(pk ssh.PublicKey) string {
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pk)))
}

// parseSSHKey parses one authorized_keys line (options and comment are accepted and dropped)
// and refuses what may not log in: certificates, DSA, security-key types, RSA under 2048 bits.
func parseSSHKey(line string) (ssh.PublicKey, error) {
	pk, _, _, rest, err := ssh.ParseAuthorizedKey([]byte(line))
	if err != nil {
		return nil, errFieldInvalid("publicKey", "not an SSH public key in authorized_keys form")
	}
	if len(strings.TrimSpace(string(rest))) > 0 {
		return nil, errFieldInvalid("publicKey", "one key per request: the value holds more than one line")
	}
	switch pk.Type() {
	case ssh.KeyAlgoED25519, ssh.KeyAlgoECDSA256, ssh.KeyAlgoECDSA384, ssh.KeyAlgoECDSA521:
		return pk, nil
	case ssh.KeyAlgoRSA:
		if rsaBits(pk) < minRSABits {
			return nil, errFieldInvalid("publicKey", fmt.Sprintf("RSA keys need at least %d bits", minRSABits))
		}
		return pk, nil
	}
	return nil, errFieldInvalid("publicKey",
		"unsupported key type "+pk.Type()+": use ed25519, ecdsa or RSA (at least 2048 bits), not a certificate")
}

// rsaBits is the modulus size of an RSA key (0 for anything else).
func rsaBits(pk ssh.PublicKey) int {
	if cpk, ok := pk.(ssh.CryptoPublicKey); ok {
		if rk, ok := cpk.CryptoPublicKey().(*rsa.PublicKey); ok {
			return rk.N.BitLen()
		}
	}
	return 0
}

// toSSHKey is a stored key in the contract's form.
func toSSHKey(k *ent.SSHKey) gen.SshKey {
	return gen.SshKey{Id: int64(k.ID), Name: k.Name, Fingerprint: k.Fingerprint, PublicKey: k.PublicKey,
		Created: k.CreatedAt.UTC()}
}

// callerUserID is the user whose token calls (a client without a user, such as a node's, is
// refused with 403).
func callerUserID(ctx context.Context) (int, error) {
	p := PrincipalFrom(ctx)
	if p == nil || p.UserID == 0 {
		return 0, errPermissionDenied([]string{"a user's token"})
	}
	return p.UserID, nil
}

// ListSelfSshKeys lists the caller's SSH keys, by id.
func (h *Handlers) ListSelfSshKeys(ctx context.Context, req gen.ListSelfSshKeysRequestObject) (gen.ListSelfSshKeysResponseObject, error) {
	uid, err := callerUserID(ctx)
	if err != nil {
		return nil, err
	}
	page, limit := pageOf(req.Params.Page, req.Params.Limit)
	q := h.a.store.Client.SSHKey.Query().Where(sshkey.UserID(uid))
	total, err := q.Clone().Count(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := q.Order(ent.Asc(sshkey.FieldID)).Offset(offset(page, limit)).Limit(limit).All(ctx)
	if err != nil {
		return nil, err
	}
	out := gen.SshKeyList{SshKeys: make([]gen.SshKey, 0, len(rows)), Metadata: listMeta(page, limit, total)}
	for _, k := range rows {
		out.SshKeys = append(out.SshKeys, toSSHKey(k))
	}
	return gen.ListSelfSshKeys200JSONResponse{Body: out}, nil
}

// CreateSelfSshKey registers a key for the caller: at most maxSSHKeysPerUser, no duplicate.
func (h *Handlers) CreateSelfSshKey(ctx context.Context, req gen.CreateSelfSshKeyRequestObject) (gen.CreateSelfSshKeyResponseObject, error) {
	uid, err := callerUserID(ctx)
	if err != nil {
		return nil, err
	}
	pk, err := parseSSHKey(req.Body.PublicKey)
	if err != nil {
		return nil, err
	}
	fp := ssh.FingerprintSHA256(pk)
	h.a.sftp.keyMu.Lock()
	defer h.a.sftp.keyMu.Unlock()
	db := h.a.store.Client
	if dup, err := db.SSHKey.Query().Where(sshkey.UserID(uid), sshkey.Fingerprint(fp)).Exist(ctx); err != nil {
		return nil, err
	} else if dup {
		return nil, errConflict("this SSH key is already registered", map[string]any{"fingerprint": fp})
	}
	if n, err := db.SSHKey.Query().Where(sshkey.UserID(uid)).Count(ctx); err != nil {
		return nil, err
	} else if n >= maxSSHKeysPerUser {
		return nil, errConflict(fmt.Sprintf("at most %d SSH keys per user: remove one first", maxSSHKeysPerUser),
			map[string]any{"limit": maxSSHKeysPerUser})
	}
	k, err := db.SSHKey.Create().SetUserID(uid).SetName(req.Body.Name).SetPublicKey(normalisedKey(pk)).
		SetFingerprint(fp).Save(ctx)
	if err != nil {
		return nil, err
	}
	return gen.CreateSelfSshKey201JSONResponse{Body: toSSHKey(k)}, nil
}

// DeleteSelfSshKey removes one of the caller's keys; another user's key is not found.
func (h *Handlers) DeleteSelfSshKey(ctx context.Context, req gen.DeleteSelfSshKeyRequestObject) (gen.DeleteSelfSshKeyResponseObject, error) {
	uid, err := callerUserID(ctx)
	if err != nil {
		return nil, err
	}
	n, err := h.a.store.Client.SSHKey.Delete().Where(sshkey.ID(int(req.KeyId)), sshkey.UserID(uid)).Exec(ctx)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, newAPIError(http.StatusNotFound, CodeNotFound, "SSH key not found", map[string]any{"id": req.KeyId})
	}
	return gen.DeleteSelfSshKey204Response{}, nil
}
