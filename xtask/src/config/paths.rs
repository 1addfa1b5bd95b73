//! Where the xtask's own files live, relative to the repository root.

/// Where the config lives, relative to the repository root.
pub const PATH: &str = "release/config.toml";

/// Where release runs write their evidence and blocker files, relative to
/// the repository root (`.scratch/` is git-ignored).
pub const SCRATCH: &str = ".scratch/release";
