package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/skypanel/skypanel/server/oauth"
	"github.com/skypanel/skypanel/server/store"
)

// openPanel opens the database and the OAuth2 provider of --data.
func openPanel(ctx context.Context, cmd *cobra.Command) (*store.Store, *oauth.Provider, error) {
	log := newLogger(cmd)
	st, err := store.Open(ctx, dataDir(cmd), log)
	if err != nil {
		return nil, nil, fmt.Errorf("open database in %s: %w", dataDir(cmd), err)
	}
	var ttl time.Duration
	if f := cmd.Flags().Lookup("token-ttl"); f != nil {
		ttl, _ = cmd.Flags().GetDuration("token-ttl")
	}
	op, err := oauth.New(ctx, oauth.Options{Client: st.Client, GlobalSecret: st.Keys.OAuth2,
		SecretKey: st.Keys.SecretHash, TokenTTL: ttl, Logger: log})
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return st, op, nil
}
