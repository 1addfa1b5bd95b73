//! A local GitHub Actions runner for the release workflows: it runs each
//! job's own `run:` steps in order, as GitHub does (`bash -e {0}`, or
//! `bash --noprofile --norc -eo pipefail {0}` for `shell: bash`), with the
//! workflow's, job's and step's `env:`, `GITHUB_OUTPUT`, `GITHUB_ENV`,
//! `GITHUB_STEP_SUMMARY`, `GITHUB_REF`, `GITHUB_SHA`, `GITHUB_REPOSITORY`,
//! `GITHUB_RUN_ID` and the matrix values; step and job outputs are carried
//! forward, and each `uses:` is replaced by what it does, refusing what
//! GitHub refuses:
//!
//! - `actions/checkout`: the git commands the action runs (`init`, a fetch of
//!   depth 1 of the ref it resolves, `checkout`) against a local bare
//!   repository, so a repository with no commit and a missing `ref:` fail;
//! - `actions/upload-artifact` / `download-artifact`: a folder per run id and
//!   artifact name; a second upload under one name fails, and a download from
//!   another run needs `run-id`, `github-token` and the job's `actions: read`;
//! - `dtolnay/rust-toolchain`, `actions/setup-python`, `actions/setup-node`:
//!   nothing (the tools are on `PATH`); `id-token: write` sets the OIDC
//!   variables npm's trusted publishing looks for.
//!
//! GitHub itself is modelled where it decides outcomes: a job-level
//! `success()` looks at every ancestor job, not only at `needs`
//! (actions/runner#2205); a job runs only on a runner label GitHub hosts on
//! the date of the run (`World::today`, by `xtask/runners.toml`, the table
//! `verify` embeds); and `https://github.com/…` git URLs reach the local bare
//! repositories only with a token GitHub would accept (`World::git_tokens`).
//!
//! The publishing commands (`cargo publish`, `npm publish`, `twine`, `gh`) and
//! the builds that need another OS or the network (`cargo build --target`,
//! `python -m build`, `7z`) are stubs from `tests/fixtures/actions/` that log
//! their argv; `cargo xtask` is the real binary. Registries are files served
//! over HTTP ([`crate::server::Server::directory`]), the Homebrew tap is a
//! local bare repository, and every leg of the build matrix runs here (the
//! macOS and Windows legs' steps are bash too).

pub(crate) mod expr;

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};

use crate::server::Server;
use crate::support::{TempRepo, python_dir, system_path};
use expr::Status;

/// The repository the workflows release, and its Homebrew tap.
pub(crate) const REPO: &str = "plasmite/plasmite";
pub(crate) const TAP: &str = "plasmite/homebrew-tap";

/// A step that runs longer than this fails (a delivery check waiting for a
/// channel that never comes, say), so no scenario can hang the suite. It
/// is a guard against a hang, not a measure of speed: a step takes a few
/// seconds on an idle machine and over a minute on a busy one (load 9 on
/// two cores), so it is ten minutes, well inside the suite's own limit.
const STEP_TIMEOUT: Duration = Duration::from_secs(600);

/// A token GitHub accepts over HTTPS git (`https://x-access-token:<token>@github.com/<repo>.git`).
#[derive(Clone, Debug)]
pub(crate) struct GitToken {
    pub token: String,
    pub repo: String,
    pub push: bool,
}

/// What started a run.
#[derive(Clone, Debug)]
pub(crate) enum Event {
    /// A pushed tag.
    Push { tag: String },
    /// `workflow_dispatch` on `main`, with its inputs as `gh workflow run -f`
    /// sends them (strings) or as JSON; GitHub refuses what the workflow does
    /// not declare, and fills in the defaults ([`dispatch_inputs`]).
    Dispatch { inputs: Value },
}

/// One job (or matrix leg) as it ran.
#[derive(Clone, Debug, Default)]
pub(crate) struct Job {
    /// `success`, `failure` or `skipped`.
    pub result: String,
    pub outputs: Map<String, Value>,
    /// Every step's output, in order, with a `--- step` header.
    pub log: String,
    pub summary: String,
    /// The messages of the `::error` workflow commands.
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
    pub notices: Vec<String>,
    pub runs_on: String,
    pub seconds: f64,
}

/// One workflow run.
#[derive(Debug)]
pub(crate) struct Run {
    pub id: u64,
    pub workflow: String,
    /// The run's title on GitHub (`display_title`): the workflow's
    /// `run-name` for the event and inputs, else the workflow's name.
    pub title: String,
    /// By job id; a matrix job's legs are `<job> (<leg>)`, and the job itself
    /// holds their combined result.
    pub jobs: BTreeMap<String, Job>,
}

impl Run {
    pub(crate) fn job(&self, id: &str) -> &Job {
        self.jobs
            .get(id)
            .unwrap_or_else(|| panic!("{}: no job {id} in {:?}", self.workflow, self.jobs.keys()))
    }

    /// The result of each job, for messages.
    pub(crate) fn results(&self) -> String {
        self.jobs
            .iter()
            .map(|(id, j)| format!("{id}: {} ({:.1}s)\n", j.result, j.seconds))
            .collect()
    }

    /// Every job's log, for a failing assertion.
    pub(crate) fn logs(&self) -> String {
        self.jobs
            .iter()
            .map(|(id, j)| format!("===== {id}: {}\n{}", j.result, j.log))
            .collect()
    }

    pub(crate) fn success(&self) -> bool {
        self.jobs.values().all(|j| j.result != "failure")
    }

    pub(crate) fn assert_success(&self) -> &Run {
        assert!(
            self.success(),
            "{} run {} failed:\n{}\n{}",
            self.workflow,
            self.id,
            self.results(),
            self.logs()
        );
        self
    }
}

/// The repository at a version, its bare `origin`, the tap, the registries
/// and GitHub's runs and releases: the world the workflows act on.
pub(crate) struct World {
    pub repo: TempRepo,
    pub origin: PathBuf,
    pub tap: PathBuf,
    /// `ACT_STATE`: the stubs' log, registries (`registry/`), `github.json`.
    pub state: PathBuf,
    pub artifacts: PathBuf,
    pub secrets: Map<String, Value>,
    /// What GitHub's API answers as a run's `.path` after the file name
    /// (`@refs/heads/main`, say); empty by default.
    pub run_path_suffix: String,
    /// The tokens GitHub accepts over git's HTTPS, each with the repository
    /// it opens and whether it may push (`HOMEBREW_TAP_TOKEN`'s, by default).
    pub git_tokens: Vec<GitToken>,
    /// The date of the runs (`YYYY-MM-DD`): a job's runner label must be one
    /// GitHub hosts that day (`xtask/runners.toml`); the xtask's steps see it
    /// as `XTASK_TODAY`. Today's UTC date by default.
    pub today: String,
    _server: Server,
    next_run: u64,
}

impl World {
    /// A copy of this repository whose every version site is `0.0.0`, its
    /// delivery pointed at local registries, an origin, an empty tap (a new
    /// repository: not one commit), empty registries and every publish secret.
    pub(crate) fn new() -> World {
        let repo = TempRepo::of_workspace();
        let base = repo.base();
        let state = base.join("act");
        let registry = state.join("registry");
        std::fs::create_dir_all(&registry).unwrap();
        let server = Server::directory(registry.clone());
        // Version 0.0.0 everywhere, whatever this repository is at.
        let cargo = repo.read("Cargo.toml");
        let at = cargo
            .find("\nversion = \"")
            .expect("Cargo.toml has a version line")
            + 12;
        let end = at + cargo[at..].find('"').unwrap();
        repo.write(
            "Cargo.toml",
            &format!("{}0.0.0{}", &cargo[..at], &cargo[end..]),
        );
        repo.write(
            "CHANGELOG.md",
            "# Changelog\n\n## [Unreleased]\n\n## [0.0.0] - 2026-01-01\n\n- Nothing yet.\n",
        );
        repo.xtask(&["sync"]).success();
        repo.write(
            "release/config.toml",
            &local_delivery(&repo.read("release/config.toml"), &server.url),
        );
        repo.xtask(&["verify"]).success();
        repo.git(&["add", "--all"]);
        repo.git(&["commit", "--quiet", "-m", "version 0.0.0, local registries"]);
        let origin = base.join("origin.git");
        git(
            &base,
            &[
                "init",
                "--quiet",
                "--bare",
                "--initial-branch=main",
                "origin.git",
            ],
        );
        repo.git(&["remote", "add", "origin", origin.to_str().unwrap()]);
        repo.git(&["push", "--quiet", "origin", "main"]);
        // The tap as a new GitHub repository is: no commit at all.
        let tap = base.join("tap.git");
        git(
            &base,
            &[
                "init",
                "--quiet",
                "--bare",
                "--initial-branch=main",
                "tap.git",
            ],
        );
        let github = json!({"runs": {}, "releases": {}, "repos": {REPO: origin, TAP: tap}});
        std::fs::write(state.join("github.json"), github.to_string()).unwrap();
        let secrets = json!({
            "CARGO_REGISTRY_TOKEN": "cio-secret",
            "PYPI_API_TOKEN": "pypi-secret",
            "HOMEBREW_TAP_TOKEN": "tap-secret",
            "NPM_TOKEN": "npm-secret",
        });
        World {
            repo,
            origin,
            tap,
            state: state.clone(),
            artifacts: base.join("artifacts"),
            secrets: secrets.as_object().unwrap().clone(),
            run_path_suffix: String::new(),
            git_tokens: vec![GitToken {
                token: "tap-secret".into(),
                repo: TAP.into(),
                push: true,
            }],
            today: utc_today(),
            _server: server,
            next_run: 7000,
        }
    }

    /// Writes `notes` under `## [Unreleased]`, bumps to `version` with the
    /// real `cargo xtask bump`, commits and pushes main.
    pub(crate) fn bump(&self, version: &str, notes: &str) {
        let log = self.repo.read("CHANGELOG.md");
        let log = log.replacen(
            "## [Unreleased]\n",
            &format!("## [Unreleased]\n\n{notes}\n"),
            1,
        );
        self.repo.write("CHANGELOG.md", &log);
        self.repo.xtask(&["bump", version]).success();
        self.repo.commit_and_push(&format!("release {version}"));
    }

    /// Tags HEAD and pushes the tag, which starts release.yml, with the Go
    /// module's nested tag beside it (as `cargo xtask release` pushes them),
    /// which the Go module proxy then serves.
    pub(crate) fn push_tag(&self, tag: &str) {
        let go_tag = format!("bindings/go/{tag}");
        for name in [tag, go_tag.as_str()] {
            self.repo.git(&["tag", "-a", name, "-m", tag]);
        }
        self.repo
            .git(&["push", "--quiet", "--atomic", "origin", tag, &go_tag]);
        self.seed(
            &format!("go/github.com/plasmite/plasmite/bindings/go/@v/{tag}.info"),
            &format!("{{\"Version\":\"{tag}\",\"Time\":\"2026-01-15T00:00:00Z\"}}"),
        );
    }

    /// `bump`, `push_tag`, then the build run it starts.
    pub(crate) fn build(&mut self, version: &str, notes: &str) -> Run {
        self.bump(version, notes);
        let tag = format!("v{version}");
        self.push_tag(&tag);
        self.run("release.yml", Event::Push { tag })
    }

    /// Dispatches release-publish.yml for a build run.
    pub(crate) fn publish(&mut self, build_run: u64) -> Run {
        self.publish_with(build_run, false)
    }

    /// Dispatches release-publish.yml for a build run, with `allow_partial_release`.
    pub(crate) fn publish_with(&mut self, build_run: u64, allow_partial_release: bool) -> Run {
        let inputs = json!({"build_run_id": build_run.to_string(), "allow_partial_release": allow_partial_release});
        self.run("release-publish.yml", Event::Dispatch { inputs })
    }

    /// `bump`, then the rehearsal build of that commit, before any tag
    /// exists: release.yml dispatched on `main` with the tag the commit will
    /// have, as `cargo xtask release --live` dispatches it
    /// (`gh workflow run release.yml --ref main -f tag=v… -f rehearsal=true`).
    pub(crate) fn rehearse_build(&mut self, version: &str, notes: &str) -> Run {
        self.bump(version, notes);
        let inputs = json!({"tag": format!("v{version}"), "rehearsal": "true"});
        self.run("release.yml", Event::Dispatch { inputs })
    }

    /// Dispatches release-publish.yml for a build run as a rehearsal
    /// (`-f build_run_id=… -f allow_partial_release=false -f rehearsal=true`).
    pub(crate) fn rehearse_publish(&mut self, build_run: u64) -> Run {
        let inputs = json!({"build_run_id": build_run.to_string(),
            "allow_partial_release": "false", "rehearsal": "true"});
        self.run("release-publish.yml", Event::Dispatch { inputs })
    }

    /// The tags `origin` holds.
    pub(crate) fn origin_tags(&self) -> Vec<String> {
        git(&self.origin, &["tag", "--list"])
            .lines()
            .map(String::from)
            .collect()
    }

    /// Seeds a registry file (below `registry/`), as if published before.
    pub(crate) fn seed(&self, rel: &str, text: &str) {
        let path = self.state.join("registry").join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    pub(crate) fn registry(&self, rel: &str) -> Option<String> {
        std::fs::read_to_string(self.state.join("registry").join(rel)).ok()
    }

    /// Makes the next `<tool>-<verb>` stub call fail once (`npm-publish`,
    /// `twine-upload`, `cargo-publish`, `gh-release-create`).
    pub(crate) fn fail_once(&self, what: &str) {
        std::fs::create_dir_all(self.state.join("fail")).unwrap();
        std::fs::write(self.state.join("fail").join(what), "").unwrap();
    }

    /// Every stub call so far: `{"tool", "argv", "job", "run", "cwd", …}`.
    pub(crate) fn calls(&self) -> Vec<Value> {
        std::fs::read_to_string(self.state.join("calls.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    /// The calls of one tool whose argv starts with `prefix`, as argv lines.
    pub(crate) fn calls_of(&self, tool: &str, prefix: &[&str]) -> Vec<Value> {
        self.calls()
            .into_iter()
            .filter(|c| {
                c["tool"] == tool
                    && prefix
                        .iter()
                        .enumerate()
                        .all(|(i, p)| c["argv"].get(i).and_then(Value::as_str) == Some(p))
            })
            .collect()
    }

    /// GitHub's state: `{"runs", "releases", "repos"}`.
    pub(crate) fn github(&self) -> Value {
        serde_json::from_str(&std::fs::read_to_string(self.state.join("github.json")).unwrap())
            .unwrap()
    }

    /// The files of one artifact of a run, by name, with their bytes.
    pub(crate) fn artifact(&self, run: u64, name: &str) -> BTreeMap<String, Vec<u8>> {
        crate::support::snapshot(&self.artifacts.join(run.to_string()).join(name))
    }

    pub(crate) fn has_artifacts(&self, run: u64) -> bool {
        self.artifacts.join(run.to_string()).exists()
    }

    /// The tap's file at its default branch, if any.
    pub(crate) fn tap_file(&self, rel: &str) -> Option<String> {
        let out = Command::new("git")
            .args(["--git-dir"])
            .arg(&self.tap)
            .args(["show", &format!("HEAD:{rel}")])
            .output()
            .unwrap();
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// The commits of the tap's default branch (0 while it has none).
    pub(crate) fn tap_commits(&self) -> usize {
        let out = Command::new("git")
            .arg("--git-dir")
            .arg(&self.tap)
            .args(["rev-list", "--count", "HEAD"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .unwrap_or(0)
    }

    /// Where each GitHub repository of this world lives (while it exists).
    fn bare(&self, repository: &str) -> Option<&Path> {
        let path = match repository {
            REPO => &self.origin,
            TAP => &self.tap,
            _ => return None,
        };
        path.exists().then_some(path.as_path())
    }

    /// git's configuration on a runner of this world, as `GIT_CONFIG_*`
    /// variables: `https://github.com/<repo>.git` reads a public repository,
    /// `https://x-access-token:<token>@github.com/<repo>.git` reads it with a
    /// token, and pushes only with a token that may push. Any other
    /// `https://` URL (a wrong token, a repository that does not exist, an
    /// anonymous push) leads nowhere, and git fails as it does on GitHub.
    fn git_url_config(&self) -> Vec<(String, String)> {
        let deny = format!("file://{}/", self.state.join("github-refused").display());
        let mut rules = vec![(format!("url.{deny}.insteadOf"), "https://".to_string())];
        for repository in [REPO, TAP] {
            let Some(bare) = self.bare(repository) else {
                continue;
            };
            let local = format!("file://{}", bare.display());
            let public = format!("https://github.com/{repository}.git");
            rules.push((format!("url.{local}.insteadOf"), public.clone()));
            rules.push((format!("url.{deny}anonymous.pushInsteadOf"), public));
            for t in self.git_tokens.iter().filter(|t| t.repo == repository) {
                let url = format!(
                    "https://x-access-token:{}@github.com/{repository}.git",
                    t.token
                );
                rules.push((format!("url.{local}.insteadOf"), url.clone()));
                if !t.push {
                    rules.push((format!("url.{deny}read-only.pushInsteadOf"), url));
                }
            }
        }
        let mut vars = vec![("GIT_CONFIG_COUNT".to_string(), rules.len().to_string())];
        for (i, (key, value)) in rules.into_iter().enumerate() {
            vars.push((format!("GIT_CONFIG_KEY_{i}"), key));
            vars.push((format!("GIT_CONFIG_VALUE_{i}"), value));
        }
        vars
    }

    /// Runs one workflow of the repository at `main` as GitHub would for `event`.
    pub(crate) fn run(&mut self, workflow: &str, event: Event) -> Run {
        self.next_run += 1;
        let id = self.next_run;
        let doc = load(&self.repo.path(".github/workflows").join(workflow));
        let (git_ref, sha) = match &event {
            Event::Push { tag } => (
                format!("refs/tags/{tag}"),
                self.repo.git(&["rev-parse", &format!("{tag}^{{commit}}")]),
            ),
            Event::Dispatch { .. } => (
                "refs/heads/main".to_string(),
                self.repo.git(&["rev-parse", "refs/remotes/origin/main"]),
            ),
        };
        let inputs = match &event {
            Event::Dispatch { inputs } => dispatch_inputs(workflow, &doc, inputs),
            Event::Push { .. } => json!({}),
        };
        let ref_name = git_ref.rsplit('/').next().unwrap().to_string();
        let github = json!({
            "ref": git_ref, "ref_name": ref_name, "sha": sha, "repository": REPO,
            "run_id": id.to_string(), "token": "ghs_run_token",
            "event_name": match event { Event::Push { .. } => "push", Event::Dispatch { .. } => "workflow_dispatch" },
        });
        let title = match doc.get("run-name") {
            Some(name) => expr::interpolate(
                &expr::to_text(name),
                &json!({"github": github, "inputs": inputs}),
                Status { failed: false },
            ),
            None => expr::to_text(&doc["name"]),
        };
        let mut run = Run {
            id,
            workflow: workflow.to_string(),
            title,
            jobs: BTreeMap::new(),
        };
        let jobs = doc["jobs"].as_object().unwrap();
        for job_id in order(jobs) {
            let job = &jobs[&job_id];
            understood(&format!("{workflow}: job {job_id}"), job, JOB_KEYS);
            for step in job["steps"].as_array().unwrap() {
                understood(&format!("{workflow}: a step of {job_id}"), step, STEP_KEYS);
            }
            let needs = needs_of(job);
            let needs_ctx: Map<String, Value> = needs
                .iter()
                .map(|n| {
                    let j = run.job(n);
                    (n.clone(), json!({"result": j.result, "outputs": j.outputs}))
                })
                .collect();
            // A job-level `success()` looks at every ancestor, not only at
            // `needs` (actions/runner#2205): a skipped or failed grandparent
            // skips a job whose `if:` does not say otherwise.
            let status = Status {
                failed: ancestors(jobs, &job_id)
                    .iter()
                    .any(|a| run.job(a).result != "success"),
            };
            let ctx = json!({
                "github": github, "inputs": inputs, "secrets": self.secrets,
                "needs": needs_ctx, "env": doc.get("env").cloned().unwrap_or(json!({})),
            });
            let condition = job
                .get("if")
                .map(expr::to_text)
                .unwrap_or_else(|| "success()".into());
            if !expr::condition(&condition, &ctx, status) {
                run.jobs.insert(
                    job_id.clone(),
                    Job {
                        result: "skipped".into(),
                        ..Job::default()
                    },
                );
                continue;
            }
            let legs: Vec<Value> = match job.get("strategy").map(|s| &s["matrix"]) {
                None => vec![Value::Null],
                Some(m) => {
                    let m = match m {
                        Value::String(s) => expr::value(s, &ctx, status),
                        other => other.clone(),
                    };
                    m["include"]
                        .as_array()
                        .expect("a matrix of include: entries")
                        .clone()
                }
            };
            let mut combined = Job {
                result: "success".into(),
                ..Job::default()
            };
            for leg in &legs {
                let mut ctx = ctx.clone();
                ctx["matrix"] = leg.clone();
                let started = Instant::now();
                let mut ran = self.run_job(&doc, &job_id, job, ctx, &git_ref, &sha, id);
                ran.seconds = started.elapsed().as_secs_f64();
                combined.seconds += ran.seconds;
                if leg.is_null() {
                    combined = ran;
                } else {
                    let name = format!("{job_id} ({})", leg["platform"].as_str().unwrap_or("leg"));
                    if ran.result != "success" {
                        combined.result = ran.result.clone();
                    }
                    combined.log.push_str(&format!("===== {name}\n{}", ran.log));
                    run.jobs.insert(name, ran);
                }
            }
            run.jobs.insert(job_id.clone(), combined);
        }
        // GitHub's record of the run, as `gh api repos/…/actions/runs/<id>` answers it.
        let mut github_state = self.github();
        github_state["runs"][id.to_string()] = json!({
            "id": id,
            "path": format!(".github/workflows/{workflow}{}", self.run_path_suffix),
            "status": "completed",
            "conclusion": if run.success() { "success" } else { "failure" },
            "head_sha": sha,
            "display_title": run.title,
        });
        std::fs::write(self.state.join("github.json"), github_state.to_string()).unwrap();
        run
    }

    #[allow(clippy::too_many_arguments)]
    fn run_job(
        &self,
        doc: &Value,
        job_id: &str,
        job: &Value,
        mut ctx: Value,
        git_ref: &str,
        sha: &str,
        run_id: u64,
    ) -> Job {
        let leg = ctx["matrix"]["platform"]
            .as_str()
            .map(|p| format!("-{p}"))
            .unwrap_or_default();
        let home = self
            .repo
            .base()
            .join("jobs")
            .join(format!("{run_id}-{job_id}{leg}"));
        let workspace = home.join("workspace");
        let temp = home.join("temp");
        std::fs::create_dir_all(&workspace).unwrap();
        std::fs::create_dir_all(&temp).unwrap();
        let status_ok = Status { failed: false };
        let permissions = job
            .get("permissions")
            .or_else(|| doc.get("permissions"))
            .cloned();
        let can = |scope: &str, level: &str| {
            permissions.as_ref().is_some_and(|p| {
                p.as_str() == Some("write-all")
                    || p[scope] == level
                    || (level == "read" && p[scope] == "write")
            })
        };
        let mut out = Job {
            result: "success".into(),
            ..Job::default()
        };
        out.runs_on = expr::interpolate(&expr::to_text(&job["runs-on"]), &ctx, status_ok);
        if let Err(why) = hosted(&out.runs_on, &self.today) {
            out.result = "failure".into();
            out.log.push_str(&format!("no runner: {why}\n"));
            return out;
        }
        let mut env: Map<String, Value> = Map::new();
        for scope in [doc.get("env"), job.get("env")].into_iter().flatten() {
            for (k, v) in scope.as_object().unwrap() {
                env.insert(
                    k.clone(),
                    Value::String(expr::interpolate(&expr::to_text(v), &ctx, status_ok)),
                );
            }
        }
        ctx["steps"] = json!({});
        let mut failed = false;
        for (n, step) in job["steps"].as_array().unwrap().iter().enumerate() {
            let status = Status { failed };
            let condition = step
                .get("if")
                .map(expr::to_text)
                .unwrap_or_else(|| "success()".into());
            ctx["env"] = Value::Object(env.clone());
            if !expr::condition(&condition, &ctx, status) {
                continue;
            }
            let title = step
                .get("name")
                .or_else(|| step.get("uses"))
                .or_else(|| step.get("run"))
                .map(expr::to_text)
                .unwrap_or_default();
            out.log.push_str(&format!("--- {title}\n"));
            let with: Map<String, Value> = step
                .get("with")
                .and_then(Value::as_object)
                .map(|w| {
                    w.iter()
                        .map(|(k, v)| (k.clone(), expr::value(&expr::to_text(v), &ctx, status)))
                        .collect()
                })
                .unwrap_or_default();
            let result: Result<Map<String, Value>, String> =
                if let Some(uses) = step["uses"].as_str() {
                    let action = uses.split('@').next().unwrap();
                    self.action(action, &with, &workspace, git_ref, sha, run_id, &can)
                        .map(|()| Map::new())
                } else {
                    let mut step_env = env.clone();
                    if let Some(e) = step.get("env").and_then(Value::as_object) {
                        for (k, v) in e {
                            step_env.insert(
                                k.clone(),
                                Value::String(expr::interpolate(&expr::to_text(v), &ctx, status)),
                            );
                        }
                    }
                    let script = expr::interpolate(step["run"].as_str().unwrap(), &ctx, status);
                    let dir = step
                        .get("working-directory")
                        .or_else(|| job.pointer("/defaults/run/working-directory"))
                        .map(|d| workspace.join(expr::interpolate(&expr::to_text(d), &ctx, status)))
                        .unwrap_or_else(|| workspace.clone());
                    let shell = step.get("shell").map(expr::to_text);
                    let files = StepFiles::new(&temp, n);
                    let mut vars: Vec<(String, String)> = step_env
                        .iter()
                        .map(|(k, v)| (k.clone(), expr::to_text(v)))
                        .collect();
                    for (k, v) in [
                        ("GITHUB_ACTIONS", "true".to_string()),
                        ("CI", "true".to_string()),
                        ("GITHUB_WORKSPACE", workspace.display().to_string()),
                        ("GITHUB_REF", git_ref.to_string()),
                        (
                            "GITHUB_REF_NAME",
                            git_ref.rsplit('/').next().unwrap().to_string(),
                        ),
                        ("GITHUB_SHA", sha.to_string()),
                        ("GITHUB_REPOSITORY", REPO.to_string()),
                        ("GITHUB_RUN_ID", run_id.to_string()),
                        ("GITHUB_JOB", job_id.to_string()),
                        ("GITHUB_OUTPUT", files.output.display().to_string()),
                        ("GITHUB_ENV", files.env.display().to_string()),
                        ("GITHUB_STEP_SUMMARY", files.summary.display().to_string()),
                        ("RUNNER_OS", "Linux".to_string()),
                        ("RUNNER_TEMP", temp.display().to_string()),
                        ("XTASK_TODAY", self.today.clone()),
                    ] {
                        vars.push((k.to_string(), v));
                    }
                    vars.extend(self.git_url_config());
                    if can("id-token", "write") {
                        vars.push((
                            "ACTIONS_ID_TOKEN_REQUEST_URL".into(),
                            "https://token.actions.invalid".into(),
                        ));
                        vars.push((
                            "ACTIONS_ID_TOKEN_REQUEST_TOKEN".into(),
                            "oidc-request-token".into(),
                        ));
                    }
                    self.bash(
                        &script,
                        shell.as_deref(),
                        &dir,
                        &vars,
                        job_id,
                        &files,
                        &mut out,
                    )
                };
            match result {
                Ok(outputs) => {
                    if let Some(id) = step["id"].as_str() {
                        ctx["steps"][id] = json!({"outputs": outputs, "outcome": "success", "conclusion": "success"});
                    }
                    // GITHUB_ENV lines reach the steps after this one.
                    let added =
                        std::fs::read_to_string(temp.join(format!("env-{n}"))).unwrap_or_default();
                    for (k, v) in parse_commands(&added) {
                        env.insert(k, Value::String(v));
                    }
                }
                Err(message) => {
                    out.log.push_str(&format!("step failed: {message}\n"));
                    failed = true;
                    if let Some(id) = step["id"].as_str() {
                        ctx["steps"][id] =
                            json!({"outputs": {}, "outcome": "failure", "conclusion": "failure"});
                    }
                }
            }
        }
        if failed {
            out.result = "failure".into();
        } else if let Some(outputs) = job.get("outputs").and_then(Value::as_object) {
            for (k, v) in outputs {
                out.outputs.insert(
                    k.clone(),
                    Value::String(expr::interpolate(
                        &expr::to_text(v),
                        &ctx,
                        Status { failed },
                    )),
                );
            }
        }
        out
    }

    /// Runs one `run:` script; its `GITHUB_OUTPUT` lines are the step's outputs.
    #[allow(clippy::too_many_arguments)]
    fn bash(
        &self,
        script: &str,
        shell: Option<&str>,
        dir: &Path,
        vars: &[(String, String)],
        job_id: &str,
        files: &StepFiles,
        out: &mut Job,
    ) -> Result<Map<String, Value>, String> {
        std::fs::write(&files.script, script).unwrap();
        let args: Vec<&str> = match shell {
            None => vec!["-e"],
            Some("bash") => vec!["--noprofile", "--norc", "-eo", "pipefail"],
            Some(other) => panic!("the harness runs bash steps only, not shell: {other}"),
        };
        let stubs = crate::support::fixtures().join("actions/bin");
        let path = std::env::join_paths(
            [Some(stubs), python_dir()]
                .into_iter()
                .flatten()
                .chain(system_path().iter().cloned()),
        )
        .unwrap();
        let real_npm = system_path()
            .iter()
            .map(|d| d.join("npm"))
            .find(|p| p.exists())
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        let mut command = Command::new("bash");
        command.args(&args).arg(&files.script).current_dir(dir);
        // Its own process group, so a timeout stops the step's children too
        // (they hold its output pipes open).
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        for (k, _) in std::env::vars_os() {
            let k = k.to_string_lossy().into_owned();
            if k.starts_with("GITHUB_")
                || k.starts_with("ACTIONS_")
                || k.starts_with("CARGO_")
                || k.starts_with("TWINE_")
                || k.starts_with("NPM_")
                || k.starts_with("RUNNER_")
                || k.ends_with("_TOKEN")
                || k == "CI"
                || k == "NODE_AUTH_TOKEN"
            {
                command.env_remove(&k);
            }
        }
        command
            .env("PATH", path)
            .env("ACT_STATE", &self.state)
            .env("ACT_JOB", job_id)
            .env("XTASK_BIN", env!("CARGO_BIN_EXE_xtask"))
            .env("REAL_NPM", real_npm)
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("npm_config_update_notifier", "false")
            .envs(vars.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let started = Instant::now();
        let mut child = command.spawn().expect("bash runs");
        let (mut stdout, mut stderr) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
        let err_reader = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = stderr.read_to_string(&mut s);
            s
        });
        let out_reader = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = stdout.read_to_string(&mut s);
            s
        });
        let code = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status.code();
            }
            if started.elapsed() > STEP_TIMEOUT {
                let group = format!("-{}", child.id());
                let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        let text = format!(
            "{}{}",
            out_reader.join().unwrap(),
            err_reader.join().unwrap()
        );
        for line in text.lines() {
            // `::error::…` and `::error file=…,line=…::…` alike.
            let command = |name: &str| {
                let rest = line.strip_prefix("::")?.strip_prefix(name)?;
                let (properties, message) = rest.split_once("::")?;
                (properties.is_empty() || properties.starts_with(' ')).then(|| message.to_string())
            };
            if let Some(message) = command("error") {
                out.errors.push(message);
            } else if let Some(message) = command("notice") {
                out.notices.push(message);
            } else if let Some(message) = command("warning") {
                out.warnings.push(message);
            }
        }
        out.log.push_str(&text);
        out.summary
            .push_str(&std::fs::read_to_string(&files.summary).unwrap_or_default());
        match code {
            Some(0) => Ok(parse_commands(
                &std::fs::read_to_string(&files.output).unwrap_or_default(),
            )
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect()),
            Some(c) => Err(format!("exit {c}")),
            None => Err(format!("timed out after {}s", STEP_TIMEOUT.as_secs())),
        }
    }

    /// `actions/checkout`, by the git commands the action runs: `git init`,
    /// a fetch of depth 1 of the ref it resolves (the event's ref and SHA for
    /// this repository, the default branch for another), then a checkout. A
    /// repository with no commit has no default branch to fetch, and a `ref:`
    /// that does not exist cannot be fetched: both fail, as on GitHub
    /// (actions/checkout#746, #1477).
    fn checkout(
        &self,
        with: &Map<String, Value>,
        workspace: &Path,
        git_ref: &str,
        sha: &str,
    ) -> Result<(), String> {
        let input = |k: &str| with.get(k).map(expr::to_text).filter(|s| !s.is_empty());
        let repository = input("repository").unwrap_or_else(|| REPO.to_string());
        let Some(bare) = self.bare(&repository) else {
            return Err(format!(
                "checkout: repository {repository} not found (HTTP 404)"
            ));
        };
        let dest = workspace.join(input("path").unwrap_or_else(|| ".".into()));
        // The action empties the directory it checks out into.
        let _ = std::fs::remove_dir_all(&dest);
        std::fs::create_dir_all(&dest).unwrap();
        let is_sha = |s: &str| s.len() == 40 && s.chars().all(|c| c.is_ascii_hexdigit());
        let (mut at, commit) = match input("ref") {
            Some(r) if is_sha(&r) => (String::new(), r),
            Some(r) => (r, String::new()),
            None if repository == REPO => (git_ref.to_string(), sha.to_string()),
            None => (String::new(), String::new()),
        };
        if at.is_empty() && commit.is_empty() {
            // The default branch, as GitHub's API names it (also for an
            // empty repository).
            let head = git(bare, &["symbolic-ref", "HEAD"]);
            at = head.trim().to_string();
        }
        let refspec = if !commit.is_empty() {
            match at.strip_prefix("refs/heads/") {
                Some(branch) => format!("+{commit}:refs/remotes/origin/{branch}"),
                None if at.starts_with("refs/tags/") => format!("+{commit}:{at}"),
                None => commit.clone(),
            }
        } else if let Some(branch) = at.strip_prefix("refs/heads/") {
            format!("+{at}:refs/remotes/origin/{branch}")
        } else if at.starts_with("refs/") {
            format!("+{at}:{at}")
        } else {
            format!("+refs/heads/{at}*:refs/remotes/origin/{at}*")
        };
        let url = format!("file://{}", bare.display());
        run_git(&dest, &["init", "--quiet"])?;
        run_git(&dest, &["remote", "add", "origin", &url])?;
        run_git(
            &dest,
            &[
                "-c",
                "protocol.version=2",
                "fetch",
                "--no-tags",
                "--prune",
                "--no-recurse-submodules",
                "--depth=1",
                "origin",
                &refspec,
            ],
        )?;
        let target = if let Some(branch) = at.strip_prefix("refs/heads/") {
            vec![
                "-B".to_string(),
                branch.to_string(),
                format!("refs/remotes/origin/{branch}"),
            ]
        } else if !at.is_empty() && at.starts_with("refs/") {
            vec![at.clone()]
        } else {
            vec![commit.clone()]
        };
        let mut args = vec!["checkout", "--quiet", "--force"];
        args.extend(target.iter().map(String::as_str));
        run_git(&dest, &args)
    }

    /// What a `uses:` step does.
    #[allow(clippy::too_many_arguments)]
    fn action(
        &self,
        action: &str,
        with: &Map<String, Value>,
        workspace: &Path,
        git_ref: &str,
        sha: &str,
        run_id: u64,
        can: &dyn Fn(&str, &str) -> bool,
    ) -> Result<(), String> {
        let input = |k: &str| with.get(k).map(expr::to_text).filter(|s| !s.is_empty());
        match action {
            "dtolnay/rust-toolchain" | "actions/setup-python" | "actions/setup-node" => Ok(()),
            "actions/checkout" => self.checkout(with, workspace, git_ref, sha),
            "actions/upload-artifact" => {
                let name = input("name").unwrap_or_else(|| "artifact".into());
                let dest = self.artifacts.join(run_id.to_string()).join(&name);
                if dest.exists() {
                    return Err(format!(
                        "an artifact with the name {name} already exists in run {run_id}"
                    ));
                }
                let pattern = input("path").ok_or("upload-artifact: no path")?;
                let found = Command::new("bash")
                    .args([
                        "-c",
                        "shopt -s nullglob; for f in $1; do printf '%s\\0' \"$f\"; done",
                        "-",
                        &pattern,
                    ])
                    .current_dir(workspace)
                    .output()
                    .unwrap();
                let files: Vec<String> = String::from_utf8_lossy(&found.stdout)
                    .split('\0')
                    .filter(|f| !f.is_empty() && workspace.join(f).exists())
                    .map(String::from)
                    .collect();
                if files.is_empty() {
                    if input("if-no-files-found").as_deref() == Some("error") {
                        return Err(format!(
                            "upload-artifact {name}: no files were found with the path {pattern}"
                        ));
                    }
                    return Ok(());
                }
                std::fs::create_dir_all(&dest).unwrap();
                for f in files {
                    let from = workspace.join(&f);
                    let to = dest.join(from.file_name().unwrap());
                    if from.is_dir() {
                        crate::support::copy_tree(&from, &to);
                    } else {
                        std::fs::copy(&from, &to).unwrap();
                    }
                }
                Ok(())
            }
            "actions/download-artifact" => {
                let from_run = match input("run-id") {
                    Some(other) => {
                        if !can("actions", "read") {
                            return Err(format!(
                                "download-artifact from run {other}: Resource not accessible by integration (the job needs `actions: read`)"
                            ));
                        }
                        // Without github-token the action looks in this run only.
                        match input("github-token").as_deref() {
                            None => {
                                return Err(format!(
                                    "Unable to download artifact(s): Artifact not found for name: {:?} in run {run_id} (a download from run {other} needs github-token)",
                                    input("name")
                                        .or_else(|| input("pattern"))
                                        .unwrap_or_default()
                                ));
                            }
                            Some("ghs_run_token") => {}
                            Some(_) => {
                                return Err(
                                    "download-artifact: the harness knows only github.token as github-token".into(),
                                );
                            }
                        }
                        other
                    }
                    None => run_id.to_string(),
                };
                let store = self.artifacts.join(&from_run);
                let dest = workspace.join(input("path").unwrap_or_else(|| ".".into()));
                let names: Vec<String> = match (input("name"), input("pattern")) {
                    (Some(name), _) => vec![name],
                    (None, Some(pattern)) => std::fs::read_dir(&store)
                        .into_iter()
                        .flatten()
                        .flatten()
                        .map(|e| e.file_name().to_string_lossy().into_owned())
                        .filter(|n| glob(&pattern, n))
                        .collect(),
                    (None, None) => {
                        return Err("download-artifact: the harness needs name or pattern".into());
                    }
                };
                if names.is_empty() || names.iter().any(|n| !store.join(n).exists()) {
                    return Err(format!(
                        "Unable to download artifact(s): Artifact not found for name: {names:?} in run {from_run}"
                    ));
                }
                let merge =
                    input("merge-multiple").as_deref() == Some("true") || input("name").is_some();
                for name in names {
                    let to = if merge {
                        dest.clone()
                    } else {
                        dest.join(&name)
                    };
                    crate::support::copy_tree(&store.join(&name), &to);
                }
                Ok(())
            }
            other => panic!(
                "the harness does not know the action {other}: teach it what the action does"
            ),
        }
    }
}

/// The `inputs` context of a `workflow_dispatch`, as GitHub makes it, or a
/// panic where GitHub refuses the dispatch (no run is created): a workflow
/// without the trigger, an input it does not declare, a required input not
/// given, a boolean input that is neither `true` nor `false`. Defaults are
/// filled in (a boolean without one is `false`, a string `""`), and a boolean
/// is a boolean, whether given as one or as `gh workflow run -f` sends it.
fn dispatch_inputs(workflow: &str, doc: &Value, given: &Value) -> Value {
    let Some(trigger) = doc["on"].get("workflow_dispatch") else {
        panic!(
            "GitHub refuses to dispatch {workflow}: HTTP 422: Workflow does not have 'workflow_dispatch' trigger"
        );
    };
    let declared = trigger
        .get("inputs")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let given = given.as_object().expect("the inputs are an object");
    let unexpected: Vec<&String> = given
        .keys()
        .filter(|k| !declared.contains_key(*k))
        .collect();
    assert!(
        unexpected.is_empty(),
        "GitHub refuses to dispatch {workflow}: HTTP 422: Unexpected inputs provided: {unexpected:?}"
    );
    let mut inputs = Map::new();
    for (name, spec) in &declared {
        let boolean = spec["type"] == "boolean";
        let value = match given.get(name).or_else(|| spec.get("default")) {
            Some(v) => v.clone(),
            None if spec["required"] == true => panic!(
                "GitHub refuses to dispatch {workflow}: HTTP 422: Required input '{name}' not provided"
            ),
            None if boolean => Value::Bool(false),
            None => Value::String(String::new()),
        };
        let value = if boolean {
            match expr::to_text(&value).as_str() {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                other => panic!(
                    "GitHub refuses to dispatch {workflow}: the boolean input '{name}' is '{other}', not true or false"
                ),
            }
        } else {
            Value::String(expr::to_text(&value))
        };
        inputs.insert(name.clone(), value);
    }
    Value::Object(inputs)
}

/// The job and step keys the harness implements; `timeout-minutes` and
/// `fail-fast` change nothing for a run that passes.
const JOB_KEYS: &[&str] = &[
    "name",
    "needs",
    "if",
    "runs-on",
    "permissions",
    "outputs",
    "env",
    "strategy",
    "steps",
    "defaults",
    "timeout-minutes",
];
const STEP_KEYS: &[&str] = &[
    "name",
    "id",
    "if",
    "uses",
    "with",
    "run",
    "env",
    "shell",
    "working-directory",
];

/// Panics on a key the harness does not implement (`continue-on-error`, say),
/// so a workflow cannot pass here by using what it ignores.
fn understood(what: &str, value: &Value, known: &[&str]) {
    for key in value.as_object().unwrap().keys() {
        assert!(
            known.contains(&key.as_str()),
            "{what} uses `{key}`, which the workflow harness does not implement: teach it (tests/it/actions/mod.rs)"
        );
    }
}

/// The step's files: its script, and GitHub's command files.
struct StepFiles {
    script: PathBuf,
    output: PathBuf,
    env: PathBuf,
    summary: PathBuf,
}

impl StepFiles {
    fn new(temp: &Path, n: usize) -> StepFiles {
        StepFiles {
            script: temp.join(format!("step-{n}.sh")),
            output: temp.join(format!("output-{n}")),
            env: temp.join(format!("env-{n}")),
            summary: temp.join(format!("summary-{n}")),
        }
    }
}

/// `key=value` and `key<<EOF … EOF` lines, as GITHUB_OUTPUT and GITHUB_ENV hold them.
fn parse_commands(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if let Some((k, delim)) = line.split_once("<<") {
            let mut value = Vec::new();
            for l in lines.by_ref() {
                if l == delim {
                    break;
                }
                value.push(l);
            }
            out.push((k.to_string(), value.join("\n")));
        } else if let Some((k, v)) = line.split_once('=') {
            out.push((k.to_string(), v.to_string()));
        }
    }
    out
}

/// `*` matches anything: the artifact name patterns (`cli-*`).
fn glob(pattern: &str, name: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == name,
        Some((head, tail)) => name.starts_with(head) && name[head.len()..].ends_with(tail),
    }
}

/// A job's `needs`, as a list.
fn needs_of(job: &Value) -> Vec<String> {
    match &job["needs"] {
        Value::String(s) => vec![s.clone()],
        Value::Array(a) => a.iter().map(|n| n.as_str().unwrap().to_string()).collect(),
        _ => Vec::new(),
    }
}

/// Every job `id` needs, directly or through another job.
fn ancestors(jobs: &Map<String, Value>, id: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let mut todo = needs_of(&jobs[id]);
    while let Some(next) = todo.pop() {
        if !found.contains(&next) {
            todo.extend(needs_of(&jobs[&next]));
            found.push(next);
        }
    }
    found.sort();
    found
}

/// Whether GitHub hosts the runner `label` on `day`, by the table `verify`
/// embeds (`xtask/runners.toml`): one of its hosted labels, or a retired
/// one before its date.
fn hosted(label: &str, day: &str) -> Result<(), String> {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("runners.toml"))
        .expect("xtask/runners.toml");
    let doc: toml_edit::DocumentMut = text.parse().expect("xtask/runners.toml is TOML");
    let retired = doc["retired"]
        .as_array_of_tables()
        .unwrap()
        .iter()
        .find(|t| t["label"].as_str() == Some(label));
    if let Some(t) = retired {
        let date = t["date"].as_str().unwrap();
        if day >= date {
            return Err(format!(
                "GitHub retired the runner label {label} on {date} ({}): the job gets no runner",
                t["announcement"].as_str().unwrap()
            ));
        }
        return Ok(());
    }
    let known = doc["hosted"]
        .as_array()
        .unwrap()
        .iter()
        .any(|h| h.as_str() == Some(label));
    if known {
        Ok(())
    } else {
        Err(format!(
            "GitHub hosts no runner labelled {label} (xtask/runners.toml lists those it hosts)"
        ))
    }
}

/// Today's UTC date, `YYYY-MM-DD`, as `date` gives it (the xtask's own
/// calendar arithmetic lives in its `clock.rs`, out of a test's reach).
fn utc_today() -> String {
    let out = std::process::Command::new("date")
        .args(["-u", "+%Y-%m-%d"])
        .output()
        .expect("date runs");
    assert!(out.status.success(), "date -u failed");
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// The jobs in an order that respects `needs`, ties by name.
fn order(jobs: &Map<String, Value>) -> Vec<String> {
    let mut done: Vec<String> = Vec::new();
    while done.len() < jobs.len() {
        let next = jobs
            .iter()
            .find(|(id, job)| {
                !done.contains(id)
                    && match &job["needs"] {
                        Value::String(n) => done.contains(n),
                        Value::Array(a) => a
                            .iter()
                            .all(|n| done.iter().any(|d| d == n.as_str().unwrap())),
                        _ => true,
                    }
            })
            .map(|(id, _)| id.clone())
            .expect("the jobs' needs form no cycle");
        done.push(next);
    }
    done
}

/// A workflow file as JSON, through PyYAML (`on` is read back as `on`).
pub(crate) fn load(path: &Path) -> Value {
    let script = "import json, sys, yaml\ndoc = yaml.safe_load(open(sys.argv[1]))\nif True in doc: doc['on'] = doc.pop(True)\nprint(json.dumps(doc))";
    let out = Command::new("python3")
        .args(["-c", script])
        .arg(path)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "cannot parse {} with PyYAML (`python3 -m pip install pyyaml`, as .ci/run does): {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The config with `[delivery]` pointed at the local registries and quick retries.
fn local_delivery(config: &str, url: &str) -> String {
    let mut out = String::new();
    let mut in_delivery = false;
    for line in config.lines() {
        if line.starts_with('[') {
            in_delivery = line.trim() == "[delivery]";
            out.push_str(line);
            out.push('\n');
            if in_delivery {
                out.push_str(&format!(
                    "crates_index = \"{url}/crates\"\nnpm_registry = \"{url}/npm\"\npypi = \"{url}/pypi\"\ngo_proxy = \"{url}/go\"\nbackoff = \"50ms\"\nbackoff_max = \"200ms\"\nrequest_timeout = \"5s\"\n"
                ));
            }
            continue;
        }
        let key = line.split('=').next().unwrap_or("").trim();
        if in_delivery
            && [
                "crates_index",
                "npm_registry",
                "pypi",
                "go_proxy",
                "backoff",
                "backoff_max",
                "request_timeout",
            ]
            .contains(&key)
        {
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    assert!(
        out.contains(&format!("{url}/crates")),
        "the config has no [delivery] section"
    );
    out
}

fn run_git(dir: &Path, args: &[&str]) -> Result<(), String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .unwrap();
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn reads_github_output_and_env_files() {
    let text = "tag=v1.0.0\nnotes<<EOF\nline one\nline=two\nEOF\nempty=\n";
    assert_eq!(
        parse_commands(text),
        [
            ("tag".to_string(), "v1.0.0".to_string()),
            ("notes".to_string(), "line one\nline=two".to_string()),
            ("empty".to_string(), String::new()),
        ]
    );
}

#[test]
fn orders_jobs_by_needs_and_matches_artifact_patterns() {
    let jobs = json!({"c": {"needs": ["a", "b"]}, "b": {"needs": "a"}, "a": {}});
    assert_eq!(order(jobs.as_object().unwrap()), ["a", "b", "c"]);
    assert!(glob("cli-*", "cli-linux-x86_64"));
    assert!(!glob("cli-*", "python-dist"));
    assert!(glob("sha256sums", "sha256sums"));
}

#[test]
fn a_job_level_success_looks_at_every_ancestor() {
    let jobs = json!({
        "delivery": {"needs": ["release"]},
        "release": {"needs": ["publish", "resolve"]},
        "publish": {"needs": "resolve"},
        "resolve": {},
    });
    let jobs = jobs.as_object().unwrap();
    assert_eq!(
        ancestors(jobs, "delivery"),
        ["publish", "release", "resolve"]
    );
    assert!(ancestors(jobs, "resolve").is_empty());
}

#[test]
fn a_runner_label_is_hosted_only_until_its_retirement() {
    assert!(hosted("ubuntu-24.04", "2026-12-02").is_ok());
    assert!(hosted("macos-15", "2026-12-02").is_ok());
    assert!(hosted("macos-14", "2026-11-01").is_ok());
    let err = hosted("macos-14", "2026-11-02").unwrap_err();
    assert!(err.contains("actions/runner-images/issues/13518"), "{err}");
    assert!(hosted("macos-13", "2026-01-15").is_err());
    assert!(hosted("macos-99", "2026-01-15").is_err());
    assert_eq!(utc_today().len(), 10);
}

#[test]
fn a_dispatch_gets_the_declared_inputs_with_their_defaults_or_is_refused() {
    let workflows = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.github/workflows");
    let publish = load(&workflows.join("release-publish.yml"));
    assert_eq!(
        dispatch_inputs(
            "release-publish.yml",
            &publish,
            &json!({"build_run_id": "42", "rehearsal": "true"})
        ),
        json!({"build_run_id": "42", "allow_partial_release": false, "rehearsal": true})
    );
    let build = load(&workflows.join("release.yml"));
    assert_eq!(
        dispatch_inputs("release.yml", &build, &json!({"tag": "v1.0.0"})),
        json!({"tag": "v1.0.0", "rehearsal": false})
    );
    let push_only = json!({"on": {"push": {"tags": ["v*"]}}});
    for (doc, given, says) in [
        (
            &publish,
            json!({"build_run_id": "42", "rehersal": "true"}),
            "Unexpected inputs provided: [\"rehersal\"]",
        ),
        (
            &publish,
            json!({"rehearsal": true}),
            "Required input 'build_run_id' not provided",
        ),
        (
            &publish,
            json!({"build_run_id": "42", "rehearsal": "yes"}),
            "the boolean input 'rehearsal' is 'yes'",
        ),
        (
            &push_only,
            json!({}),
            "Workflow does not have 'workflow_dispatch' trigger",
        ),
    ] {
        let refused = std::panic::catch_unwind(|| dispatch_inputs("w.yml", doc, &given))
            .expect_err("GitHub refuses the dispatch");
        let message = refused.downcast_ref::<String>().unwrap();
        assert!(message.contains(says), "{message}");
    }
}
