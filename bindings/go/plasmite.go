// Package plasmite is the Go binding of plasmite. Go modules carry no version
// field: this module is versioned by the tag bindings/go/vX.Y.Z that
// `cargo xtask release` pushes beside vX.Y.Z. Version says which release of
// plasmite it belongs to, in lock-step with the crate and the other bindings.
package plasmite

// Version is the plasmite version this binding belongs to.
const Version = "0.1.0"

// VersionLine is the line `plasmite --version` prints.
func VersionLine() string {
	return "plasmite " + Version
}
