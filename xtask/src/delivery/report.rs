//! What a delivery check found: each channel's result, the verdict, and the
//! report as text, JSON, Markdown and annotations.

use std::time::Duration;

use semver::Version;
use serde_json::json;

use crate::clock::human;
use crate::config::distribution::Channel;

/// `homebrew does not serve`, `crates, npm do not serve`: the channels
/// named as the subject of a sentence.
pub(crate) fn not_serving(channels: &[&str]) -> String {
    match channels {
        [one] => format!("{one} does not serve"),
        many => format!("{} do not serve", many.join(", ")),
    }
}

/// How a channel serves the release.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Serving {
    Pass,
    Fail,
    Skip,
    /// The registry holds the version, but other files than the build made.
    Mismatch,
}

impl Serving {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Serving::Pass => "pass",
            Serving::Fail => "fail",
            Serving::Skip => "skip",
            Serving::Mismatch => "mismatch",
        }
    }
}

/// One channel's result.
#[derive(Debug, Clone)]
pub(crate) struct ChannelResult {
    pub channel: Channel,
    pub status: Serving,
    pub required: bool,
    pub reason: String,
    pub attempts: u32,
    pub elapsed: Duration,
}

#[derive(Debug, Clone)]
pub(crate) struct Report {
    pub tag: String,
    pub version: Version,
    pub outcomes: Vec<ChannelResult>,
}

impl Report {
    /// True when no required channel failed (or holds other files).
    pub(crate) fn ok(&self) -> bool {
        self.failing().next().is_none()
    }

    /// The required channels that do not serve this build's release: it is
    /// not there (`fail`), or other files are (`mismatch`).
    pub(crate) fn failing(&self) -> impl Iterator<Item = &ChannelResult> {
        self.outcomes
            .iter()
            .filter(|o| o.required && matches!(o.status, Serving::Fail | Serving::Mismatch))
    }

    /// The required channels that lack the release altogether: the ones a
    /// publish can still fill (a `mismatch` needs another version instead).
    pub(crate) fn missing(&self) -> impl Iterator<Item = &ChannelResult> {
        self.outcomes
            .iter()
            .filter(|o| o.required && o.status == Serving::Fail)
    }

    pub(crate) fn to_json(&self) -> serde_json::Value {
        let channels: Vec<_> = self
            .outcomes
            .iter()
            .map(|o| {
                json!({
                    "channel": o.channel.name(),
                    "status": o.status.name(),
                    "required": o.required,
                    "reason": o.reason,
                    "attempts": o.attempts,
                    "seconds": o.elapsed.as_secs_f64(),
                })
            })
            .collect();
        json!({
            "tag": self.tag,
            "version": self.version.to_string(),
            "ok": self.ok(),
            "channels": channels,
        })
    }

    /// The channels in Markdown, for GitHub's step summary.
    pub(crate) fn markdown(&self) -> String {
        let rows: Vec<Vec<String>> = self
            .outcomes
            .iter()
            .map(|o| {
                vec![
                    o.channel.name().to_string(),
                    o.status.name().to_string(),
                    o.reason.clone(),
                ]
            })
            .collect();
        format!(
            "### Delivery of {}\n\n{}",
            self.tag,
            crate::actions::table(&["channel", "status", "reason"], &rows)
        )
    }

    /// One workflow command per required channel that fails (GitHub Actions only).
    pub(crate) fn annotate(&self) {
        for o in self.failing() {
            crate::actions::annotate(
                crate::actions::Level::Error,
                None,
                None,
                &format!(
                    "{} does not serve {}: {}",
                    o.channel.name(),
                    self.tag,
                    o.reason
                ),
            );
        }
    }

    /// One line per channel, then a verdict.
    pub(crate) fn render(&self) -> String {
        let mut out = format!("delivery of {}:\n", self.tag);
        for o in &self.outcomes {
            let tries = match o.status {
                Serving::Skip => String::new(),
                _ => format!(
                    " ({} attempt{}, {})",
                    o.attempts,
                    if o.attempts == 1 { "" } else { "s" },
                    human(o.elapsed)
                ),
            };
            out.push_str(&format!(
                "  {:9} {}  {}{tries}\n",
                o.channel.name(),
                o.status.name(),
                o.reason
            ));
        }
        let failed: Vec<&str> = self.failing().map(|o| o.channel.name()).collect();
        if failed.is_empty() {
            out.push_str(&format!(
                "delivery: ok, every required channel serves {}\n",
                self.version
            ));
        } else {
            // The next step is the caller's: one `next:` line after this.
            out.push_str(&format!(
                "delivery: FAILED: {} {} yet\n",
                not_serving(&failed),
                self.version
            ));
        }
        out
    }
}
