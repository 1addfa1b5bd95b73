//! The release sections of `release/config.toml`: `[git]`, `[release]` and `[[gate]]`.

use std::time::Duration;

use toml_edit::Table;

use super::fields::{Fields, parse_duration};
use super::names;
use crate::words::split_words;

/// How a release is checked and carried out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ReleaseSettings {
    /// `owner/name` of the GitHub repository: every `gh` call that takes
    /// `--repo` names it, so a clone with several GitHub remotes cannot pick
    /// the wrong one. Required by the `ci` gate, `release`, `publish` and the
    /// `homebrew` and `github` delivery channels.
    pub github_repo: Option<String>,
    /// Branches a release may be cut from; HEAD must equal `origin/<branch>`.
    pub branches: Vec<String>,
    /// The remote tags are pushed to and compared with.
    pub remote: String,
    /// Paths (a trailing `/` for a folder) the `git-clean` gate does not
    /// count: the task tracker's own store, rewritten by every filing.
    pub clean_ignores: Vec<String>,
    pub ci_workflow: String,
    pub build_workflow: String,
    pub publish_workflow: String,
    /// The first wait between two polls of a workflow run; it grows by half each poll.
    pub poll_interval: Duration,
    /// The longest wait between two polls.
    pub poll_max_interval: Duration,
    /// How long to wait for the build run, and for the publish run.
    pub build_timeout: Duration,
    pub publish_timeout: Duration,
    /// A Go module in a subdirectory (`bindings/go`), tagged `<dir>/vX.Y.Z` too.
    pub go_module: Option<String>,
    /// The QA gates, in the order they run.
    pub gates: Vec<GateSpec>,
}

/// A `[[gate]]`: a command that must succeed, maybe only when some paths changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GateSpec {
    pub name: String,
    /// The program and its arguments, split like a shell would (no shell runs it).
    pub argv: Vec<String>,
    pub timeout: Duration,
    /// Globs (`*`, `**`, `?`): the gate runs only if a changed path matches one.
    pub when_changed: Vec<String>,
}

impl Default for ReleaseSettings {
    fn default() -> ReleaseSettings {
        ReleaseSettings {
            github_repo: None,
            branches: vec!["main".to_string()],
            remote: "origin".to_string(),
            clean_ignores: vec![".ergo/".to_string()],
            ci_workflow: "ci.yml".to_string(),
            build_workflow: "release.yml".to_string(),
            publish_workflow: "release-publish.yml".to_string(),
            poll_interval: Duration::from_secs(10),
            poll_max_interval: Duration::from_secs(60),
            build_timeout: Duration::from_secs(3600),
            publish_timeout: Duration::from_secs(3600),
            go_module: None,
            gates: Vec::new(),
        }
    }
}

impl ReleaseSettings {
    /// The repository every `gh` call names with `--repo`, or an error that
    /// says where to declare it.
    pub(crate) fn repo(&self) -> anyhow::Result<&str> {
        self.github_repo.as_deref().ok_or_else(|| {
            anyhow::anyhow!(
                "release/config.toml has no [release].github_repo: add `github_repo = \"owner/name\"` under [release], the repository every `gh` call names with --repo"
            )
        })
    }
}

/// The shortest `poll_interval` a config may set: at most one gh call per 10 s.
pub(crate) const MIN_POLL_INTERVAL: Duration = Duration::from_secs(10);

/// For the xtask's own tests only: `XTASK_TEST_FAST_POLLS=1` lowers the
/// minimum `poll_interval` to 1 ms, so tests against the fake gh need not
/// wait 10 s per poll. It is never silent: [`crate::config::Config::load`]
/// warns on stderr whenever it lets a shorter interval through. Documented
/// in docs/config.md; never set it for a real release.
pub(crate) const TEST_FAST_POLLS: &str = "XTASK_TEST_FAST_POLLS";

/// [`MIN_POLL_INTERVAL`], or 1 ms under [`TEST_FAST_POLLS`].
/// The shortest `[[gate]].timeout` that can work.
const MIN_GATE_TIMEOUT: Duration = Duration::from_secs(1);

fn min_poll_interval() -> Duration {
    if std::env::var_os(TEST_FAST_POLLS).is_some_and(|v| v == "1") {
        Duration::from_millis(1)
    } else {
        MIN_POLL_INTERVAL
    }
}

/// The raw tables, taken from the top level before it is finished.
pub(crate) struct Tables<'a> {
    git: Option<&'a Table>,
    release: Option<&'a Table>,
    gates: Vec<&'a Table>,
}

impl<'a> Tables<'a> {
    pub(crate) fn take(top: &mut Fields<'a, '_>) -> Tables<'a> {
        Tables {
            git: top.table("git"),
            release: top.table("release"),
            gates: top.array_of_tables("gate"),
        }
    }
}

/// Reads the release sections; every problem is pushed to `errors`.
pub(crate) fn parse(tables: &Tables<'_>, errors: &mut Vec<String>) -> ReleaseSettings {
    let mut s = ReleaseSettings::default();
    if let Some(git) = tables.git {
        let mut f = Fields::new(git, "git", errors);
        if let Some(branches) = f.string_array("branches") {
            if branches.is_empty() {
                f.error("git.branches must name at least one branch".to_string());
            }
            for branch in &branches {
                if let Some(why) = names::branch_problem(branch) {
                    f.error(format!("git.branches names {branch:?}: {why}"));
                }
            }
            s.branches = branches;
        }
        if let Some(remote) = f.string("remote") {
            if let Some(why) = names::remote_problem(&remote) {
                f.error(format!(
                    "git.remote = {remote:?} is not a remote's name: {why} (declare the remote with `git remote add <name> <url>` and name it here)"
                ));
            }
            s.remote = remote;
        }
        if let Some(paths) = f.string_array("clean_ignores") {
            s.clean_ignores = paths;
        }
        f.finish();
    }
    if let Some(release) = tables.release {
        let mut f = Fields::new(release, "release", errors);
        if let Some(repo) = f.string("github_repo") {
            if let Some(why) = names::owner_name_problem(&repo) {
                f.error(format!("release.github_repo = {repo:?} {why}"));
            }
            s.github_repo = Some(repo);
        }
        for (key, slot) in [
            ("ci_workflow", &mut s.ci_workflow),
            ("build_workflow", &mut s.build_workflow),
            ("publish_workflow", &mut s.publish_workflow),
        ] {
            if let Some(value) = f.string(key) {
                if let Some(why) = names::workflow_problem(&value) {
                    f.error(format!("release.{key} = {value:?} {why}"));
                }
                *slot = value;
            }
        }
        for (key, slot) in [
            ("poll_interval", &mut s.poll_interval),
            ("poll_max_interval", &mut s.poll_max_interval),
            ("build_timeout", &mut s.build_timeout),
            ("publish_timeout", &mut s.publish_timeout),
        ] {
            if let Some(text) = f.string(key) {
                match parse_duration(&text) {
                    Ok(d) => *slot = d,
                    Err(err) => f.error(format!("release.{key}: {err}")),
                }
            }
        }
        s.go_module = f.string("go_module");
        f.finish();
    }
    let floor = min_poll_interval();
    if s.poll_interval < floor {
        errors.push(format!(
            "release.poll_interval = {:?} is under {}: the xtask asks GitHub at most once per 10 s (the API rate limit is shared by everything using the token); use \"10s\" or more",
            crate::clock::human(s.poll_interval),
            crate::clock::human(floor)
        ));
    }
    if s.poll_max_interval < s.poll_interval {
        errors.push(format!(
            "release.poll_max_interval = {:?} is below release.poll_interval = {:?}: polls start at poll_interval and grow up to poll_max_interval; make it at least as long",
            crate::clock::human(s.poll_max_interval),
            crate::clock::human(s.poll_interval)
        ));
    }
    for (key, timeout) in [
        ("build_timeout", s.build_timeout),
        ("publish_timeout", s.publish_timeout),
    ] {
        if timeout < s.poll_interval.max(Duration::from_millis(1)) {
            errors.push(format!(
                "release.{key} = {:?} is shorter than release.poll_interval = {:?}: the run would time out before it is looked at once; give it minutes, for example \"60m\"",
                crate::clock::human(timeout),
                crate::clock::human(s.poll_interval)
            ));
        }
    }
    for (i, table) in tables.gates.iter().enumerate() {
        let at = format!("gate[{i}]");
        let mut f = Fields::new(table, &at, errors);
        let name = f.required_string("name");
        if let Some(name) = &name
            && !names::is_identifier(name)
        {
            f.error(format!(
                "{at}.name = {name:?} must be {}: it names the gate in the progress, the summary table, the evidence and the blocker title",
                names::IDENTIFIER
            ));
        }
        let command = f.required_string("command");
        let timeout = f.string("timeout");
        let when_changed = f.string_array("when_changed").unwrap_or_default();
        let timeout = match timeout.as_deref().map(parse_duration) {
            None => Duration::from_secs(30 * 60),
            Some(Ok(d)) if d < MIN_GATE_TIMEOUT => {
                f.error(format!(
                    "{at}.timeout = {:?} is under 1s: no command can start and finish in that; give it seconds or minutes, for example \"10m\"",
                    crate::clock::human(d)
                ));
                Duration::ZERO
            }
            Some(Ok(d)) => d,
            Some(Err(err)) => {
                f.error(format!("{at}.timeout: {err}"));
                Duration::ZERO
            }
        };
        let argv = match command.as_deref().map(split_words) {
            Some(Ok(argv)) if !argv.is_empty() => Some(argv),
            Some(Ok(_)) => {
                f.error(format!("{at}.command is empty"));
                None
            }
            Some(Err(err)) => {
                f.error(format!("{at}.command: {err}"));
                None
            }
            None => None,
        };
        f.finish();
        if let (Some(name), Some(argv)) = (name, argv) {
            if s.gates.iter().any(|g| g.name == name) {
                errors.push(format!("{at}.name = {name:?} is used by another gate"));
            }
            s.gates.push(GateSpec {
                name,
                argv,
                timeout,
                when_changed,
            });
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_is_documented() {
        let docs =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/config.md"))
                .unwrap();
        for key in [
            "github_repo",
            "branches",
            "remote",
            "ci_workflow",
            "build_workflow",
            "publish_workflow",
            "poll_interval",
            "poll_max_interval",
            "build_timeout",
            "publish_timeout",
            "go_module",
            "name",
            "command",
            "timeout",
            "when_changed",
        ] {
            assert!(
                docs.contains(&format!("| `{key}` |")),
                "docs/config.md does not describe `{key}`"
            );
        }
    }

    fn parse_text(text: &str) -> (ReleaseSettings, Vec<String>) {
        let doc: toml_edit::DocumentMut = text.parse().unwrap();
        let mut errors = Vec::new();
        let mut top = Fields::new(doc.as_table(), "", &mut errors);
        let tables = Tables::take(&mut top);
        top.finish();
        let settings = parse(&tables, &mut errors);
        (settings, errors)
    }

    #[test]
    fn polls_under_ten_seconds_are_refused() {
        for fast in ["0s", "9s", "9999ms"] {
            let (_, errors) = parse_text(&format!("[release]\npoll_interval = \"{fast}\"\n"));
            assert_eq!(errors.len(), 1, "{fast}: {errors:?}");
            assert!(
                errors[0].starts_with("release.poll_interval = ")
                    && errors[0].contains("is under 10s"),
                "{errors:?}"
            );
        }
        let (s, errors) = parse_text("[release]\npoll_interval = \"10s\"\n");
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(s.poll_interval, MIN_POLL_INTERVAL);
    }

    #[test]
    fn reads_every_section_strictly() {
        let (s, errors) = parse_text(
            "[git]\nbranches = [\"main\", \"release\"]\n[release]\npoll_interval = \"15s\"\ngo_module = \"bindings/go\"\ncolour = 1\n[[gate]]\nname = \"fmt\"\ncommand = \"cargo fmt --all --check\"\ntimeout = \"5m\"\n[[gate]]\nname = \"py\"\ncommand = \"python3 -m compileall -q bindings/python\"\nwhen_changed = [\"bindings/python/**\"]\n[[gate]]\ncommand = \"x\"\n",
        );
        assert_eq!(s.branches, ["main", "release"]);
        assert_eq!(s.poll_interval, Duration::from_secs(15));
        assert_eq!(s.poll_max_interval, Duration::from_secs(60));
        assert_eq!(s.go_module.as_deref(), Some("bindings/go"));
        assert_eq!(s.gates.len(), 2);
        assert_eq!(s.gates[0].argv, ["cargo", "fmt", "--all", "--check"]);
        assert_eq!(s.gates[0].timeout, Duration::from_secs(300));
        assert_eq!(s.gates[1].when_changed, ["bindings/python/**"]);
        assert_eq!(
            errors,
            ["unknown key `release.colour`", "gate[2].name is missing"]
        );
    }
}
