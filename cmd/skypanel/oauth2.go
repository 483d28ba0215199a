package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/skypanel/skypanel/ent/user"
)

func newOAuth2Cmd() *cobra.Command {
	cmd := &cobra.Command{Use: "oauth2", Short: "Manage OAuth2 clients"}
	cmd.AddCommand(newOAuth2CreateCmd(), newOAuth2ListCmd(), newOAuth2DeleteCmd())
	return cmd
}

func newOAuth2CreateCmd() *cobra.Command {
	var username, scopes, name string
	var asJSON bool
	c := &cobra.Command{
		Use:   "create",
		Short: "Create a client for a user; prints client_id and client_secret (shown once)",
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			st, op, err := openPanel(ctx, cmd)
			if err != nil {
				return err
			}
			defer st.Close()
			u, err := st.Client.User.Query().Where(user.Username(username)).Only(ctx)
			if err != nil {
				return fmt.Errorf("user %q: %w", username, err)
			}
			list := strings.Fields(strings.ReplaceAll(scopes, ",", " "))
			if name == "" {
				name = "cli client"
			}
			id, secret, err := op.CreateClient(ctx, u.ID, name, list)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if asJSON {
				return json.NewEncoder(out).Encode(map[string]any{"client_id": id, "client_secret": secret,
					"scopes": list, "name": name, "user": username})
			}
			fmt.Fprintf(out, "client_id:     %s\nclient_secret: %s\nscopes:        %s\n", id, secret, strings.Join(list, " "))
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&username, "user", "", "username owning the client")
	f.StringVar(&scopes, "scopes", "", `space or comma separated scopes, e.g. "admin"`)
	f.StringVar(&name, "name", "", "a name for the client")
	f.BoolVar(&asJSON, "json", false, "print JSON")
	_ = c.MarkFlagRequired("user")
	_ = c.MarkFlagRequired("scopes")
	return c
}

func newOAuth2ListCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List OAuth2 clients",
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, op, err := openPanel(cmd.Context(), cmd)
			if err != nil {
				return err
			}
			defer st.Close()
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 2, 4, 2, ' ', 0)
			fmt.Fprintln(w, "CLIENT_ID\tNAME\tUSER_ID\tSCOPES\tCREATED")
			for page := 1; ; page++ {
				rows, total, err := op.ListClients(cmd.Context(), nil, page, 100)
				if err != nil {
					return err
				}
				for _, c := range rows {
					owner := "-"
					if c.UserID != nil {
						owner = fmt.Sprint(*c.UserID)
					}
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", c.ID, c.Name, owner, strings.Join(c.Scopes, " "),
						c.CreatedAt.UTC().Format("2006-01-02T15:04:05Z"))
				}
				if page*100 >= total {
					break
				}
			}
			return w.Flush()
		},
	}
}

func newOAuth2DeleteCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "delete CLIENT_ID",
		Short: "Delete a client and revoke its tokens",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, op, err := openPanel(cmd.Context(), cmd)
			if err != nil {
				return err
			}
			defer st.Close()
			if err := op.DeleteClient(cmd.Context(), args[0], nil); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "deleted client %s\n", args[0])
			return nil
		},
	}
}
