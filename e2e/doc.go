// Package e2e holds the end-to-end tests of the game-server lifecycle (issue 3): they build the
// real `skypanel` binary, run `skypanel serve` as a subprocess on a fresh data folder and drive
// it over HTTP with the generated client (package api), every response validated against
// openapi.yaml (server/apitest). Servers really run, as host processes ("standard") and as
// containerd containers ("docker").
//
// Environment: the docker cases need SKYPANEL_TEST_CONTAINERD (a containerd socket) and
// SKYPANEL_TEST_IMAGE (an image in that containerd's namespace "skypanel"), as
// scripts/containerd-test-env.sh sets them up; without them they skip with the reason. The
// standard cases always run; as root they also check that server processes run as an
// unprivileged user and that the memory limit is in their cgroup.
//
// Each test run uses its own containerd namespace (the image is copied into it) and unique
// server ids, so parallel runs do not collide; TestMain checks that the namespace holds no
// container, task or snapshot left by the tests, then removes it.
package e2e
