//! Release gates: what must hold before anything is tagged. Every gate runs,
//! each ends passed, failed, skipped (with the reason) or incomplete, and one
//! summary table gives the next action for each problem.

pub mod glob;

use std::time::{Duration, Instant};

use semver::Version;
use serde_json::json;
use xshell::Shell;

use crate::release::settings::GateSpec;
use crate::secrets::redact;
use crate::survey::Repo;
use crate::tools::{self, gh, git};
use crate::ui::{self, Ui};
use crate::versions::{Kind, changelog};

/// The tools a release needs, and how to get each.
pub const TOOLS: [(&str, &str); 6] = [
    ("git", "install git (Debian: apt-get install git)"),
    (
        "gh",
        "install the GitHub CLI: https://cli.github.com, then `gh auth login`",
    ),
    (
        "ergo",
        "install ergo v6 and run `ergo init` at the repository root",
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
pub enum Status {
    Passed,
    Failed,
    /// Not run, for this reason.
    Skipped(String),
    /// Timed out or could not start.
    Incomplete,
}

impl Status {
    pub fn name(&self) -> &'static str {
        match self {
            Status::Passed => "passed",
            Status::Failed => "failed",
            Status::Skipped(_) => "skipped",
            Status::Incomplete => "incomplete",
        }
    }

    /// Anything but passed or an explained skip blocks the release.
    pub fn blocks(&self) -> bool {
        matches!(self, Status::Failed | Status::Incomplete)
    }
}

/// What one gate found.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub name: String,
    /// The command or query it ran, as shown to users.
    pub command: String,
    pub status: Status,
    pub exit_code: Option<i32>,
    pub duration: Duration,
    /// A bounded, redacted tail of the output.
    pub tail: String,
    /// One line: what is wrong (stable across reruns: it names blockers).
    pub summary: String,
    /// The next action.
    pub fix: String,
}

impl Outcome {
    fn new(name: &str, command: impl Into<String>) -> Outcome {
        Outcome {
            name: name.to_string(),
            command: command.into(),
            status: Status::Passed,
            exit_code: None,
            duration: Duration::ZERO,
            tail: String::new(),
            summary: String::new(),
            fix: String::new(),
        }
    }

    fn fail(mut self, summary: impl Into<String>, fix: impl Into<String>) -> Outcome {
        self.status = Status::Failed;
        self.summary = summary.into();
        self.fix = fix.into();
        self
    }

    fn incomplete(mut self, summary: impl Into<String>, fix: impl Into<String>) -> Outcome {
        self.status = Status::Incomplete;
        self.summary = summary.into();
        self.fix = fix.into();
        self
    }

    fn with_output(mut self, out: &tools::Output) -> Outcome {
        self.exit_code = out.code;
        self.tail = tail(&out.combined());
        self
    }

    pub fn to_json(&self) -> serde_json::Value {
        json!({
            "name": self.name,
            "command": redact(&self.command),
            "status": self.status.name(),
            "reason": match &self.status { Status::Skipped(r) => Some(r.as_str()), _ => None },
            "exit_code": self.exit_code,
            "duration_ms": self.duration.as_millis() as u64,
            "summary": redact(&self.summary),
            "fix": redact(&self.fix),
            "output_tail": self.tail,
        })
    }
}

/// The last lines of `text`, bounded and redacted.
pub fn tail(text: &str) -> String {
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
pub struct Context<'a> {
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
pub enum Gate {
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
    pub fn name(&self) -> String {
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
pub fn all(specs: &[GateSpec]) -> Vec<Gate> {
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
pub fn run(ctx: &Context<'_>, gates: &[Gate], ui: Ui) -> Vec<Outcome> {
    let mut outcomes = Vec::new();
    for gate in gates {
        let name = gate.name();
        ui.line(&format!("==> {name}"));
        let start = Instant::now();
        let mut outcome = check(ctx, gate);
        outcome.duration = start.elapsed();
        let status = match &outcome.status {
            Status::Skipped(reason) => format!("skipped ({reason})"),
            other => other.name().to_string(),
        };
        ui.line(&format!(
            "    {status} ({})",
            ui::duration(outcome.duration)
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
pub fn table(outcomes: &[Outcome]) -> String {
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
            Status::Passed => "-".to_string(),
            Status::Skipped(reason) => format!("- ({reason})"),
            _ => o.fix.clone(),
        };
        let name = o.name.replace('\n', "\\n");
        out.push_str(&format!(
            "{name:width$}  {:10}  {:>8}  {next}\n",
            o.status.name(),
            ui::duration(o.duration)
        ));
    }
    out
}

fn check(ctx: &Context<'_>, gate: &Gate) -> Outcome {
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

fn check_tools() -> Outcome {
    let outcome = Outcome::new("tools", "which git gh ergo cargo npm python3");
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

fn check_credentials(ctx: &Context<'_>) -> Outcome {
    let outcome = Outcome::new("gh-auth", "gh auth status");
    match gh::auth_status(ctx.sh) {
        Ok(out) if out.success() => outcome.with_output(&out),
        Ok(out) if out.timed_out => outcome.with_output(&out).incomplete(
            "`gh auth status` timed out",
            "check the network, then rerun",
        ),
        Ok(out) => outcome.with_output(&out).fail(
            "gh is not authenticated",
            "run `gh auth login` (or set GH_TOKEN), then rerun",
        ),
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

fn check_branch(ctx: &Context<'_>) -> Outcome {
    let allowed = &ctx.repo.config.release.branches;
    let outcome = Outcome::new("git-branch", "git symbolic-ref --short HEAD");
    match current_branch(ctx.sh) {
        Some(b) if allowed.contains(&b) => outcome,
        found => outcome.fail(
            format!("not on an allowed branch ({})", allowed.join(", ")),
            format!(
                "`git switch {}` (HEAD is {}); releases are cut from [git] branches",
                allowed[0],
                found.as_deref().unwrap_or("detached")
            ),
        ),
    }
}

fn check_clean(ctx: &Context<'_>) -> Outcome {
    let outcome = Outcome::new("git-clean", "git status --porcelain");
    match git::query(ctx.sh, &["status", "--porcelain"]) {
        Ok(out) if out.success() && out.stdout.trim().is_empty() => outcome,
        Ok(out) if out.success() => outcome.with_output(&out).fail(
            "the working tree has uncommitted changes",
            "commit or stash them (`git status` lists them), then rerun",
        ),
        Ok(out) => outcome
            .with_output(&out)
            .incomplete("`git status` failed", "fix the checkout, then rerun"),
        Err(err) => outcome.incomplete("could not run git", format!("{err:#}")),
    }
}

fn check_origin(ctx: &Context<'_>) -> Outcome {
    let remote = &ctx.repo.config.release.remote;
    let branch = release_branch(ctx);
    let upstream = format!("{remote}/{branch}");
    let outcome = Outcome::new(
        "git-origin",
        format!("git fetch {remote} && git rev-parse {upstream}"),
    );
    match git::fetch(ctx.sh, remote) {
        Ok(out) if out.success() => {}
        Ok(out) => {
            return outcome.with_output(&out).incomplete(
                format!("`git fetch {remote}` failed"),
                format!("check that `{remote}` is reachable, then rerun"),
            );
        }
        Err(err) => return outcome.incomplete("could not run git fetch", format!("{err:#}")),
    }
    match git::read(ctx.sh, &["rev-parse", "--verify", &format!("{upstream}^{{commit}}")]) {
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

pub fn short(sha: &str) -> &str {
    &sha[..sha.len().min(12)]
}

fn check_tag(ctx: &Context<'_>) -> Outcome {
    let remote = &ctx.repo.config.release.remote;
    let outcome = Outcome::new(
        "tag",
        format!("git rev-parse / git ls-remote --tags {remote}"),
    );
    let names: Vec<&str> = ctx.tags.iter().map(String::as_str).collect();
    let remote_shas = match git::remote_tags(ctx.sh, remote, &names) {
        Ok(shas) => shas,
        Err(err) => {
            return outcome.incomplete(
                format!("`git ls-remote {remote}` failed"),
                format!("{err:#}: check that `{remote}` is reachable, then rerun"),
            );
        }
    };
    let mut wrong = Vec::new();
    for (tag, remote_sha) in ctx.tags.iter().zip(remote_shas) {
        match git::local_tag(ctx.sh, tag) {
            Ok(Some(sha)) if sha != ctx.head => wrong.push(format!(
                "local tag {tag} points at {} (`git tag -d {tag}` if it is stale)",
                short(&sha)
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

fn check_version(ctx: &Context<'_>) -> Outcome {
    let outcome = Outcome::new("version", "cargo xtask versions");
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
        format!("run `cargo xtask bump {}` and commit", ctx.target),
    );
    outcome.tail = off.join("\n");
    outcome
}

fn check_changelog(ctx: &Context<'_>) -> Outcome {
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
    let outcome = Outcome::new(
        "changelog",
        format!("## [{version}] in {}", paths.join(", ")),
    );
    for path in paths {
        let text = std::fs::read_to_string(ctx.repo.root.join(path)).unwrap_or_default();
        match changelog::section(&text, &version) {
            Some(body) if !body.trim().is_empty() => {}
            Some(_) => {
                return outcome.fail(
                    format!("{path} section ## [{version}] is empty"),
                    format!("write what changed under ## [{version}] in {path} and commit"),
                );
            }
            None => {
                return outcome.fail(
                    format!("{path} has no ## [{version}] section"),
                    format!(
                        "run `cargo xtask bump {version}` (it rolls [Unreleased] over) and commit"
                    ),
                );
            }
        }
    }
    outcome
}

fn check_ci(ctx: &Context<'_>) -> Outcome {
    let workflow = &ctx.repo.config.release.ci_workflow;
    let outcome = Outcome::new(
        "ci",
        format!(
            "gh run list --workflow {workflow} --commit {}",
            short(ctx.head)
        ),
    );
    let runs = match gh::run_list(ctx.sh, workflow, Some(ctx.head)) {
        Ok(runs) => runs,
        Err(err) => {
            return outcome.incomplete(
                format!("cannot list {workflow} runs"),
                format!(
                    "{}: check `gh auth status`, then rerun",
                    redact(&format!("{err:#}"))
                ),
            );
        }
    };
    let runs: Vec<_> = runs
        .into_iter()
        .filter(|r| r.head_sha == ctx.head)
        .collect();
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

fn check_command(ctx: &Context<'_>, spec: &GateSpec) -> Outcome {
    let command = crate::release::settings::quote_words(&spec.argv);
    let outcome = Outcome::new(&spec.name, &command);
    if !spec.when_changed.is_empty() {
        match ctx.changed {
            Ok(changed) => {
                let hit = changed
                    .iter()
                    .any(|path| spec.when_changed.iter().any(|g| glob::matches(g, path)));
                if !hit {
                    let mut outcome = outcome;
                    outcome.status = Status::Skipped(format!(
                        "no changed path matches {}",
                        spec.when_changed.join(", ")
                    ));
                    return outcome;
                }
            }
            Err(_) => {} // No base to compare with: run it.
        }
    }
    match tools::run_argv(ctx.sh, &spec.argv, spec.timeout) {
        Ok(out) if out.success() => outcome.with_output(&out),
        Ok(out) if out.timed_out => outcome.with_output(&out).incomplete(
            format!("`{command}` timed out after {}", ui::duration(spec.timeout)),
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
