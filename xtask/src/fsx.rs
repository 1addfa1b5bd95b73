//! Crash-consistent file replacement: a set of files is replaced all or
//! nothing, even when the process is killed between two renames.
//!
//! Each new text goes to a temporary file beside its file, then is renamed
//! over it. A journal (`.scratch/xtask.journal`) names every temporary file,
//! its target and a backup of the original (a hard link, so no byte is
//! copied); it is made durable (fsync) before the first temporary file is
//! written, is marked `rename` (fsync) before the first rename, and removed
//! after the last. A run killed at any instant leaves the journal behind:
//! the next command that takes the repository lock (`lock.rs`) calls
//! [`recover`], which rolls the write forward when every file not yet
//! replaced still has its temporary file, and otherwise puts every original
//! back from its backup; either way it removes every temporary file and
//! says which it did. A full disk fails while the temporary files are
//! written, before any original is touched; when the k-th rename fails (an
//! immutable file, a file turned into a folder) the files already replaced
//! are put back from their backups.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Result, bail};

/// The journal of a multi-file write, relative to the root it writes under.
pub(crate) const JOURNAL: &str = ".scratch/xtask.journal";

/// Replace the contents of one file: `before` is what the plan was made from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FileEdit {
    /// Relative to the root it is written under, with `/` separators.
    pub path: String,
    pub before: String,
    pub after: String,
}

/// The step of a replacement, for fault injection in tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Writing the new text to the temporary file.
    Write,
    /// Renaming the temporary file over the original.
    Rename,
}

/// Writes every edit or none. Each file must still hold `before`, be a
/// regular file inside `root` and be writable; otherwise nothing is written.
pub(crate) fn write_all(root: &Path, edits: &[FileEdit]) -> Result<()> {
    write_all_with(root, edits, &mut |_, _, _| Ok(()))
}

/// One file of a journaled write: where it is, and its two companions.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    target: PathBuf,
    temp: PathBuf,
    backup: PathBuf,
    /// A digest of the new text ([`digest`]), to tell a replaced file from
    /// an old one.
    digest: u64,
}

/// FNV-1a of `bytes`: enough to tell the new text from the old (not a
/// defence against forgery: the journal lives in the repository's own
/// `.scratch/`).
fn digest(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        hash = (hash ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// The digest of the file at `path`, if it is a regular file.
fn digest_of(path: &Path) -> Option<u64> {
    let meta = std::fs::symlink_metadata(path).ok()?;
    if !meta.is_file() {
        return None;
    }
    std::fs::read(path).ok().map(|bytes| digest(&bytes))
}

/// [`write_all`] with `fault` called before each step of each file (its
/// index in `edits`, the file, the step): an error it returns is that step's.
fn write_all_with(
    root: &Path,
    edits: &[FileEdit],
    fault: &mut dyn FnMut(usize, &Path, Stage) -> std::io::Result<()>,
) -> Result<()> {
    if edits.is_empty() {
        return Ok(());
    }
    let mut targets = Vec::with_capacity(edits.len());
    for edit in edits {
        targets.push(preflight(root, edit)?);
    }
    let entries: Vec<Entry> = edits
        .iter()
        .zip(&targets)
        .map(|(edit, target)| Entry {
            temp: beside(&target.real, "tmp"),
            backup: beside(&target.real, "old"),
            target: target.real.clone(),
            digest: digest(edit.after.as_bytes()),
        })
        .collect();
    // The journal first: a kill from here on leaves a record of every file
    // this run may create.
    let mut journal = Journal::create(root, &entries)?;
    // Phase 1: every temporary file; a failure here changed nothing. The
    // fault hook is asked first, in order; the files are then written on
    // a few threads (see [`each_in_parallel`]).
    let faulted = (0..edits.len()).find_map(|i| {
        fault(i, &targets[i].real, Stage::Write)
            .err()
            .map(|err| (i, err))
    });
    if let Some((i, err)) = faulted {
        journal.remove();
        let err = Failure {
            what: "cannot write a temporary file beside it",
            err,
        };
        bail!(
            "{} could not be written ({err}); no file was changed",
            edits[i].path
        );
    }
    let written = each_in_parallel(&entries, |i, entry| {
        write_temp(&entry.temp, &edits[i].after, targets[i].mode.clone())
    });
    if let Some((i, err)) = written
        .into_iter()
        .enumerate()
        .find_map(|(i, w)| w.err().map(|e| (i, e)))
    {
        discard(&entries);
        journal.remove();
        bail!(
            "{} could not be written ({err}); no file was changed",
            edits[i].path
        );
    }
    // A backup of each original (a hard link: no byte copied), for undoing.
    let backups = each_in_parallel(&entries, |i, entry| {
        keep_backup(&entry.target, &entry.backup, &edits[i].before)
    });
    if let Some((i, err)) = backups
        .into_iter()
        .enumerate()
        .find_map(|(i, b)| b.err().map(|e| (i, e)))
    {
        discard(&entries);
        journal.remove();
        bail!(
            "{} could not be written (cannot keep a backup of it beside it: {err}); no file was changed",
            edits[i].path
        );
    }
    // The commit point: from here, a killed run is rolled forward.
    if let Err(err) = journal.mark("rename") {
        discard(&entries);
        journal.remove();
        bail!("cannot write the journal {JOURNAL} ({err}); no file was changed");
    }
    // Phase 2: the renames.
    for (i, (edit, entry)) in edits.iter().zip(&entries).enumerate() {
        let renamed = fault(i, &entry.target, Stage::Rename)
            .and_then(|()| std::fs::rename(&entry.temp, &entry.target))
            .map_err(|err| Failure {
                what: "cannot replace it",
                err,
            });
        if let Err(err) = renamed {
            // From here, a killed run is undone, not rolled forward.
            let _ = journal.mark("undo");
            let unrestored = undo(&entries, &edits.iter().map(|e| &e.path).collect::<Vec<_>>());
            let restored = if unrestored.is_empty() {
                journal.remove();
                if i == 0 {
                    "no file was changed".to_string()
                } else {
                    format!("no file was changed (the {i} file(s) already written were put back)")
                }
            } else {
                format!(
                    "these files were written by this run and could not be put back yet: {}; their previous contents are kept beside them (`.<name>.xtask-{}.old`), and the next cargo xtask command (for example `cargo xtask verify`) puts them back",
                    unrestored.join(", "),
                    std::process::id()
                )
            };
            bail!("{} could not be written ({err}); {restored}", edit.path);
        }
    }
    // Done: the backups, then the journal.
    each_in_parallel(&entries, |_, entry| {
        let _ = std::fs::remove_file(&entry.backup);
    });
    journal.remove();
    Ok(())
}

/// `work` for every entry (with its index), on up to 8 threads when there
/// are many: creating and removing files waits on the disk (a removed file
/// is discarded synchronously on some file systems, about 2 ms each), and
/// those waits overlap; the results are in the order of `entries`.
fn each_in_parallel<R: Send>(
    entries: &[Entry],
    work: impl Fn(usize, &Entry) -> R + Sync,
) -> Vec<R> {
    const THREADS: usize = 8;
    if entries.len() < 64 {
        return entries
            .iter()
            .enumerate()
            .map(|(i, e)| work(i, e))
            .collect();
    }
    let chunk = entries.len().div_ceil(THREADS);
    std::thread::scope(|scope| {
        let work = &work;
        let handles: Vec<_> = entries
            .chunks(chunk)
            .enumerate()
            .map(|(c, part)| {
                scope.spawn(move || {
                    part.iter()
                        .enumerate()
                        .map(|(j, e)| work(c * chunk + j, e))
                        .collect::<Vec<R>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a file worker does not panic"))
            .collect()
    })
}

/// Removes every temporary file and backup of `entries`.
fn discard(entries: &[Entry]) {
    for entry in entries {
        let _ = std::fs::remove_file(&entry.temp);
        let _ = std::fs::remove_file(&entry.backup);
    }
}

/// Puts every original that was replaced back from its backup, and
/// removes the temporary files and the other backups; returns the files
/// (as `names`, with why) that could not be put back.
fn undo(entries: &[Entry], names: &[&String]) -> Vec<String> {
    let mut unrestored = Vec::new();
    for (entry, name) in entries.iter().zip(names) {
        // A file whose temporary file is still there was never replaced.
        if std::fs::symlink_metadata(&entry.temp).is_ok() {
            let _ = std::fs::remove_file(&entry.temp);
            let _ = std::fs::remove_file(&entry.backup);
            continue;
        }
        if std::fs::symlink_metadata(&entry.backup).is_err() {
            continue; // Never started: no temporary file, no backup.
        }
        match std::fs::rename(&entry.backup, &entry.target) {
            // A backup that is still a link of the file itself (it was
            // never replaced) stays after the rename: it is not needed.
            Ok(()) => {
                let _ = std::fs::remove_file(&entry.backup);
            }
            Err(err) => unrestored.push(format!("{name} (cannot put it back: {err})")),
        }
    }
    unrestored
}

/// Keeps the original of `target` as `backup`: a hard link, or a copy
/// where the file system has none. Checks it still holds `before`.
fn keep_backup(target: &Path, backup: &Path, before: &str) -> std::io::Result<()> {
    let _ = std::fs::remove_file(backup);
    if std::fs::hard_link(target, backup).is_err() {
        std::fs::copy(target, backup)?;
    }
    if std::fs::metadata(backup)?.len() != before.len() as u64 {
        let _ = std::fs::remove_file(backup);
        return Err(std::io::Error::other("it changed while the xtask ran"));
    }
    Ok(())
}

/// The journal of the running write, on disk.
struct Journal {
    file: std::fs::File,
    path: PathBuf,
}

impl Journal {
    /// Writes the header and every entry, durably, before any file is made.
    fn create(root: &Path, entries: &[Entry]) -> Result<Journal> {
        let path = root.join(JOURNAL);
        let dir = path.parent().expect("JOURNAL has a folder");
        let io = |err: std::io::Error| {
            anyhow::anyhow!("cannot write the journal {JOURNAL} ({err}); no file was changed")
        };
        std::fs::create_dir_all(dir).map_err(io)?;
        if path.exists() {
            bail!(
                "{JOURNAL} holds the journal of an interrupted write that is not completed yet; no file was changed: run `cargo xtask verify`, which completes or undoes it, then run the command again"
            );
        }
        let command = std::env::args().skip(1).collect::<Vec<_>>().join(" ");
        let mut text = serde_json::json!({
            "xtask-journal": 1,
            "pid": std::process::id(),
            "command": crate::secrets::redact(&command),
            "files": entries.len(),
        })
        .to_string();
        text.push('\n');
        for entry in entries {
            text.push_str(
                &serde_json::json!([
                    entry.target.to_string_lossy(),
                    entry.temp.to_string_lossy(),
                    entry.backup.to_string_lossy(),
                    format!("{:016x}", entry.digest)
                ])
                .to_string(),
            );
            text.push('\n');
        }
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .create_new(true)
            .open(&path)
            .map_err(io)?;
        let written = file
            .write_all(text.as_bytes())
            .and_then(|()| file.sync_all())
            .and_then(|()| sync_dir(dir));
        if let Err(err) = written {
            let _ = std::fs::remove_file(&path);
            return Err(io(err));
        }
        Ok(Journal { file, path })
    }

    /// Appends a state line (`rename`, `undo`) and makes it durable.
    fn mark(&mut self, state: &str) -> std::io::Result<()> {
        self.file.write_all(format!("{state}\n").as_bytes())?;
        self.file.sync_data()
    }

    fn remove(self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Makes a folder's entries durable (a new or removed file in it).
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        std::fs::File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

/// A journal read back: what an interrupted run was doing.
#[derive(Debug)]
struct Leftover {
    pid: u64,
    command: String,
    /// Every entry was written (the journal is complete).
    complete: bool,
    entries: Vec<Entry>,
    /// `rename` was reached: originals may have been replaced.
    renaming: bool,
    /// `undo` was reached: the run was putting originals back.
    undoing: bool,
}

fn read_leftover(root: &Path, text: &str) -> Result<Leftover> {
    // Only whole lines: a kill mid-append leaves a partial last line.
    let whole = match text.rfind('\n') {
        Some(end) => &text[..=end],
        None => "",
    };
    let mut lines = whole.lines();
    let header: serde_json::Value = match lines.next().map(serde_json::from_str) {
        Some(Ok(header)) => header,
        // Killed while the header was written: no file was made yet.
        _ => {
            return Ok(Leftover {
                pid: 0,
                command: String::new(),
                complete: false,
                entries: Vec::new(),
                renaming: false,
                undoing: false,
            });
        }
    };
    let files = header["files"].as_u64().unwrap_or(0);
    let mut entries = Vec::new();
    let (mut renaming, mut undoing) = (false, false);
    for line in lines {
        match line {
            "rename" => renaming = true,
            "undo" => undoing = true,
            _ => {
                let value: serde_json::Value = serde_json::from_str(line)
                    .map_err(|err| anyhow::anyhow!("{JOURNAL} is damaged ({err})"))?;
                let path = |i: usize| value[i].as_str().map(PathBuf::from);
                let digest = value[3]
                    .as_str()
                    .and_then(|d| u64::from_str_radix(d, 16).ok());
                let (Some(target), Some(temp), Some(backup), Some(digest)) =
                    (path(0), path(1), path(2), digest)
                else {
                    bail!("{JOURNAL} is damaged (an entry is not [target, temp, backup, digest])");
                };
                let entry = Entry {
                    target,
                    temp,
                    backup,
                    digest,
                };
                confined(root, &entry)?;
                entries.push(entry);
            }
        }
    }
    Ok(Leftover {
        pid: header["pid"].as_u64().unwrap_or(0),
        command: header["command"].as_str().unwrap_or_default().to_string(),
        complete: entries.len() as u64 == files,
        entries,
        renaming,
        undoing,
    })
}

/// A journal entry names a file inside `root` and, beside it, the
/// companions this module names: nothing else is ever renamed or removed.
fn confined(root: &Path, entry: &Entry) -> Result<()> {
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let name = entry.target.file_name().map(|n| n.to_string_lossy());
    let companion = |path: &Path, what: &str| {
        path.parent() == entry.target.parent()
            && path.file_name().is_some_and(|n| {
                let n = n.to_string_lossy();
                name.as_ref().is_some_and(|name| {
                    n.strip_prefix(&format!(".{name}.xtask-"))
                        .and_then(|rest| rest.strip_suffix(&format!(".{what}")))
                        .is_some_and(|pid| {
                            !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit())
                        })
                })
            })
    };
    if entry.target.is_absolute()
        && entry.target.starts_with(&root)
        && companion(&entry.temp, "tmp")
        && companion(&entry.backup, "old")
    {
        Ok(())
    } else {
        bail!(
            "{JOURNAL} names {}, which is not a file of this repository with its temporary files beside it: remove {JOURNAL} by hand after checking `git status`",
            entry.target.display()
        )
    }
}

/// What [`recover`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Recovery {
    /// Every file now holds the new text.
    RolledForward,
    /// Every file holds its old text again.
    Undone,
}

/// Completes or undoes the write a killed run left (its journal), and
/// removes its temporary files and backups. `None` when there was none;
/// else what was done, with a sentence for people. Call it holding the
/// repository lock.
pub(crate) fn recover(root: &Path) -> Result<Option<(Recovery, String)>> {
    let path = root.join(JOURNAL);
    let text = match std::fs::read(&path) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) => bail!("cannot read {JOURNAL}, the journal of an interrupted write ({err})"),
    };
    let left = read_leftover(root, &text)?;
    let who = if left.pid == 0 {
        "an interrupted write".to_string()
    } else {
        format!(
            "the write of `cargo xtask {}` (pid {}), which was interrupted",
            left.command, left.pid
        )
    };
    let n = left.entries.len();
    let relative = |p: &Path| {
        let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
        p.strip_prefix(&root).unwrap_or(p).display().to_string()
    };
    // Roll forward only what can be: each file either replaced already, or
    // with its whole temporary file still there.
    let forward = left.complete
        && left.renaming
        && !left.undoing
        && left.entries.iter().all(|e| {
            if std::fs::symlink_metadata(&e.temp).is_ok() {
                digest_of(&e.temp) == Some(e.digest)
            } else {
                digest_of(&e.target) == Some(e.digest)
            }
        });
    let outcome = if forward {
        let mut done = 0;
        for entry in &left.entries {
            if entry.temp.exists() {
                std::fs::rename(&entry.temp, &entry.target).map_err(|err| {
                    anyhow::anyhow!(
                        "cannot complete {who}: {} cannot be replaced ({err}); {JOURNAL} is kept, so the next command tries again",
                        relative(&entry.target)
                    )
                })?;
            } else {
                done += 1;
            }
        }
        for entry in &left.entries {
            let _ = std::fs::remove_file(&entry.backup);
        }
        (
            Recovery::RolledForward,
            format!(
                "completed {who}: {done} of its {n} file(s) had been replaced, now every one holds the new text (rolled forward); review `git diff`"
            ),
        )
    } else {
        let names: Vec<String> = left.entries.iter().map(|e| relative(&e.target)).collect();
        let refs: Vec<&String> = names.iter().collect();
        let unrestored = undo(&left.entries, &refs);
        if !unrestored.is_empty() {
            bail!(
                "cannot undo {who}: {}; {JOURNAL} and the backups (`.<name>.xtask-<pid>.old` beside each file) are kept, so the next command tries again",
                unrestored.join(", ")
            );
        }
        let why = if left.renaming {
            "it had not replaced every file and could not be completed"
        } else {
            "it was killed before it replaced any file"
        };
        (
            Recovery::Undone,
            format!(
                "undid {who}: {why}, so each of its {n} file(s) holds its old text again (undone)"
            ),
        )
    };
    std::fs::remove_file(&path)
        .map_err(|err| anyhow::anyhow!("cannot remove {JOURNAL} after recovering ({err})"))?;
    Ok(Some((
        outcome.0,
        format!("{}; its temporary files were removed", outcome.1),
    )))
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
struct Target {
    real: PathBuf,
    mode: std::fs::Permissions,
}

/// Every check that needs no write: the file still holds `before`, it is a
/// regular file of the repository, and it is not read-only.
fn preflight(root: &Path, edit: &FileEdit) -> Result<Target> {
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
            crate::words::quote(&edit.path)
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
    Ok(Target {
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

/// Writes `text` to `temp`, a new file beside its target, with the
/// target's permissions; on failure, removes it.
fn write_temp(
    temp: &Path,
    text: &str,
    mode: std::fs::Permissions,
) -> std::result::Result<(), Failure> {
    let fail = |what: &'static str| move |err: std::io::Error| Failure { what, err };
    let written = (|| {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(temp)
            .map_err(fail("cannot create a temporary file beside it"))?;
        file.write_all(text.as_bytes())
            .map_err(fail("cannot write a temporary file beside it"))?;
        // No fsync per file: it costs tens of milliseconds per file on slow
        // disks (xtask/bench/sites.py), and ext4, the usual case, flushes a
        // file renamed over another before the rename (auto_da_alloc). A
        // kill is covered by the journal, which is synced.
        file.set_permissions(mode)
            .map_err(fail("cannot set the permissions of a temporary file"))
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(temp);
    }
    written
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

    /// A run "killed" (a panic that unwinds past the write) at each rename:
    /// [`recover`] rolls it forward; with a pending temporary file gone, it
    /// undoes it. Either way no companion file and no journal is left.
    #[test]
    fn a_write_killed_at_any_rename_is_rolled_forward_or_undone() {
        for killed_at in 0..3 {
            for lose_a_temp in [false, true] {
                let dir = temp_dir(&format!("kill-{killed_at}-{lose_a_temp}"));
                let edits = three(&dir);
                let killed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    write_all_with(&dir, &edits, &mut |i, _, s| {
                        if i == killed_at && s == Stage::Rename {
                            panic!("killed");
                        }
                        Ok(())
                    })
                }));
                assert!(killed.is_err());
                assert!(dir.join(JOURNAL).exists());
                if lose_a_temp {
                    let name = ["a", "b", "c"][killed_at];
                    std::fs::remove_file(beside(&dir.join(name), "tmp")).unwrap();
                }
                let (what, said) = recover(&dir).unwrap().unwrap();
                assert!(!dir.join(JOURNAL).exists());
                if lose_a_temp {
                    assert_eq!(what, Recovery::Undone, "{said}");
                    assert_old(&dir);
                } else {
                    assert_eq!(what, Recovery::RolledForward, "{said}");
                    assert!(
                        said.contains(&format!("{killed_at} of its 3 file(s)")),
                        "{said}"
                    );
                    for name in ["a", "b", "c"] {
                        let text = std::fs::read_to_string(dir.join(name)).unwrap();
                        assert_eq!(text, format!("new {name}\n"));
                    }
                }
                assert_eq!(recover(&dir).unwrap(), None, "once is enough");
            }
        }
    }

    #[test]
    fn a_journal_naming_a_file_outside_is_refused() {
        let dir = temp_dir("outside");
        std::fs::create_dir_all(dir.join(".scratch")).unwrap();
        std::fs::write(
            dir.join(JOURNAL),
            "{\"xtask-journal\":1,\"pid\":1,\"command\":\"x\",\"files\":1}\n[\"/etc/passwd\",\"/etc/.passwd.xtask-1.tmp\",\"/etc/.passwd.xtask-1.old\",\"0\"]\nrename\n",
        )
        .unwrap();
        let err = recover(&dir).unwrap_err().to_string();
        assert!(err.contains("is not a file of this repository"), "{err}");
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
