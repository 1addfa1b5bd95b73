package plasmite

import (
	"os"
	"regexp"
	"testing"
)

func TestVersionMatchesTheRustCrate(t *testing.T) {
	manifest, err := os.ReadFile("../../Cargo.toml")
	if err != nil {
		t.Fatal(err)
	}
	found := regexp.MustCompile(`(?m)^version = "([^"]+)"`).FindSubmatch(manifest)
	if found == nil {
		t.Fatal("Cargo.toml has no version line")
	}
	if string(found[1]) != Version {
		t.Fatalf("Version is %q, but Cargo.toml has %q: run `cargo xtask sync`", Version, found[1])
	}
}

func TestVersionLine(t *testing.T) {
	if got, want := VersionLine(), "plasmite "+Version; got != want {
		t.Fatalf("VersionLine() = %q, want %q", got, want)
	}
}
