package puffer

import "testing"

// TestDecide: conditions on env and os are decided per environment; others are refused.
func TestDecide(t *testing.T) {
	tests := []struct {
		cond             string
		docker, standard bool
	}{
		{"", true, true},
		{"env == 'host'", false, true},
		{`env == "docker"`, true, false},
		{"env != 'host'", true, false},
		{"env == 'standard'", false, true},
		{"os == 'linux'", true, true},
		{"os == 'windows'", false, false},
		{"os != 'windows' && env == 'docker'", true, false},
		{"env == 'docker' || env == 'host'", true, true},
		{"os == 'windows' || env == 'host' && os == 'linux'", false, true},
		{"(env == 'host')", false, true},
		{"true", true, true},
	}
	for _, tt := range tests {
		for env, want := range map[string]bool{"docker": tt.docker, "standard": tt.standard} {
			got, err := decide(tt.cond, env)
			if err != nil || got != want {
				t.Errorf("decide(%q, %s) = %v, %v; want %v", tt.cond, env, got, err, want)
			}
		}
	}
	for _, cond := range []string{"file_exists('a')", "arch == 'amd64'", "!(env == 'host')", "modlauncher == 'forge'",
		"env == host", "env == 'host' && javaversion != ''"} {
		if _, err := decide(cond, "docker"); err == nil {
			t.Errorf("decide(%q) decided; want an error", cond)
		}
	}
}
