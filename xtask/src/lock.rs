//! One writer at a time: an exclusive lock on the repository, held by every
//! command that writes files, evidence, tags or blockers; readers of the
//! version sites (`verify`, `versions`, `changelog`, dry runs) share it, so
//! they never see a write half done.
//!
//! The lock is the operating system's file lock (`File::try_lock`) on
//! `.scratch/xtask.lock`, so it is released when its process ends, however it
//! ends; the file itself only tells a waiting run who holds it, and is
//! removed when the last holder is done. Whoever takes the lock first
//! completes or undoes the write a killed run left (`fsx::recover`).

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// The lock file, relative to the repository root (`.scratch/` is git-ignored).
pub(crate) const PATH: &str = ".scratch/xtask.lock";

/// How long a second run waits for the holder before it refuses.
const WAIT: Duration = Duration::from_secs(5);

/// Held while alive; dropping it (or the process ending) releases the lock.
#[derive(Debug)]
pub(crate) struct RepoLock {
    file: File,
    path: PathBuf,
    /// `.scratch/` did not exist before: removed again if empty.
    made_dir: bool,
    /// Shared by readers, rather than held by one writer.
    shared: bool,
}

impl RepoLock {
    /// A reader that finds a killed run's journal takes the lock alone for
    /// a moment to complete it (other readers would see it half done).
    fn recover_shared(&self, root: &Path) {
        if !root.join(crate::fsx::JOURNAL).exists() {
            return;
        }
        // Converting the lock: only when no other reader holds it.
        let start = Instant::now();
        loop {
            match self.file.try_lock() {
                Ok(()) => break,
                Err(_) if start.elapsed() < WAIT => std::thread::sleep(Duration::from_millis(25)),
                Err(_) => {
                    warn_unrecovered(root);
                    return;
                }
            }
        }
        if let Err(err) = recover(root) {
            crate::ui::note(&format!("warning: {err:#}"));
        }
        let _ = self.file.lock_shared();
    }
}

/// Takes the repository lock, waiting up to [`WAIT`] for another run to
/// finish; then refuses, naming the run that holds it.
pub(crate) fn acquire(root: &Path) -> Result<RepoLock> {
    let command = std::env::args().skip(1).collect::<Vec<_>>().join(" ");
    acquire_as(root, &command, WAIT)
}

/// [`acquire`] for a run that writes; a dry run only reads and shares it
/// ([`acquire_shared`]). Held from the first read to the last write, so two
/// runs never interleave.
pub(crate) fn acquire_for_writes(root: &Path, writes: bool) -> Result<Option<RepoLock>> {
    if writes {
        acquire(root).map(Some)
    } else {
        Ok(acquire_shared(root))
    }
}

/// The lock shared by readers: waits up to [`WAIT`] for a writer to finish
/// (a bump takes milliseconds). A writer that holds it longer (a release
/// waiting for its build) is named in a warning that says a write may be
/// in progress, and the read goes on. A repository where the lock cannot
/// be made (a read-only checkout) is read without it.
pub(crate) fn acquire_shared(root: &Path) -> Option<RepoLock> {
    acquire_shared_as(root, WAIT)
}

/// Opens (or makes) the lock file, keeping what it holds: the holder's note.
fn open(path: &Path) -> std::io::Result<std::fs::File> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
}

fn acquire_shared_as(root: &Path, wait: Duration) -> Option<RepoLock> {
    let path = root.join(PATH);
    let dir = path.parent().expect("PATH has a folder");
    let start = Instant::now();
    loop {
        let made_dir = !dir.exists();
        if std::fs::create_dir_all(dir).is_err() {
            warn_unrecovered(root);
            return None;
        }
        let mut file = match open(&path) {
            Ok(file) => file,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => continue,
            Err(_) => {
                warn_unrecovered(root);
                return None;
            }
        };
        match file.try_lock_shared() {
            Ok(()) if same_file(&file, &path) => {
                let lock = RepoLock {
                    file,
                    path,
                    made_dir,
                    shared: true,
                };
                lock.recover_shared(root);
                return Some(lock);
            }
            Ok(()) => continue,
            Err(TryLockError::WouldBlock) if start.elapsed() < wait => {
                std::thread::sleep(Duration::from_millis(25));
            }
            Err(TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                crate::ui::note(&format!(
                    "warning: another cargo xtask holds the repository lock ({}), so a write may be in progress: what follows may show it half done; run the command again when it has finished",
                    describe(&holder)
                ));
                return None;
            }
            Err(TryLockError::Error(_)) => {
                warn_unrecovered(root);
                return None;
            }
        }
    }
}

/// Says that a killed run's write is left, when this run cannot complete it.
fn warn_unrecovered(root: &Path) {
    if root.join(crate::fsx::JOURNAL).exists() {
        crate::ui::note(&format!(
            "warning: {} holds the journal of an interrupted write, which this run cannot complete (the repository lock {PATH} cannot be taken): some version sites may hold the new version and some the old",
            crate::fsx::JOURNAL
        ));
    }
}

/// Completes or undoes a killed run's write, printing which; a failure to
/// is an error, since the files may be half written.
fn recover(root: &Path) -> Result<()> {
    if let Some((_, said)) = crate::fsx::recover(root)? {
        crate::ui::note(&format!("note: {said}"));
    }
    Ok(())
}

fn acquire_as(root: &Path, command: &str, wait: Duration) -> Result<RepoLock> {
    let path = root.join(PATH);
    let dir = path.parent().expect("PATH has a folder");
    let start = Instant::now();
    let mut file = loop {
        let made_dir = !dir.exists();
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create {} for the repository lock", dir.display()))?;
        let mut file = match open(&path) {
            Ok(file) => file,
            // The holder removed the folder as it left: make it again.
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => continue,
            Err(err) => {
                return Err(err).with_context(|| format!("cannot open the repository lock {PATH}"));
            }
        };
        match file.try_lock() {
            // The holder removes the file as it leaves: a lock on a removed
            // file locks nothing, so look again.
            Ok(()) if same_file(&file, &path) => {
                break RepoLock {
                    file,
                    path,
                    made_dir,
                    shared: false,
                };
            }
            Ok(()) => continue,
            Err(TryLockError::WouldBlock) if start.elapsed() < wait => {
                std::thread::sleep(Duration::from_millis(25));
            }
            Err(TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                let holder = describe(&holder);
                bail!(
                    "another cargo xtask is changing this repository ({holder}); waited {}s for it: let it finish (or stop it), then run the command again. The lock is {PATH}, released when that process ends",
                    wait.as_secs()
                );
            }
            Err(TryLockError::Error(err)) => {
                return Err(err).with_context(|| format!("cannot lock {PATH}"));
            }
        }
    };
    let note = format!(
        "pid {}\ncommand cargo xtask {}\nstarted {}\n",
        std::process::id(),
        crate::secrets::redact(command),
        crate::clock::now_utc()
    );
    // Best effort: the lock holds whether or not the note is written.
    let _ = file
        .file
        .set_len(0)
        .and_then(|()| file.file.seek(SeekFrom::Start(0)))
        .and_then(|_| file.file.write_all(note.as_bytes()));
    recover(root)?;
    Ok(file)
}

/// Whether `file` is still the file at `path`.
fn same_file(file: &File, path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (file.metadata(), std::fs::metadata(path)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (file, path);
        true
    }
}

impl Drop for RepoLock {
    /// Leaves no file behind: removed while still locked, so a waiter that
    /// opened it sees it is gone and opens the next one.
    fn drop(&mut self) {
        // A reader removes the file only when it is the last holder.
        if self.shared && self.file.try_lock().is_err() {
            return;
        }
        if cfg!(unix) {
            let _ = std::fs::remove_file(&self.path);
            if self.made_dir {
                let _ = std::fs::remove_dir(self.path.parent().expect("a folder"));
            }
        }
    }
}

/// `pid 123, cargo xtask bump minor, since 2026-01-15T10:00:00Z`.
fn describe(note: &str) -> String {
    let field = |key: &str| {
        note.lines()
            .find_map(|l| l.strip_prefix(key).map(|v| v.trim().to_string()))
    };
    match (field("pid "), field("command "), field("started ")) {
        (Some(pid), Some(command), started) => {
            let since = started.map(|s| format!(", since {s}")).unwrap_or_default();
            format!("pid {pid}, `{command}`{since}")
        }
        _ => "a run that has not said who it is yet".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_with_the_first_named() {
        let dir = std::env::temp_dir().join(format!("xtask-lock-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let first = acquire_as(&dir, "bump minor", Duration::ZERO).unwrap();
        let err = acquire_as(&dir, "bump patch", Duration::from_millis(60))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(&format!(
                "pid {}, `cargo xtask bump minor`",
                std::process::id()
            )),
            "{err}"
        );
        drop(first);
        let again = acquire_as(&dir, "bump patch", Duration::ZERO);
        assert!(again.is_ok(), "released on drop");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
