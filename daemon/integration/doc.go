// Package integration holds tests that drive the daemon's Manager with the shared runtimes
// (runtime/fake and the real runtime/host). They live in their own package so the daemon's unit
// tests do not depend on those runtimes compiling.
package integration
