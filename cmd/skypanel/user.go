package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/skypanel/skypanel/server"
)

func newUserCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "user", Short: "Manage panel users"}
	var in server.UserInput
	add := &cobra.Command{
		Use:   "add",
		Short: "Create a user",
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, _, err := openPanel(cmd.Context(), cmd)
			if err != nil {
				return err
			}
			defer st.Close()
			u, err := server.CreateUser(cmd.Context(), st.Client, in)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "created user %d (%s, admin=%v)\n", u.ID, u.Username, u.Admin)
			return nil
		},
	}
	f := add.Flags()
	f.StringVar(&in.Username, "username", "", "username (3-32 letters, digits, _ . -)")
	f.StringVar(&in.Email, "email", "", "email address")
	f.StringVar(&in.Password, "password", "", "password (8-128 chars, a letter and a digit)")
	f.BoolVar(&in.Admin, "admin", false, "make the user an administrator")
	for _, n := range []string{"username", "email", "password"} {
		_ = add.MarkFlagRequired(n)
	}
	cmd.AddCommand(add)
	return cmd
}
