package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/skypanel/skypanel/ent"
	"github.com/skypanel/skypanel/server"
	"github.com/skypanel/skypanel/server/oauth"
	"github.com/skypanel/skypanel/server/store"
)

// seedBatch rows per CreateBulk statement (~22 columns each: well under SQLite's
// 32,766 bound parameters).
const seedBatch = 500

// firstSeedPort is the port of the first seeded server; ports are unique per node.
const firstSeedPort = 20000

// seeded is what the seeding created and the benchmarks need.
type seeded struct {
	Node         *ent.Node
	AdminID      int
	ClientID     string // admin OAuth2 client with the "admin" scope
	ClientSecret string
	Took         time.Duration
}

// seed bootstraps the database (local node, administrator) and adds users-1 more users and
// servers servers spread round-robin over all users, on the local node, in one transaction
// with bulk inserts.
func seed(ctx context.Context, st *store.Store, op *oauth.Provider, users, servers int) (seeded, error) {
	start := time.Now()
	local, err := server.Bootstrap(ctx, st, op, "127.0.0.1", 8080, io.Discard)
	if err != nil {
		return seeded{}, fmt.Errorf("bootstrap: %w", err)
	}
	admin, err := st.Client.User.Query().Order(ent.Asc("id")).First(ctx)
	if err != nil {
		return seeded{}, fmt.Errorf("bootstrap admin: %w", err)
	}
	id, secret, err := op.CreateClient(ctx, admin.ID, "panelbench", []string{oauth.ScopeAdmin})
	if err != nil {
		return seeded{}, fmt.Errorf("admin client: %w", err)
	}
	// One real argon2id hash shared by every seeded user: hashing 1,000 passwords would
	// only measure argon2.
	hash, err := store.HashPassword("panelbench-Password-1")
	if err != nil {
		return seeded{}, err
	}
	tx, err := st.Client.Tx(ctx)
	if err != nil {
		return seeded{}, err
	}
	owners, err := seedUsers(ctx, tx, hash, users-1)
	if err != nil {
		return seeded{}, rollback(tx, err)
	}
	owners = append(owners, admin.ID)
	if err := seedServers(ctx, tx, local.ID, owners, servers); err != nil {
		return seeded{}, rollback(tx, err)
	}
	if err := tx.Commit(); err != nil {
		return seeded{}, fmt.Errorf("commit seed: %w", err)
	}
	return seeded{Node: local, AdminID: admin.ID, ClientID: id, ClientSecret: secret, Took: time.Since(start)}, nil
}

func rollback(tx *ent.Tx, err error) error {
	_ = tx.Rollback()
	return err
}

func seedUsers(ctx context.Context, tx *ent.Tx, hash string, n int) ([]int, error) {
	ids := make([]int, 0, n+1)
	for lo := 0; lo < n; lo += seedBatch {
		hi := min(lo+seedBatch, n)
		b := make([]*ent.UserCreate, 0, hi-lo)
		for i := lo; i < hi; i++ {
			b = append(b, tx.User.Create().SetUsername(fmt.Sprintf("user%04d", i)).
				SetEmail(fmt.Sprintf("user%04d@bench.example", i)).SetPasswordHash(hash).
				SetScopes([]string{"server.view", "server.start", "server.stop"}))
		}
		rows, err := tx.User.CreateBulk(b...).Save(ctx)
		if err != nil {
			return nil, fmt.Errorf("seed users: %w", err)
		}
		for _, u := range rows {
			ids = append(ids, u.ID)
		}
	}
	return ids, nil
}

var templates = []string{"minecraft-paper", "minecraft-vanilla", "valheim", "terraria", "rust"}

func seedServers(ctx context.Context, tx *ent.Tx, nodeID int, owners []int, n int) error {
	rng := rand.New(rand.NewPCG(1, 2)) // reproducible ids
	seen := make(map[string]bool, n)
	for lo := 0; lo < n; lo += seedBatch {
		hi := min(lo+seedBatch, n)
		b := make([]*ent.ServerCreate, 0, hi-lo)
		for i := lo; i < hi; i++ {
			id := serverID(rng)
			for seen[id] {
				id = serverID(rng)
			}
			seen[id] = true
			tpl := templates[i%len(templates)]
			b = append(b, tx.Server.Create().SetID(id).SetName(fmt.Sprintf("%s-%05d", tpl, i)).
				SetOwnerID(owners[i%len(owners)]).SetNodeID(nodeID).SetTemplate(tpl).
				SetImage("ghcr.io/pterodactyl/yolks:java_21").SetStartup("java -Xms128M -jar server.jar nogui").
				SetEnvironment(map[string]string{"SERVER_JARFILE": "server.jar", "VERSION": "latest"}).
				SetVariables(map[string]any{"EULA": "true"}).
				SetMemory(2048).SetDisk(10240).SetCPU(200).SetPort(firstSeedPort+i).SetIP("0.0.0.0"))
		}
		if err := tx.Server.CreateBulk(b...).Exec(ctx); err != nil {
			return fmt.Errorf("seed servers: %w", err)
		}
	}
	return nil
}

// serverID is an 8-character "ABC12345"-style id.
func serverID(rng *rand.Rand) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	var b [8]byte
	for i := range b {
		b[i] = alphabet[rng.IntN(len(alphabet))]
	}
	return string(b[:])
}
