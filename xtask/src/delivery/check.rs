//! The delivery check: every channel probed on its own thread, each retried
//! with backoff until `max_wait`. One table pairs each channel with its
//! probe; the config values each needs are listed with the channel
//! ([`Channel::needs`]).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use semver::Version;
use xshell::Shell;

use super::probe::{Built, Context, Miss};
use super::report::{ChannelResult, Report, Serving};
use super::{assets, crates, go, npm, pypi, tap};
use crate::clock::human;
use crate::config::distribution::{Channel, DeliverySettings};
use crate::schedule::{First, Schedule};
use crate::survey::Repo;

/// What the caller asks for beyond the config.
#[derive(Debug, Clone, Default)]
pub(crate) struct Options {
    /// The channels to check (each one required); `None` is the config's list.
    pub channels: Option<Vec<Channel>>,
    /// Overrides `[delivery].max_wait`.
    pub max_wait: Option<Duration>,
    /// Files the build made, compared with the registries' checksums.
    pub artifacts: Vec<PathBuf>,
}

/// A channel's probe: one look, a reason either way.
type ProbeFn = fn(&Context<'_>) -> Result<String, Miss>;

/// Every channel's probe, one signature for all.
const PROBES: [(Channel, ProbeFn); 6] = [
    (Channel::Crates, crates::probe),
    (Channel::Npm, npm::probe),
    (Channel::Pypi, pypi::probe),
    (Channel::Homebrew, tap::probe),
    (Channel::Github, assets::probe),
    (Channel::Go, go::probe),
];

impl Context<'_> {
    /// Probes `channel` once.
    fn probe(&self, channel: Channel) -> Result<String, Miss> {
        let (_, probe) = PROBES
            .iter()
            .find(|(c, _)| *c == channel)
            .expect("every channel has a probe");
        probe(self)
    }
}

/// Checks every channel for `version`, as `cargo xtask release --live` does last.
pub(crate) fn check(sh: &Shell, repo: &Repo, version: &Version, opts: &Options) -> Result<Report> {
    let dist = &repo.config.distribution;
    let Some(delivery) = &dist.delivery else {
        bail!(
            "{} has no [delivery] section: declare the packages and registries to check (see docs/config.md)",
            crate::config::PATH
        );
    };
    let tag = repo.config.tag(version);
    let requested = opts
        .channels
        .clone()
        .unwrap_or_else(|| delivery.channels.clone());
    let max_wait = opts.max_wait.unwrap_or(delivery.max_wait);
    let root: PathBuf = sh.current_dir();
    let built = opts
        .artifacts
        .iter()
        .map(|path| {
            let bytes = std::fs::read(root.join(path)).map_err(|e| {
                anyhow::anyhow!(
                    "cannot read the artifact {}: {e}; pass a file the build made",
                    path.display()
                )
            })?;
            Ok(Built {
                name: path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                sha256: crate::sha256::hex(&bytes),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let context = Context {
        root: &root,
        delivery,
        dist,
        github_repo: repo.config.release.github_repo.as_deref(),
        version,
        tag: &tag,
        built: &built,
        go_module: repo.config.release.go_module.as_deref(),
    };
    let outcomes = std::thread::scope(|scope| {
        let handles: Vec<_> = Channel::ALL
            .iter()
            .map(|&channel| {
                let context = &context;
                let required = requested.contains(&channel);
                scope.spawn(move || {
                    if channel == Channel::Homebrew && !context.version.pre.is_empty() {
                        return ChannelResult {
                            channel,
                            status: Serving::Skip,
                            required: false,
                            reason: "a pre-release is not published to the Homebrew tap (its formula stays on the stable release)".into(),
                            attempts: 0,
                            elapsed: Duration::ZERO,
                        };
                    }
                    if !required {
                        return ChannelResult {
                            channel,
                            status: Serving::Skip,
                            required,
                            reason: "not requested (see --channels or [delivery].channels)".into(),
                            attempts: 0,
                            elapsed: Duration::ZERO,
                        };
                    }
                    poll(channel, delivery, max_wait, || context.probe(channel))
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a delivery probe panicked"))
            .collect()
    });
    Ok(Report {
        tag,
        version: version.clone(),
        outcomes,
    })
}

/// Retries `attempt` with doubling pauses until it passes or `max_wait` is spent.
fn poll(
    channel: Channel,
    delivery: &DeliverySettings,
    max_wait: Duration,
    mut attempt: impl FnMut() -> Result<String, Miss>,
) -> ChannelResult {
    let schedule = Schedule {
        interval: delivery.backoff,
        max_interval: delivery.backoff_max,
        timeout: max_wait,
        growth: 2.0,
    };
    let start = Instant::now();
    let mut attempts = 0;
    let mut last = String::new();
    let found = schedule.poll(First::Look, || {
        attempts += 1;
        match attempt() {
            Ok(reason) => Ok(Some(reason)),
            // There, but not what the build made: never retried.
            Err(Miss::Differs(reason)) => Err(reason),
            Err(Miss::NotYet(reason)) => {
                last = reason;
                Ok(None)
            }
        }
    });
    let (status, reason) = match found {
        Ok(Some(reason)) => (Serving::Pass, reason),
        Err(reason) => (Serving::Mismatch, reason),
        Ok(None) => (
            Serving::Fail,
            format!("{last}; gave up (max wait {})", human(max_wait)),
        ),
    };
    ChannelResult {
        channel,
        status,
        required: true,
        reason,
        attempts,
        elapsed: start.elapsed(),
    }
}
