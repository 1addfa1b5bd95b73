//! Shared helpers: temporary repositories made from fixture trees, running
//! the real binary, and comparing trees byte for byte.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The date bumps write into changelogs during tests.
pub(crate) const TODAY: &str = "2026-01-15";

pub(crate) fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// The root of this repository (the plasmite workspace).
pub(crate) fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// A temporary git repository holding a copy of a fixture tree.
pub(crate) struct TempRepo {
    pub dir: PathBuf,
}

impl TempRepo {
    /// Copies `fixtures/<tree>` into a fresh temporary directory and commits it.
    pub(crate) fn new(tree: &str) -> TempRepo {
        TempRepo::make(|dir| copy_tree(&fixtures().join(tree), dir))
    }

    /// A copy of this repository's own files (tracked, or untracked and not
    /// ignored, as they are in the working tree), committed in a fresh repository.
    pub(crate) fn of_workspace() -> TempRepo {
        let root = workspace_root();
        let out = Command::new("git")
            .args([
                "ls-files",
                "-z",
                "--cached",
                "--others",
                "--exclude-standard",
            ])
            .current_dir(&root)
            .output()
            .expect("git ls-files runs");
        assert!(out.status.success());
        TempRepo::make(|dir| {
            for rel in String::from_utf8_lossy(&out.stdout)
                .split('\0')
                .filter(|r| !r.is_empty())
            {
                let from = root.join(rel);
                if from.is_file() {
                    let to = dir.join(rel);
                    std::fs::create_dir_all(to.parent().unwrap()).unwrap();
                    std::fs::copy(&from, &to).unwrap();
                }
            }
        })
    }

    /// A copy of `fixtures/<tree>` with an empty `.git` folder and no
    /// history: enough for commands that do not run git, and quick to make
    /// (`git init` and a commit cost a lot on slow disks).
    pub(crate) fn plain(tree: &str) -> TempRepo {
        let dir = TempRepo::fresh_dir();
        copy_tree(&fixtures().join(tree), &dir);
        std::fs::create_dir(dir.join(".git")).unwrap();
        TempRepo { dir }
    }

    fn fresh_dir() -> PathBuf {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let base = std::env::temp_dir().join(format!("xtask-it-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        let dir = base.join("repo");
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn make(fill: impl FnOnce(&Path)) -> TempRepo {
        let dir = TempRepo::fresh_dir();
        fill(&dir);
        let repo = TempRepo { dir };
        repo.git(&["init", "--quiet", "--initial-branch=main"]);
        repo.git(&["add", "--all"]);
        repo.git(&["commit", "--quiet", "-m", "fixture"]);
        repo
    }

    /// A fixture repository with a bare `origin` and the fake `gh` and `ergo`.
    ///
    /// History: the fixture tree, tagged `v1.4.2` (the base of the release),
    /// then one more commit; `main` and the tag are pushed. The fakes are
    /// copied from `fixtures/fakes` to `<base>/fakes`; their state and logs
    /// go to `<base>/fakes/state`.
    pub(crate) fn with_origin(tree: &str) -> TempRepo {
        let repo = TempRepo::new(tree);
        repo.git(&["tag", "-a", "v1.4.2", "-m", "Release v1.4.2"]);
        repo.git(&["commit", "--quiet", "--allow-empty", "-m", "prepare 1.5.0"]);
        repo.attach_origin();
        repo
    }

    /// A fixture repository, edited by `edit` before its first commit, with
    /// a bare `origin` (no tags) and the fake `gh` and `ergo`.
    pub(crate) fn with_fresh_origin(tree: &str, edit: impl FnOnce(&Path)) -> TempRepo {
        let repo = TempRepo::make(|dir| {
            copy_tree(&fixtures().join(tree), dir);
            edit(dir);
        });
        repo.attach_origin();
        repo
    }

    /// Makes `<base>/origin.git`, pushes `main` and the tags to it, and
    /// copies the fakes to `<base>/fakes`.
    fn attach_origin(&self) {
        let repo = self;
        let origin = repo.base().join("origin.git");
        let out = Command::new("git")
            .args(["init", "--quiet", "--bare", "--initial-branch=main"])
            .arg(&origin)
            .output()
            .unwrap();
        assert!(out.status.success());
        repo.git(&["remote", "add", "origin", origin.to_str().unwrap()]);
        repo.git(&["push", "--quiet", "origin", "main", "--tags"]);
        repo.git(&["branch", "--quiet", "--set-upstream-to=origin/main"]);
        copy_tree(&fixtures().join("fakes"), &repo.base().join("fakes"));
        std::fs::create_dir_all(repo.fake_state()).unwrap();
    }

    /// The temporary directory holding the repository, `origin.git` and the fakes.
    pub(crate) fn base(&self) -> PathBuf {
        self.dir.parent().unwrap().to_path_buf()
    }

    /// Where [`TempRepo::xtask_on_terminal`] keeps the terminal's output.
    pub(crate) fn terminal_log(&self) -> PathBuf {
        self.base().join("terminal.log")
    }

    /// Where the fakes keep their state and logs (`FAKE_DIR`).
    pub(crate) fn fake_state(&self) -> PathBuf {
        self.base().join("fakes/state")
    }

    /// Runs the xtask with the fakes first on `PATH` (and no real gh or ergo
    /// on it), plus `env`.
    pub(crate) fn xtask_with(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        self.xtask_with_tools(&self.base().join("fakes/bin"), args, env)
    }

    /// Runs the xtask with the programs in `tools` first on `PATH` (and no
    /// other gh or ergo on it), plus `env`.
    pub(crate) fn xtask_with_tools(
        &self,
        tools: &Path,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> Run {
        let mut command = self.command(tools, env!("CARGO_BIN_EXE_xtask"), env);
        command.args(args);
        let out = command.output().expect("the xtask binary runs");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Runs the xtask as `xtask_with` does, on a terminal: `script` gives it
    /// a pseudo-terminal and records what it drew (stdout and stderr alike).
    pub(crate) fn xtask_on_terminal(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let line: Vec<String> = std::iter::once(env!("CARGO_BIN_EXE_xtask"))
            .chain(args.iter().copied())
            .map(|w| format!("'{}'", w.replace('\'', r"'\''")))
            .collect();
        let mut command = self.command(&self.base().join("fakes/bin"), "script", env);
        // The terminal's output is also kept, as it is written, in
        // `terminal_log()`: a gate can wait there for a line to appear.
        let log = self.terminal_log();
        let _ = std::fs::remove_file(&log);
        command.args(["-qfec", &line.join(" ")]).arg(&log);
        let out = command.output().expect("script runs");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// `program` in the repository with the fakes first on `PATH` (and no
    /// real gh or ergo on it), the tests' fixed environment, plus `env`.
    fn command(&self, tools: &Path, program: &str, env: &[(&str, &str)]) -> Command {
        let first = [Some(tools.to_path_buf()), python_dir()];
        let path = std::env::join_paths(
            first
                .into_iter()
                .flatten()
                .chain(system_path().iter().cloned()),
        )
        .unwrap();
        let mut command = Command::new(program);
        command
            .current_dir(&self.dir)
            .env("PATH", path)
            .env("FAKE_DIR", self.fake_state())
            .env("XTASK_TODAY", TODAY)
            .env("GIT_AUTHOR_NAME", "Test")
            .env("GIT_AUTHOR_EMAIL", "test@example.com")
            .env("GIT_COMMITTER_NAME", "Test")
            .env("GIT_COMMITTER_EMAIL", "test@example.com")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            // The release fixture polls the fake gh every few ms (docs/config.md).
            .env("XTASK_TEST_FAST_POLLS", "1");
        for var in [
            "GH_TOKEN",
            "GITHUB_TOKEN",
            "CARGO_REGISTRY_TOKEN",
            "NPM_TOKEN",
            "PYPI_API_TOKEN",
            "FAIL_GATE",
            "SLOW_GATE",
            "NO_COLOR",
        ] {
            command.env_remove(var);
        }
        for (k, v) in env {
            command.env(k, v);
        }
        command
    }

    /// Writes the fake gh's scenario.
    pub(crate) fn gh_scenario(&self, scenario: serde_json::Value) {
        std::fs::write(
            self.fake_state().join("gh-scenario.json"),
            scenario.to_string(),
        )
        .unwrap();
    }

    fn json_lines(&self, name: &str) -> Vec<serde_json::Value> {
        std::fs::read_to_string(self.fake_state().join(name))
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    /// Every call the fake gh got: `{"argv": […], "stdin": …, "origin_tags": […]}`.
    pub(crate) fn gh_log(&self) -> Vec<serde_json::Value> {
        self.json_lines("gh.log")
    }

    /// Every call the fake ergo got: `{"argv": […], "stdin": …, "file": …}`.
    pub(crate) fn ergo_log(&self) -> Vec<serde_json::Value> {
        self.json_lines("ergo.log")
    }

    /// The argv of each call, joined with spaces.
    pub(crate) fn gh_calls(&self) -> Vec<String> {
        argv_lines(&self.gh_log())
    }

    pub(crate) fn ergo_calls(&self) -> Vec<String> {
        argv_lines(&self.ergo_log())
    }

    /// The epics and tasks the fake ergo holds in the repository's `.ergo/`.
    pub(crate) fn ergo_items(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(self.dir.join(".ergo/backlog.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    /// Runs the fake ergo in the repository, as a person would (`ergo done <ID>`).
    pub(crate) fn ergo(&self, args: &[&str]) -> Run {
        self.fake("ergo", args)
    }

    /// Runs the fake `gh` or `ergo` in the repository, as a person would.
    pub(crate) fn fake(&self, tool: &str, args: &[&str]) -> Run {
        let out = Command::new(self.base().join("fakes/bin").join(tool))
            .args(args)
            .current_dir(&self.dir)
            .env("FAKE_DIR", self.fake_state())
            .stdin(std::process::Stdio::null())
            .output()
            .expect("the fake runs");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// The workflow runs the fake gh knows.
    pub(crate) fn gh_runs(&self) -> Vec<serde_json::Value> {
        let text = std::fs::read_to_string(self.fake_state().join("gh-state.json"))
            .unwrap_or_else(|_| r#"{"runs":[]}"#.to_string());
        let state: serde_json::Value = serde_json::from_str(&text).unwrap();
        state["runs"].as_array().unwrap().clone()
    }

    /// Local tags.
    pub(crate) fn tags(&self) -> Vec<String> {
        self.git(&["tag", "--list"])
            .lines()
            .map(String::from)
            .collect()
    }

    /// Tags on origin, from `git ls-remote`.
    pub(crate) fn remote_tags(&self) -> Vec<String> {
        let mut tags: Vec<String> = self
            .git(&["ls-remote", "--tags", "origin"])
            .lines()
            .filter_map(|l| l.split('\t').nth(1))
            .filter(|r| !r.ends_with("^{}"))
            .map(|r| r.trim_start_matches("refs/tags/").to_string())
            .collect();
        tags.sort();
        tags
    }

    /// Commits every change and pushes it to origin's main.
    pub(crate) fn commit_and_push(&self, message: &str) {
        self.git(&["add", "--all"]);
        self.git(&["commit", "--quiet", "-m", message]);
        self.git(&["push", "--quiet", "origin", "main"]);
    }

    /// Runs git in the repository; panics on failure.
    pub(crate) fn git(&self, args: &[&str]) -> String {
        let out = Command::new("git")
            .args(args)
            .current_dir(&self.dir)
            .env("GIT_AUTHOR_NAME", "Test")
            .env("GIT_AUTHOR_EMAIL", "test@example.com")
            .env("GIT_COMMITTER_NAME", "Test")
            .env("GIT_COMMITTER_EMAIL", "test@example.com")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .output()
            .expect("git runs");
        assert!(
            out.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim_end().to_string()
    }

    pub(crate) fn path(&self, rel: &str) -> PathBuf {
        self.dir.join(rel)
    }

    pub(crate) fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path(rel)).unwrap()
    }

    pub(crate) fn write(&self, rel: &str, text: &str) {
        std::fs::write(self.path(rel), text).unwrap();
    }

    /// Runs `xtask <args>` with the repository as the current directory.
    pub(crate) fn xtask(&self, args: &[&str]) -> Run {
        xtask_in(&self.dir, args)
    }

    /// Every file below the repository (except `.git`) with its bytes.
    pub(crate) fn snapshot(&self) -> BTreeMap<String, Vec<u8>> {
        snapshot(&self.dir)
    }
}

impl Drop for TempRepo {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(self.dir.parent().unwrap());
        }
    }
}

/// What one run of the binary did.
#[derive(Debug)]
pub(crate) struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub(crate) fn success(&self) -> &Run {
        assert_eq!(
            self.code, 0,
            "expected success:\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    pub(crate) fn failure(&self, code: i32) -> &Run {
        assert_eq!(
            self.code, code,
            "expected exit {code}:\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }

    /// stdout and stderr together.
    pub(crate) fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

pub(crate) fn xtask_in(dir: &Path, args: &[&str]) -> Run {
    xtask_env(dir, args, &[])
}

/// Runs `xtask <args>` in `dir` with extra environment variables. `PATH`
/// is hermetic unless `envs` sets it: the system's, without any real `gh`
/// or `ergo` (a test never reaches the machine's own).
pub(crate) fn xtask_env(dir: &Path, args: &[&str], envs: &[(&str, &std::ffi::OsStr)]) -> Run {
    let out: Output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .current_dir(dir)
        .env("PATH", hermetic_path(&[]))
        .env("XTASK_TODAY", TODAY)
        .envs(envs.iter().copied())
        .output()
        .expect("the xtask binary runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `first`, then the real `python3`'s folder, then [`system_path`]: a
/// `PATH` on which no real `gh` or `ergo` can be found.
pub(crate) fn hermetic_path(first: &[PathBuf]) -> std::ffi::OsString {
    std::env::join_paths(
        first
            .iter()
            .cloned()
            .chain(python_dir())
            .chain(system_path().iter().cloned()),
    )
    .unwrap()
}

/// This process's `PATH` without any real `gh` or `ergo`: a directory that
/// holds one is replaced by a mirror of symlinks to everything else in it
/// (on CI runners, `gh` sits in `/usr/bin` beside `git` and `sh`).
pub(crate) fn system_path() -> &'static Vec<PathBuf> {
    static PATH: std::sync::OnceLock<Vec<PathBuf>> = std::sync::OnceLock::new();
    PATH.get_or_init(|| {
        let system = std::env::var_os("PATH").unwrap_or_default();
        let mirrors = std::env::temp_dir().join(format!("xtask-it-path-{}", std::process::id()));
        std::env::split_paths(&system)
            .enumerate()
            .map(|(i, dir)| {
                if !dir.join("gh").exists() && !dir.join("ergo").exists() {
                    return dir;
                }
                let mirror = mirrors.join(i.to_string());
                std::fs::create_dir_all(&mirror).unwrap();
                for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                    let name = entry.file_name();
                    if name != "gh" && name != "ergo" {
                        #[cfg(unix)]
                        let _ = std::os::unix::fs::symlink(entry.path(), mirror.join(&name));
                    }
                }
                mirror
            })
            .collect()
    })
}

/// The directory of the real `python3` (not a version manager's shim, which
/// costs a process per call), found once.
pub(crate) fn python_dir() -> Option<PathBuf> {
    static DIR: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let out = Command::new("python3")
            .args(["-c", "import sys; print(sys.executable)"])
            .output()
            .ok()?;
        let exe = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        exe.parent().map(Path::to_path_buf)
    })
    .clone()
}

fn argv_lines(log: &[serde_json::Value]) -> Vec<String> {
    log.iter()
        .map(|entry| {
            let argv: Vec<&str> = entry["argv"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap())
                .collect();
            argv.join(" ")
        })
        .collect()
}

pub(crate) fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap_or_else(|e| panic!("{}: {e}", from.display())) {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

pub(crate) fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let entry = entry.unwrap();
            let path = entry.path();
            if entry.file_name() == ".git" {
                continue;
            }
            if entry.file_type().unwrap().is_dir() {
                walk(base, &path, out);
            } else {
                let rel = path
                    .strip_prefix(base)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// Asserts two trees hold the same files with the same bytes, naming the first difference.
pub(crate) fn assert_same_tree(
    actual: &BTreeMap<String, Vec<u8>>,
    expected: &BTreeMap<String, Vec<u8>>,
) {
    let names = |t: &BTreeMap<String, Vec<u8>>| t.keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        names(actual),
        names(expected),
        "the trees hold different files"
    );
    for (path, bytes) in expected {
        let got = &actual[path];
        assert!(
            got == bytes,
            "{path} differs:\n--- expected\n{}\n--- actual\n{}",
            String::from_utf8_lossy(bytes),
            String::from_utf8_lossy(got)
        );
    }
}
