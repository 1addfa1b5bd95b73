//! Atomic file replacement: each file is written to a temporary file beside
//! it, then renamed over the original; a set of files is replaced all or nothing.
//!
//! Two phases: first every new text is written to its temporary file, then
//! each is renamed over its original. A full disk fails the first phase,
//! which touches no original (and renames need no room for data). When the
//! k-th rename fails (an immutable file, a file turned into a folder), the
//! files already replaced are put back the same way, and the error names
//! exactly the files (if any) that could not be put back.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Result, bail};

/// Replace the contents of one file: `before` is what the plan was made from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEdit {
    /// Relative to the root it is written under, with `/` separators.
    pub path: String,
    pub before: String,
    pub after: String,
}

/// The step of a replacement, for fault injection in tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Writing the new text to the temporary file.
    Write,
    /// Renaming the temporary file over the original.
    Rename,
}

/// Writes every edit or none. Each file must still hold `before`, be a
/// regular file inside `root` and be writable; otherwise nothing is written.
pub fn write_all(root: &Path, edits: &[FileEdit]) -> Result<()> {
    write_all_with(root, edits, &mut |_, _, _| Ok(()))
}

/// [`write_all`] with `fault` called before each step of each file (its
/// index in `edits`, the file, the step): an error it returns is that step's.
pub fn write_all_with(
    root: &Path,
    edits: &[FileEdit],
    fault: &mut dyn FnMut(usize, &Path, Stage) -> std::io::Result<()>,
) -> Result<()> {
    let mut targets = Vec::with_capacity(edits.len());
    for edit in edits {
        targets.push(preflight(root, edit)?);
    }
    // Phase 1: every temporary file; a failure here changed nothing.
    let mut temps: Vec<PathBuf> = Vec::with_capacity(edits.len());
    for (i, (edit, target)) in edits.iter().zip(&targets).enumerate() {
        match write_temp(
            &target.real,
            &edit.after,
            target.mode.clone(),
            &mut |stage| fault(i, &target.real, stage),
        ) {
            Ok(temp) => temps.push(temp),
            Err(err) => {
                remove_all(&temps);
                bail!(
                    "{} could not be written ({err}); no file was changed",
                    edit.path
                );
            }
        }
    }
    // Phase 2: the renames.
    for (i, (edit, target)) in edits.iter().zip(&targets).enumerate() {
        let renamed = fault(i, &target.real, Stage::Rename)
            .and_then(|()| std::fs::rename(&temps[i], &target.real))
            .map_err(|err| Failure {
                what: "cannot replace it",
                err,
            });
        if let Err(err) = renamed {
            remove_all(&temps[i..]);
            let unrestored = put_back(&edits[..i], &targets[..i], fault);
            let restored = if i == 0 {
                "no file was changed".to_string()
            } else if unrestored.is_empty() {
                format!("no file was changed (the {i} file(s) already written were put back)")
            } else {
                let why: Vec<String> = unrestored
                    .iter()
                    .map(|(p, e)| format!("{p} ({e})"))
                    .collect();
                let paths: Vec<&str> = unrestored.iter().map(|(p, _)| *p).collect();
                format!(
                    "these files were written by this run and could not be put back: {}; restore them with `git checkout -- {}`",
                    why.join(", "),
                    paths.join(" ")
                )
            };
            bail!("{} could not be written ({err}); {restored}", edit.path);
        }
    }
    Ok(())
}

fn remove_all(paths: &[PathBuf]) {
    for path in paths {
        let _ = std::fs::remove_file(path);
    }
}

/// Writes the old text back to each file already replaced, the same way.
/// Returns the files that could not be put back.
fn put_back<'e>(
    edits: &'e [FileEdit],
    targets: &[Staged],
    fault: &mut dyn FnMut(usize, &Path, Stage) -> std::io::Result<()>,
) -> Vec<(&'e str, Failure)> {
    let mut unrestored = Vec::new();
    for (j, (edit, target)) in edits.iter().zip(targets).enumerate() {
        let back = write_temp(
            &target.real,
            &edit.before,
            target.mode.clone(),
            &mut |stage| fault(j, &target.real, stage),
        )
        .and_then(|temp| {
            std::fs::rename(&temp, &target.real).map_err(|err| {
                let _ = std::fs::remove_file(&temp);
                Failure {
                    what: "cannot put it back",
                    err,
                }
            })
        });
        if let Err(err) = back {
            unrestored.push((edit.path.as_str(), err));
        }
    }
    unrestored
}

/// `<dir>/.<name>.xtask-<pid>.<what>`: a file of this run beside `target`.
fn beside(target: &Path, what: &str) -> PathBuf {
    let dir = target.parent().unwrap_or(Path::new("."));
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    dir.join(format!(".{name}.xtask-{}.{what}", std::process::id()))
}

/// A file about to be replaced: where it really is, and its permissions.
struct Staged {
    real: PathBuf,
    mode: std::fs::Permissions,
}

/// Every check that needs no write: the file still holds `before`, it is a
/// regular file of the repository, and it is not read-only.
fn preflight(root: &Path, edit: &FileEdit) -> Result<Staged> {
    let path = root.join(&edit.path);
    // Write through a symlink to the file it names, never over the link
    // (only links are resolved: a lookup per folder costs on large repos).
    let opened = |err: std::io::Error| {
        anyhow::anyhow!(
            "{} cannot be opened ({err}); no file was changed",
            edit.path
        )
    };
    let real = match std::fs::symlink_metadata(&path) {
        Ok(meta) if !meta.file_type().is_symlink() => path,
        Ok(_) => path.canonicalize().map_err(opened)?,
        Err(err) => return Err(opened(err)),
    };
    let meta = match std::fs::metadata(&real) {
        Ok(meta) => meta,
        Err(err) => bail!(
            "{} cannot be opened ({err}); no file was changed",
            edit.path
        ),
    };
    if !meta.is_file() {
        bail!(
            "{} is not a regular file (a directory?), so it could not be written; no file was changed",
            edit.path
        );
    }
    if meta.permissions().readonly() {
        bail!(
            "{} is read-only, so it could not be written; no file was changed: make it writable (`chmod u+w {}`) and run the command again",
            edit.path,
            edit.path
        );
    }
    match std::fs::read_to_string(&real) {
        Ok(now) if now == edit.before => {}
        Ok(_) => bail!(
            "{} changed while the xtask ran; nothing was written, run the command again",
            edit.path
        ),
        Err(err) => bail!("{} cannot be read ({err}); no file was changed", edit.path),
    }
    Ok(Staged {
        real,
        mode: meta.permissions(),
    })
}

/// Why one replacement failed.
#[derive(Debug)]
struct Failure {
    what: &'static str,
    err: std::io::Error,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.what, self.err)
    }
}

/// Writes `text` to a new file beside `target`, with `target`'s
/// permissions, and returns its path; on failure, removes it.
fn write_temp(
    target: &Path,
    text: &str,
    mode: std::fs::Permissions,
    fault: &mut dyn FnMut(Stage) -> std::io::Result<()>,
) -> std::result::Result<PathBuf, Failure> {
    let temp = beside(target, "tmp");
    let fail = |what: &'static str| move |err: std::io::Error| Failure { what, err };
    let written = (|| {
        fault(Stage::Write).map_err(fail("cannot write a temporary file beside it"))?;
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)
            .map_err(fail("cannot create a temporary file beside it"))?;
        file.write_all(text.as_bytes())
            .map_err(fail("cannot write a temporary file beside it"))?;
        // No fsync: it costs tens of milliseconds per file on slow disks
        // (xtask/bench/sites.py), and ext4, the usual case, flushes a file
        // renamed over another before the rename (auto_da_alloc). A full
        // disk fails the write above, before any original is touched.
        file.set_permissions(mode)
            .map_err(fail("cannot set the permissions of a temporary file"))
    })();
    match written {
        Ok(()) => Ok(temp),
        Err(err) => {
            let _ = std::fs::remove_file(&temp);
            Err(err)
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A fresh folder for one test (the executor's tests use it too).
    pub(crate) fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("xtask-fsx-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    pub(crate) fn edit(path: &str, before: &str, after: &str) -> FileEdit {
        FileEdit {
            path: path.into(),
            before: before.into(),
            after: after.into(),
        }
    }

    fn three(dir: &Path) -> Vec<FileEdit> {
        for name in ["a", "b", "c"] {
            std::fs::write(dir.join(name), format!("old {name}\n")).unwrap();
        }
        ["a", "b", "c"]
            .iter()
            .map(|n| edit(n, &format!("old {n}\n"), &format!("new {n}\n")))
            .collect()
    }

    fn assert_old(dir: &Path) {
        for name in ["a", "b", "c"] {
            assert_eq!(
                std::fs::read_to_string(dir.join(name)).unwrap(),
                format!("old {name}\n"),
                "{name}"
            );
        }
        let left: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains(".xtask-"))
            .collect();
        assert!(left.is_empty(), "temporary files left: {left:?}");
    }

    #[test]
    fn writes_every_file_and_keeps_permissions() {
        let dir = temp_dir("ok");
        let edits = three(&dir);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir.join("b"), std::fs::Permissions::from_mode(0o750))
                .unwrap();
        }
        write_all(&dir, &edits).unwrap();
        let left: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains(".xtask-"))
            .collect();
        assert!(left.is_empty(), "files left: {left:?}");
        for name in ["a", "b", "c"] {
            assert_eq!(
                std::fs::read_to_string(dir.join(name)).unwrap(),
                format!("new {name}\n")
            );
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join("b"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o750);
        }
    }

    /// A full disk, at each step of each file: every file keeps its bytes.
    #[test]
    fn a_failure_at_any_file_and_step_puts_every_file_back() {
        for failing in 0..3 {
            for stage in [Stage::Write, Stage::Rename] {
                let dir = temp_dir(&format!("fail-{failing}-{stage:?}"));
                let edits = three(&dir);
                let err = write_all_with(&dir, &edits, &mut |i, _, s| {
                    if i == failing && s == stage {
                        Err(std::io::Error::from_raw_os_error(28)) // ENOSPC
                    } else {
                        Ok(())
                    }
                })
                .unwrap_err()
                .to_string();
                let name = ["a", "b", "c"][failing];
                assert!(
                    err.starts_with(&format!("{name} could not be written")),
                    "{err}"
                );
                assert!(err.contains("no file was changed"), "{err}");
                assert!(!err.contains("git checkout"), "{err}");
                assert_old(&dir);
            }
        }
    }

    /// A disk that fills up at the k-th file and stays full: the first
    /// phase fails, before any original is touched.
    #[test]
    fn a_disk_that_stays_full_still_gets_every_file_back() {
        for failing in 0..3 {
            let dir = temp_dir(&format!("full-{failing}"));
            let edits = three(&dir);
            let mut full = false;
            let err = write_all_with(&dir, &edits, &mut |i, _, s| {
                full |= i == failing;
                if full && s == Stage::Write {
                    Err(std::io::Error::from_raw_os_error(28))
                } else {
                    Ok(())
                }
            })
            .unwrap_err()
            .to_string();
            assert!(err.contains("no file was changed"), "{err}");
            assert_old(&dir);
        }
    }

    /// The k-th file turned into a directory between the plan and the write.
    #[test]
    fn a_file_replaced_by_a_directory_mid_plan_puts_the_others_back() {
        for failing in 0..3 {
            let dir = temp_dir(&format!("dir-{failing}"));
            let edits = three(&dir);
            let err = write_all_with(&dir, &edits, &mut |i, path, s| {
                if i == failing && s == Stage::Rename {
                    std::fs::remove_file(path)?;
                    std::fs::create_dir(path)?;
                    std::fs::write(path.join("inside"), "x")?;
                }
                Ok(())
            })
            .unwrap_err()
            .to_string();
            assert!(err.contains("cannot replace it"), "{err}");
            for (i, name) in ["a", "b", "c"].iter().enumerate() {
                if i != failing {
                    assert_eq!(
                        std::fs::read_to_string(dir.join(name)).unwrap(),
                        format!("old {name}\n")
                    );
                }
            }
        }
    }

    #[test]
    fn a_stale_plan_or_a_read_only_file_writes_nothing() {
        let dir = temp_dir("stale");
        let edits = three(&dir);
        std::fs::write(dir.join("c"), "changed").unwrap();
        let err = write_all(&dir, &edits).unwrap_err().to_string();
        assert!(err.contains("c changed while the xtask ran"), "{err}");
        assert_eq!(std::fs::read_to_string(dir.join("a")).unwrap(), "old a\n");

        let dir = temp_dir("readonly");
        let edits = three(&dir);
        let mut ro = std::fs::metadata(dir.join("c")).unwrap().permissions();
        ro.set_readonly(true);
        std::fs::set_permissions(dir.join("c"), ro).unwrap();
        let err = write_all(&dir, &edits).unwrap_err().to_string();
        assert!(
            err.contains("c is read-only, so it could not be written"),
            "{err}"
        );
        assert!(!err.contains("git checkout"), "{err}");
        assert_old(&dir);
    }

    #[cfg(unix)]
    #[test]
    fn a_symlinked_site_is_written_through_the_link() {
        let dir = temp_dir("link");
        std::fs::write(dir.join("real"), "old\n").unwrap();
        std::os::unix::fs::symlink("real", dir.join("link")).unwrap();
        write_all(&dir, &[edit("link", "old\n", "new\n")]).unwrap();
        assert!(
            std::fs::symlink_metadata(dir.join("link"))
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read_to_string(dir.join("real")).unwrap(), "new\n");
    }
}
