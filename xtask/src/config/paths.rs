//! Where the xtask's own files live, relative to the repository root, and
//! the one rule that keeps every path the config names inside it.

use std::path::{Component, Path};

/// Where the config lives, relative to the repository root.
pub(crate) const PATH: &str = "release/config.toml";

/// Where release runs write their evidence and blocker files, relative to
/// the repository root (`.scratch/` is git-ignored).
pub(crate) const SCRATCH: &str = ".scratch/release";

/// The folder of every file the xtask writes for itself (the lock, the
/// evidence, the blocker files).
const SCRATCH_ROOT: &str = ".scratch";

/// Why `path` (as the config names it) is not a path of this repository, or
/// `None`: it is absolute, goes up with `..`, or resolves outside through a
/// symlink. Checked before anything is read, so nothing outside the
/// repository is touched. `root` is already resolved (canonical).
pub(crate) fn outside_problem(root: &Path, path: &str) -> Option<String> {
    let rel = Path::new(path);
    if rel.is_absolute() || path.starts_with('/') || path.starts_with('\\') {
        return Some("is absolute".to_string());
    }
    if rel
        .components()
        .any(|c| matches!(c, Component::ParentDir | Component::Prefix(_)))
    {
        return Some("goes up with `..`".to_string());
    }
    // Every existing step, so a symlinked folder is caught even when the
    // file itself is missing; only symlinks are resolved (one lookup per
    // step, not a full resolution: repositories may have thousands of sites).
    let mut at = root.to_path_buf();
    for part in rel.components() {
        at.push(part);
        match std::fs::symlink_metadata(&at) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let Ok(real) = at.canonicalize() else { break };
                if !real.starts_with(root) {
                    return Some(format!("resolves through a symlink to {}", real.display()));
                }
                at = real;
            }
            Ok(_) => {}
            Err(_) => break,
        }
    }
    None
}

/// Why the xtask cannot write its own files under `.scratch/`, or `None`:
/// `.scratch` and `.scratch/release` must be real folders (or not exist
/// yet), and the lock, evidence and blocker files in them no symlinks, so
/// nothing is ever written outside the repository through them.
pub(crate) fn scratch_problem(root: &Path) -> Option<String> {
    let symlink = |rel: &str| {
        let meta = std::fs::symlink_metadata(root.join(rel)).ok()?;
        meta.file_type().is_symlink().then(|| {
            let to = std::fs::read_link(root.join(rel))
                .map(|t| format!(" (to {})", t.display()))
                .unwrap_or_default();
            format!(
                "{rel} is a symlink{to}: the xtask writes its lock, evidence and blocker files under {SCRATCH_ROOT}/ and never outside the repository; remove the link (`rm {}`) and rerun",
                crate::words::quote(rel)
            )
        })
    };
    let lock = format!("{SCRATCH_ROOT}/xtask.lock");
    for rel in [SCRATCH_ROOT, SCRATCH, &lock] {
        if let Some(problem) = symlink(rel) {
            return Some(problem);
        }
    }
    for rel in [SCRATCH_ROOT, SCRATCH] {
        if root.join(rel).exists() && !root.join(rel).is_dir() {
            return Some(format!(
                "{rel} is not a folder: the xtask keeps its lock, evidence and blocker files there; move it away and rerun"
            ));
        }
    }
    // A report or blocker file that is a symlink would be written through.
    for entry in std::fs::read_dir(root.join(SCRATCH)).ok()?.flatten() {
        let rel = format!("{SCRATCH}/{}", entry.file_name().to_string_lossy());
        if let Some(problem) = symlink(&rel) {
            return Some(problem);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_symlinked_scratch_or_scratch_file_is_named() {
        let base = std::env::temp_dir().join(format!("xtask-scratch-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        let (root, outside) = (base.join("repo"), base.join("outside"));
        std::fs::create_dir_all(&root).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        assert_eq!(scratch_problem(&root), None, "no .scratch yet is fine");
        #[cfg(unix)]
        {
            use std::os::unix::fs::symlink;
            symlink(&outside, root.join(".scratch")).unwrap();
            let problem = scratch_problem(&root).unwrap();
            assert!(
                problem.starts_with(".scratch is a symlink (to "),
                "{problem}"
            );
            std::fs::remove_file(root.join(".scratch")).unwrap();
            std::fs::create_dir_all(root.join(SCRATCH)).unwrap();
            assert_eq!(scratch_problem(&root), None);
            symlink(
                outside.join("x"),
                root.join(".scratch/release/blockers-v1.md"),
            )
            .unwrap();
            let problem = scratch_problem(&root).unwrap();
            assert!(
                problem.starts_with(".scratch/release/blockers-v1.md is a symlink"),
                "{problem}"
            );
        }
        std::fs::remove_dir_all(&base).unwrap();
        let real = std::env::temp_dir().canonicalize().unwrap();
        assert_eq!(outside_problem(&real, "a/b.md"), None);
        assert_eq!(
            outside_problem(&real, "/etc").as_deref(),
            Some("is absolute")
        );
        assert_eq!(
            outside_problem(&real, "a/../b").as_deref(),
            Some("goes up with `..`")
        );
    }
}
