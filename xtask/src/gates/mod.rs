//! Release gates: what must hold before anything is tagged. Every gate runs,
//! each ends passed, failed, skipped (with the reason) or incomplete, and one
//! summary table gives the next action for each problem.

use std::time::{Duration, Instant};

use semver::Version;
use serde_json::json;
use xshell::Shell;

use crate::config::release::GateSpec;
use crate::secrets::redact;
use crate::sites::{Kind, keepachangelog};
use crate::survey::Repo;
use crate::tools::git::short;
use crate::tools::{self, gh, git};
use crate::ui::Ui;
use crate::words::quote;

/// The tools a release needs, and how to get each.
const TOOLS: [(&str, &str); 6] = [
    ("git", "install git (Debian: apt-get install git)"),
    (
        "gh",
        "install the GitHub CLI: https://cli.github.com, then `gh auth login`",
    ),
    (
        "ergo",
        "install ergo v6, run `ergo init` at the repository root and commit `.ergo/` (with `.ergo/lock` in .gitignore)",
    ),
    ("cargo", "install Rust with rustup: https://rustup.rs"),
    (
        "npm",
        "install Node.js 18 or newer with npm (Debian: apt-get install nodejs npm)",
    ),
    (
        "python3",
        "install Python 3.11 or newer (Debian: apt-get install python3)",
    ),
];

/// How much of a failing command's output is kept.
const TAIL_LINES: usize = 40;
const TAIL_CHARS: usize = 4000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum GateStatus {
    Passed,
    Failed,
    /// Not run, for this reason.
    Skipped(String),
    /// Timed out or could not start.
    Incomplete,
}

impl GateStatus {
    pub(crate) fn name(&self) -> &'static str {
        match self {
            GateStatus::Passed => "passed",
            GateStatus::Failed => "failed",
            GateStatus::Skipped(_) => "skipped",
            GateStatus::Incomplete => "incomplete",
        }
    }

    /// Anything but passed or an explained skip blocks the release.
    pub(crate) fn blocks(&self) -> bool {
        matches!(self, GateStatus::Failed | GateStatus::Incomplete)
    }
}

/// What one gate found.
#[derive(Debug, Clone)]
pub(crate) struct GateResult {
    pub name: String,
    /// The command or query it ran, as shown to users.
    pub command: String,
    pub status: GateStatus,
    pub exit_code: Option<i32>,
    pub duration: Duration,
    /// A bounded, redacted tail of the output.
    pub tail: String,
    /// One line: what is wrong (stable across reruns: it names blockers).
    pub summary: String,
    /// The next action.
    pub fix: String,
}

impl GateResult {
    fn new(name: &str, command: impl Into<String>) -> GateResult {
        GateResult {
            name: name.to_string(),
            command: command.into(),
            status: GateStatus::Passed,
            exit_code: None,
            duration: Duration::ZERO,
            tail: String::new(),
            summary: String::new(),
            fix: String::new(),
        }
    }

    fn fail(mut self, summary: impl Into<String>, fix: impl Into<String>) -> GateResult {
        self.status = GateStatus::Failed;
        self.summary = summary.into();
        self.fix = fix.into();
        self
    }

    fn incomplete(mut self, summary: impl Into<String>, fix: impl Into<String>) -> GateResult {
        self.status = GateStatus::Incomplete;
        self.summary = summary.into();
        self.fix = fix.into();
        self
    }

    fn with_output(mut self, out: &tools::Output) -> GateResult {
        self.exit_code = out.code;
        self.tail = tail(&out.combined());
        self
    }

    pub(crate) fn to_json(&self) -> serde_json::Value {
        json!({
            "name": self.name,
            "command": redact(&self.command),
            "status": self.status.name(),
            "reason": match &self.status { GateStatus::Skipped(r) => Some(r.as_str()), _ => None },
            "exit_code": self.exit_code,
            "duration_ms": self.duration.as_millis() as u64,
            "summary": redact(&self.summary),
            "fix": redact(&self.fix),
            "output_tail": self.tail,
        })
    }
}

/// The last lines of `text`, bounded and redacted.
/// The excerpt of a gate's output for its report and blocker: the failing
/// tests by name when the output names them (cargo's `failures:` list and
/// `... FAILED` lines, unittest's `FAIL:`/`ERROR:` lines, node's `not ok`
/// lines), then the last lines; otherwise the last lines alone.
pub(crate) fn tail(text: &str) -> String {
    let failing = failing_tests(text);
    let last = last_lines(text);
    if failing.is_empty() {
        return last;
    }
    let shown: Vec<&str> = failing.iter().take(20).map(String::as_str).collect();
    let more = failing.len().saturating_sub(shown.len());
    let more = if more > 0 {
        format!("\n  … and {more} more")
    } else {
        String::new()
    };
    let last: Vec<&str> = last.lines().rev().take(8).collect();
    let last: Vec<&str> = last.into_iter().rev().collect();
    redact(&format!(
        "failing tests:\n  {}{more}\n…\n{}",
        shown.join("\n  "),
        last.join("\n")
    ))
}

/// The names of the failing tests an output lists, in order, once each.
fn failing_tests(text: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let mut push = |name: &str| {
        let name = name.trim().to_string();
        if !name.is_empty() && !names.contains(&name) {
            names.push(name);
        }
    };
    let mut in_failures = false;
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed == "failures:" {
            in_failures = true;
            continue;
        }
        if in_failures {
            // cargo's list: indented names, ended by a blank or `test result:` line.
            if line.starts_with("    ") && !trimmed.contains(' ') {
                push(trimmed);
                continue;
            }
            if trimmed.is_empty() || trimmed.starts_with("test result:") {
                in_failures = false;
            }
            if !trimmed.starts_with("----") {
                continue;
            }
        }
        if let Some(name) = trimmed
            .strip_prefix("test ")
            .and_then(|rest| rest.strip_suffix(" ... FAILED"))
        {
            push(name);
        } else if let Some(rest) = trimmed
            .strip_prefix("FAIL: ")
            .or_else(|| trimmed.strip_prefix("ERROR: "))
        {
            push(rest);
        } else if let Some(rest) = trimmed.strip_prefix("not ok ") {
            // TAP: `not ok 3 - name # comment`.
            let rest = rest
                .trim_start_matches(|c: char| c.is_ascii_digit())
                .trim_start();
            let rest = rest.strip_prefix("- ").unwrap_or(rest);
            push(rest.split(" # ").next().unwrap_or(rest));
        }
    }
    names
}

/// The last lines of an output, at most `TAIL_LINES` and `TAIL_CHARS`.
fn last_lines(text: &str) -> String {
    let lines: Vec<&str> = text.trim_end().lines().collect();
    let mut out = lines[lines.len().saturating_sub(TAIL_LINES)..].join("\n");
    if out.len() > TAIL_CHARS {
        let mut cut = out.len() - TAIL_CHARS;
        while !out.is_char_boundary(cut) {
            cut += 1;
        }
        out = format!("…{}", &out[cut..]);
    }
    redact(&out)
}

/// What the gates look at.
pub(crate) struct Context<'a> {
    pub sh: &'a Shell,
    pub repo: &'a Repo,
    pub target: &'a Version,
    /// Every tag the release makes: `v1.2.3` first, then the Go module's.
    pub tags: &'a [String],
    pub head: &'a str,
    /// `git diff --name-only <base>..HEAD`, or why it is unknown.
    pub changed: &'a Result<Vec<String>, String>,
}

/// One gate: a built-in check or a command from the config.
#[derive(Debug, Clone)]
pub(crate) enum Gate {
    Tools,
    Credentials,
    Branch,
    Clean,
    Origin,
    Tag,
    Version,
    Changelog,
    Ci,
    Command(GateSpec),
}

impl Gate {
    pub(crate) fn name(&self) -> String {
        match self {
            Gate::Tools => "tools".into(),
            Gate::Credentials => "gh-auth".into(),
            Gate::Branch => "git-branch".into(),
            Gate::Clean => "git-clean".into(),
            Gate::Origin => "git-origin".into(),
            Gate::Tag => "tag".into(),
            Gate::Version => "version".into(),
            Gate::Changelog => "changelog".into(),
            Gate::Ci => "ci".into(),
            Gate::Command(spec) => spec.name.clone(),
        }
    }
}

/// Every gate of a release, in the order they run.
pub(crate) fn all(specs: &[GateSpec]) -> Vec<Gate> {
    let mut gates = vec![
        Gate::Tools,
        Gate::Credentials,
        Gate::Branch,
        Gate::Clean,
        Gate::Origin,
        Gate::Tag,
        Gate::Version,
        Gate::Changelog,
        Gate::Ci,
    ];
    gates.extend(specs.iter().cloned().map(Gate::Command));
    gates
}

/// Runs every gate, showing each as it starts and ends.
pub(crate) fn run(ctx: &Context<'_>, gates: &[Gate], ui: Ui) -> Vec<GateResult> {
    let mut outcomes = Vec::new();
    for gate in gates {
        let name = gate.name();
        ui.line(&format!("==> {name}"));
        let start = Instant::now();
        let ticker = crate::ui::Ticker::start(ui, &name);
        let mut outcome = check(ctx, gate);
        drop(ticker);
        outcome.duration = start.elapsed();
        let status = match &outcome.status {
            GateStatus::Skipped(reason) => format!("skipped ({reason})"),
            other => other.name().to_string(),
        };
        ui.line(&format!(
            "    {status} ({})",
            crate::clock::human(outcome.duration)
        ));
        if outcome.status.blocks() {
            ui.line(&format!("    {}", outcome.summary));
            for line in outcome
                .tail
                .lines()
                .rev()
                .take(10)
                .collect::<Vec<_>>()
                .iter()
                .rev()
            {
                ui.line(&format!("    | {line}"));
            }
        }
        outcomes.push(outcome);
    }
    outcomes
}

/// The summary table: name, status, duration and next action.
pub(crate) fn table(outcomes: &[GateResult]) -> String {
    let width = outcomes
        .iter()
        .map(|o| o.name.len())
        .max()
        .unwrap_or(4)
        .max(4);
    let mut out = format!(
        "{:width$}  {:10}  {:>8}  NEXT ACTION\n",
        "GATE", "STATUS", "TIME"
    );
    for o in outcomes {
        let next = match &o.status {
            GateStatus::Passed => "-".to_string(),
            GateStatus::Skipped(reason) => format!("- ({reason})"),
            _ => o.fix.clone(),
        };
        let name = o.name.replace('\n', "\\n");
        out.push_str(&format!(
            "{name:width$}  {:10}  {:>8}  {next}\n",
            o.status.name(),
            crate::clock::human(o.duration)
        ));
    }
    out
}

/// The summary table in Markdown, for GitHub's step summary.
pub(crate) fn markdown(outcomes: &[GateResult]) -> String {
    let rows: Vec<Vec<String>> = outcomes
        .iter()
        .map(|o| {
            let next = match &o.status {
                GateStatus::Passed => "-".to_string(),
                GateStatus::Skipped(reason) => format!("- ({reason})"),
                _ => o.fix.clone(),
            };
            vec![
                o.name.clone(),
                o.status.name().to_string(),
                crate::clock::human(o.duration),
                next,
            ]
        })
        .collect();
    crate::actions::table(&["gate", "status", "time", "next action"], &rows)
}

fn check(ctx: &Context<'_>, gate: &Gate) -> GateResult {
    match gate {
        Gate::Tools => check_tools(),
        Gate::Credentials => check_credentials(ctx),
        Gate::Branch => check_branch(ctx),
        Gate::Clean => check_clean(ctx),
        Gate::Origin => check_origin(ctx),
        Gate::Tag => check_tag(ctx),
        Gate::Version => check_version(ctx),
        Gate::Changelog => check_changelog(ctx),
        Gate::Ci => check_ci(ctx),
        Gate::Command(spec) => check_command(ctx, spec),
    }
}

fn check_tools() -> GateResult {
    let outcome = GateResult::new("tools", "which git gh ergo cargo npm python3");
    let missing: Vec<&(&str, &str)> = TOOLS.iter().filter(|(t, _)| !tools::on_path(t)).collect();
    if missing.is_empty() {
        return outcome;
    }
    let names: Vec<&str> = missing.iter().map(|(t, _)| *t).collect();
    let how: Vec<String> = missing
        .iter()
        .map(|(t, how)| format!("{t}: {how}"))
        .collect();
    let mut outcome = outcome.fail(format!("missing {}", names.join(", ")), how.join("; "));
    outcome.tail = how.join("\n");
    outcome
}

fn check_credentials(ctx: &Context<'_>) -> GateResult {
    let outcome = GateResult::new("gh-auth", "gh auth status");
    match gh::auth_status(ctx.sh) {
        Ok(out) if out.success() => outcome.with_output(&out),
        Ok(out) if out.timed_out => outcome.with_output(&out).incomplete(
            "`gh auth status` timed out",
            "check the network, then rerun",
        ),
        Ok(out) if out.signal.is_some() => outcome.with_output(&out).incomplete(
            format!("gh crashed (killed by signal {})", out.signal.unwrap_or(0)),
            "run `gh auth status` by hand to see why, then rerun",
        ),
        Ok(out) => {
            // An Enterprise host (GH_HOST, or `host/owner/name`) takes its own login and token.
            let host = std::env::var("GH_HOST")
                .ok()
                .filter(|h| !h.is_empty())
                .or_else(|| {
                    let repo = ctx.repo.config.release.github_repo.as_deref()?;
                    let parts: Vec<&str> = repo.split('/').collect();
                    (parts.len() == 3).then(|| parts[0].to_string())
                });
            let fix = match host.filter(|h| h != "github.com") {
                Some(host) => format!(
                    "run `gh auth login --hostname {}` (or set GH_ENTERPRISE_TOKEN, the token gh reads for an Enterprise host), then rerun",
                    quote(&host)
                ),
                None => "run `gh auth login` (or set GH_TOKEN), then rerun".to_string(),
            };
            outcome
                .with_output(&out)
                .fail("gh is not authenticated", fix)
        }
        Err(err) => outcome.incomplete(
            "could not run `gh auth status`",
            format!("{err:#}: install gh (https://cli.github.com)"),
        ),
    }
}

/// The current branch, if HEAD is on one.
fn current_branch(sh: &Shell) -> Option<String> {
    git::read(sh, &["symbolic-ref", "--quiet", "--short", "HEAD"]).ok()
}

/// The branch HEAD must match on the remote: the current one if allowed, else the first allowed.
fn release_branch(ctx: &Context<'_>) -> String {
    let branches = &ctx.repo.config.release.branches;
    match current_branch(ctx.sh) {
        Some(b) if branches.contains(&b) => b,
        _ => branches[0].clone(),
    }
}

fn check_branch(ctx: &Context<'_>) -> GateResult {
    let allowed = &ctx.repo.config.release.branches;
    let outcome = GateResult::new("git-branch", "git symbolic-ref --short HEAD");
    match current_branch(ctx.sh) {
        Some(b) if allowed.contains(&b) => outcome,
        found => outcome.fail(
            format!("not on an allowed branch ({})", allowed.join(", ")),
            format!(
                "`git switch {}` (HEAD is {}); releases are cut from [git] branches",
                quote(&allowed[0]),
                found.as_deref().unwrap_or("detached")
            ),
        ),
    }
}

/// The lines of `git status --porcelain` that count: not under an ignored path.
fn dirty_lines<'a>(porcelain: &'a str, ignores: &[String]) -> Vec<&'a str> {
    porcelain
        .lines()
        .filter(|line| {
            // `XY path`, or `XY from -> to` for a rename; quoted when unusual.
            let path = line.get(3..).unwrap_or("").trim_matches('"');
            let path = path.rsplit(" -> ").next().unwrap_or(path);
            !line.trim().is_empty()
                && !ignores.iter().any(|ignored| {
                    path == ignored.trim_end_matches('/')
                        || (ignored.ends_with('/') && path.starts_with(ignored.as_str()))
                })
        })
        .collect()
}

fn check_clean(ctx: &Context<'_>) -> GateResult {
    let ignores = &ctx.repo.config.release.clean_ignores;
    let outcome = GateResult::new("git-clean", "git status --porcelain");
    match git::query(ctx.sh, &["status", "--porcelain", "--untracked-files=all"]) {
        Ok(out) if out.success() && dirty_lines(&out.stdout, ignores).is_empty() => outcome,
        Ok(out) if out.success() => {
            let mut out = out;
            let dirty: Vec<String> = dirty_lines(&out.stdout, ignores)
                .into_iter()
                .map(String::from)
                .collect();
            out.stdout = dirty.join("\n");
            // Named one by one: `git status` also lists the tracker's store
            // (`.ergo/`), and stashing it would take the blockers just filed.
            let paths: Vec<String> = dirty
                .iter()
                .map(|line| line.get(3..).unwrap_or(line).trim().to_string())
                .collect();
            outcome.with_output(&out).fail(
                format!("the working tree has uncommitted changes: {}", paths.join(", ")),
                format!(
                    "commit them, or set them aside with `git stash push --include-untracked -- {}` (never stash {}: it holds the blockers), then rerun",
                    paths.iter().map(|p| quote(p)).collect::<Vec<_>>().join(" "),
                    ignores.iter().map(|i| format!("`{i}`")).collect::<Vec<_>>().join(", ")
                ),
            )
        }
        Ok(out) => outcome
            .with_output(&out)
            .incomplete("`git status` failed", "fix the checkout, then rerun"),
        Err(err) => outcome.incomplete("could not run git", format!("{err:#}")),
    }
}

fn check_origin(ctx: &Context<'_>) -> GateResult {
    let remote = &ctx.repo.config.release.remote;
    let branch = release_branch(ctx);
    let upstream = format!("{remote}/{branch}");
    let outcome = GateResult::new(
        "git-origin",
        format!(
            "git fetch {} && git rev-parse {}",
            quote(remote),
            quote(&upstream)
        ),
    );
    match git::fetch(ctx.sh, remote) {
        Ok(out) if out.success() => {}
        Ok(out) => {
            return outcome.with_output(&out).incomplete(
                format!("`git fetch {}` failed", quote(remote)),
                format!("check that `{remote}` is reachable, then rerun"),
            );
        }
        Err(err) => return outcome.incomplete("could not run git fetch", format!("{err:#}")),
    }
    // The full ref: never an option, and never a local branch of that name.
    let full = format!("refs/remotes/{upstream}^{{commit}}");
    match git::read(ctx.sh, &["rev-parse", "--verify", &full]) {
        Ok(sha) if sha == ctx.head => outcome,
        Ok(sha) => outcome.fail(
            format!("HEAD is not {upstream}"),
            format!(
                "HEAD is {} but {upstream} is {}: push or pull until they match (`git status -sb`), then rerun",
                short(ctx.head),
                short(&sha)
            ),
        ),
        Err(err) => outcome.fail(
            format!("{upstream} does not exist"),
            format!("{err:#}: push {branch} to {remote}"),
        ),
    }
}

fn check_tag(ctx: &Context<'_>) -> GateResult {
    let remote = &ctx.repo.config.release.remote;
    let outcome = GateResult::new(
        "tag",
        format!("git rev-parse / git ls-remote --tags {}", quote(remote)),
    );
    let names: Vec<&str> = ctx.tags.iter().map(String::as_str).collect();
    let remote_shas = match git::remote_tags(ctx.sh, remote, &names) {
        Ok(shas) => shas,
        Err(err) => {
            return outcome.incomplete(
                format!("`git ls-remote {}` failed", quote(remote)),
                format!("{err:#}: check that `{remote}` is reachable, then rerun"),
            );
        }
    };
    let mut wrong = Vec::new();
    for (tag, remote_sha) in ctx.tags.iter().zip(remote_shas) {
        match git::local_tag(ctx.sh, tag) {
            Ok(Some(sha)) if sha != ctx.head => wrong.push(format!(
                "local tag {tag} points at {} (`git tag -d {}` if it is stale)",
                short(&sha),
                quote(tag)
            )),
            Err(err) => wrong.push(format!("cannot read tag {tag}: {err:#}")),
            _ => {}
        }
        if let Some(sha) = remote_sha.filter(|sha| sha != ctx.head) {
            wrong.push(format!(
                "{tag} on {remote} points at {}, not HEAD {}: that version is taken, bump to the next one",
                short(&sha),
                short(ctx.head)
            ));
        }
    }
    if wrong.is_empty() {
        return outcome;
    }
    let mut outcome = outcome.fail(
        format!("tag {} exists at another commit", ctx.tags[0]),
        wrong.join("; "),
    );
    outcome.tail = wrong.join("\n");
    outcome
}

fn check_version(ctx: &Context<'_>) -> GateResult {
    let outcome = GateResult::new("version", "cargo xtask versions");
    let off: Vec<String> = ctx
        .repo
        .survey()
        .iter()
        .filter(|state| state.site.lockstep && !state.lags(ctx.target))
        .filter_map(|state| match state.version() {
            Ok(_) if state.holds(ctx.target) => None,
            Ok(_) => Some(format!(
                "{} has {}",
                state.site.path,
                state.raw().unwrap_or("?")
            )),
            Err(err) => Some(format!("{}: {err}", state.site.path)),
        })
        .collect();
    if off.is_empty() {
        return outcome;
    }
    let mut outcome = outcome.fail(
        format!("version sites do not hold {}", ctx.target),
        format!(
            "run `cargo xtask bump {}`, commit, then push (`git push {} HEAD`)",
            quote(&ctx.target.to_string()),
            quote(&ctx.repo.config.release.remote)
        ),
    );
    outcome.tail = off.join("\n");
    outcome
}

fn check_changelog(ctx: &Context<'_>) -> GateResult {
    let paths: Vec<&str> = ctx
        .repo
        .config
        .sites
        .iter()
        .filter(|s| s.kind == Kind::Changelog)
        .map(|s| s.path.as_str())
        .collect();
    let paths = if paths.is_empty() {
        vec!["CHANGELOG.md"]
    } else {
        paths
    };
    let version = ctx.target.to_string();
    let remote = &ctx.repo.config.release.remote;
    let outcome = GateResult::new(
        "changelog",
        format!("## [{version}] in {}", paths.join(", ")),
    );
    for path in paths {
        let text = std::fs::read_to_string(ctx.repo.root.join(path)).unwrap_or_default();
        match keepachangelog::section(&text, &version) {
            Some(body) if !body.trim().is_empty() => {}
            Some(_) => {
                return outcome.fail(
                    format!("{path} section ## [{version}] is empty"),
                    format!(
                        "write what changed under ## [{version}] in {path}, commit, then push (`git push {} HEAD`: the git-origin gate wants HEAD on {})",
                        quote(remote),
                        remote
                    ),
                );
            }
            None => {
                return outcome.fail(
                    format!("{path} has no ## [{version}] section"),
                    format!(
                        "run `cargo xtask bump {}` (it rolls [Unreleased] over), commit, then push (`git push {} HEAD`: the git-origin gate wants HEAD on {})",
                        quote(&version),
                        quote(remote),
                        remote
                    ),
                );
            }
        }
    }
    outcome
}

fn check_ci(ctx: &Context<'_>) -> GateResult {
    let workflow = &ctx.repo.config.release.ci_workflow;
    let outcome = GateResult::new(
        "ci",
        format!(
            "gh run list --workflow {} (runs of {})",
            quote(workflow),
            short(ctx.head)
        ),
    );
    let runs = match ctx
        .repo
        .config
        .release
        .repo()
        .and_then(|repo| gh::run_list(ctx.sh, repo, workflow, Some(ctx.head)))
    {
        Ok(runs) => runs,
        Err(err) => {
            let err = redact(&format!("{err:#}"));
            let next = if err.contains("[release].github_repo") {
                "then rerun"
            } else if gh::is_flag_error(&err) {
                "the installed gh does not know a flag the xtask uses (it needs gh 2.23 or later): update gh, then rerun"
            } else {
                "check `gh auth status` and the network, then rerun"
            };
            return outcome.incomplete(
                format!("cannot list {workflow} runs"),
                format!("{err}: {next}"),
            );
        }
    };
    if runs.iter().any(gh::Run::succeeded) {
        return outcome;
    }
    let seen: Vec<String> = runs
        .iter()
        .map(|r| format!("run {}: {} {}", r.id, r.status, r.conclusion))
        .collect();
    let fix = match runs.first() {
        Some(r) if !r.completed() => {
            format!("wait for {workflow} run {} to finish, then rerun", r.id)
        }
        Some(r) => format!(
            "fix the failure of {workflow} run {} ({}), push, then rerun",
            r.id, r.url
        ),
        None => format!("push HEAD and let {workflow} run on it, then rerun"),
    };
    // The summary names no SHA, so a new HEAD does not file a second blocker.
    let mut outcome = outcome.fail(format!("no successful {workflow} run for HEAD"), fix);
    outcome.tail = format!("HEAD {}\n{}", ctx.head, seen.join("\n"));
    outcome
}

fn check_command(ctx: &Context<'_>, spec: &GateSpec) -> GateResult {
    let command = crate::words::quote_words(&spec.argv);
    let outcome = GateResult::new(&spec.name, &command);
    // Without a base to compare with (`Err`), the gate runs.
    if !spec.when_changed.is_empty()
        && let Ok(changed) = ctx.changed
    {
        let hit = changed.iter().any(|path| {
            spec.when_changed
                .iter()
                .any(|g| crate::glob::matches(g, path))
        });
        if !hit {
            let mut outcome = outcome;
            outcome.status = GateStatus::Skipped(format!(
                "no changed path matches {}",
                spec.when_changed.join(", ")
            ));
            return outcome;
        }
    }
    match tools::run_argv(ctx.sh, &spec.argv, spec.timeout) {
        Ok(out) if out.success() => outcome.with_output(&out),
        Ok(out) if out.timed_out => outcome.with_output(&out).incomplete(
            format!("`{command}` timed out after {}", crate::clock::human(spec.timeout)),
            format!("make `{command}` finish within its timeout, or raise the gate's timeout in release/config.toml"),
        ),
        Ok(out) => {
            let code = out.code.map_or("a signal".to_string(), |c| format!("exit code {c}"));
            outcome.with_output(&out).fail(
                format!("`{command}` failed with {code}"),
                format!("run `{command}`, fix what it reports, commit, then rerun"),
            )
        }
        Err(_) => outcome.incomplete(
            format!("could not start `{command}`"),
            format!("install `{}` or fix the gate's command in release/config.toml", spec.argv[0]),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_excerpt_names_the_failing_tests() {
        let cargo = "running 3 tests\ntest a::one ... ok\ntest a::two ... FAILED\n\nfailures:\n\n---- a::two stdout ----\nboom\n\nfailures:\n    a::two\n    b::three\n\ntest result: FAILED. 1 passed; 2 failed\n";
        assert_eq!(failing_tests(cargo), ["a::two", "b::three"]);
        let unittest = "..F.E\n======\nFAIL: test_x (tests.T.test_x)\n------\nERROR: test_y (tests.T.test_y)\nFAILED (failures=1, errors=1)\n";
        assert_eq!(
            failing_tests(unittest),
            ["test_x (tests.T.test_x)", "test_y (tests.T.test_y)"]
        );
        let node = "TAP version 13\nok 1 - fine\nnot ok 2 - version comes from package.json\n  ---\n# fail 1\n";
        assert_eq!(failing_tests(node), ["version comes from package.json"]);
        // The names come first, even when another suite ran last.
        let both = format!("{cargo}{}\nnode suite passed\n", "x\n".repeat(60));
        let excerpt = tail(&both);
        assert!(
            excerpt.starts_with("failing tests:\n  a::two\n  b::three\n"),
            "{excerpt}"
        );
        assert!(excerpt.ends_with("node suite passed"), "{excerpt}");
        // Nothing named: the last lines.
        assert_eq!(tail("a\nb\n"), "a\nb");
    }

    #[test]
    fn the_trackers_store_does_not_make_the_tree_dirty() {
        let ignores = vec![".ergo/".to_string(), "notes.txt".to_string()];
        let status = " M .ergo/backlog.jsonl\n?? .ergo/lock\n M notes.txt\n M src/lib.rs\n?? .ergo2/x\nR  a -> .ergo/moved\n";
        assert_eq!(
            dirty_lines(status, &ignores),
            [" M src/lib.rs", "?? .ergo2/x"]
        );
        assert!(dirty_lines(" M .ergo/backlog.jsonl\n", &ignores).is_empty());
        assert_eq!(dirty_lines(" M x\n", &[]), [" M x"]);
    }
}
