// Package plasmite is the Go binding of plasmite. Go modules carry no version
// field: this module is versioned by the tag bindings/go/vX.Y.Z that
// `cargo xtask release` pushes beside vX.Y.Z.
package plasmite
