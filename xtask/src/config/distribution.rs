//! The release config's distribution sections: `[assets]`, `[[target]]`, `[homebrew]` and `[delivery]`.
//!
//! [`parse`] reads them strictly with [`Fields`], called from `Config::parse`;
//! every section is optional, and a command that needs one says so.

use std::time::Duration;

use toml_edit::Table;

use super::fields::{Fields, parse_duration};
use super::names;

/// How release assets are named: `<name>_<version>_<platform>.<archive>`.
#[derive(Debug, Clone, Default)]
pub(crate) struct Distribution {
    /// `[assets].name`: the first part of every CLI archive's name.
    pub asset_name: Option<String>,
    pub targets: Vec<BuildTarget>,
    pub homebrew: Option<HomebrewSettings>,
    pub delivery: Option<DeliverySettings>,
}

/// One platform of the build matrix: `[[target]]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BuildTarget {
    /// The Rust target triple: `x86_64-unknown-linux-gnu`.
    pub triple: String,
    /// The GitHub Actions runner label: `ubuntu-24.04`.
    pub runner: String,
    /// The platform in asset names: `linux-x86_64`.
    pub platform: String,
    /// `tar.gz` or `zip`.
    pub archive: String,
}

/// `[homebrew]`: the formula template and the tap it is published to.
#[derive(Debug, Clone)]
pub(crate) struct HomebrewSettings {
    /// The formula in this repository, relative to the root.
    pub formula: String,
    /// The platforms (of `[[target]]`) whose archives the formula lists.
    pub platforms: Vec<String>,
    /// The tap repository: `plasmite/homebrew-tap`.
    pub tap: String,
    /// The formula's path inside the tap: `Formula/plasmite.rb`.
    pub tap_formula: String,
}

/// A channel a release reaches users through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Channel {
    Crates,
    Npm,
    Pypi,
    Homebrew,
    Github,
    Go,
}

/// A value of the config a channel needs before it can be checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Key {
    Crate,
    NpmPackage,
    PypiPackage,
    /// A `[homebrew]` section.
    Homebrew,
    GithubRepo,
    GoModule,
}

impl Key {
    /// The key as config messages name it: `delivery.crate`.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Key::Crate => "delivery.crate",
            Key::NpmPackage => "delivery.npm_package",
            Key::PypiPackage => "delivery.pypi_package",
            Key::Homebrew => "a [homebrew] section",
            Key::GithubRepo => "release.github_repo",
            Key::GoModule => "release.go_module",
        }
    }

    /// What to do when it is missing, for a probe's report.
    pub(crate) fn how_to_set(self) -> String {
        match self {
            Key::Homebrew => format!(
                "not configured: add a [homebrew] section to {}",
                super::paths::PATH
            ),
            key => {
                let (table, name) = key.name().split_once('.').unwrap_or(("", key.name()));
                format!(
                    "not configured: set [{table}].{name} in {}",
                    super::paths::PATH
                )
            }
        }
    }
}

/// One channel: its name and the config values its probe needs. The
/// config is checked against this list, and the probes read by it.
struct ChannelSpec {
    channel: Channel,
    name: &'static str,
    needs: &'static [Key],
}

const CHANNELS: [ChannelSpec; 6] = [
    ChannelSpec {
        channel: Channel::Crates,
        name: "crates",
        needs: &[Key::Crate],
    },
    ChannelSpec {
        channel: Channel::Npm,
        name: "npm",
        needs: &[Key::NpmPackage],
    },
    ChannelSpec {
        channel: Channel::Pypi,
        name: "pypi",
        needs: &[Key::PypiPackage],
    },
    ChannelSpec {
        channel: Channel::Homebrew,
        name: "homebrew",
        needs: &[Key::GithubRepo, Key::Homebrew],
    },
    ChannelSpec {
        channel: Channel::Github,
        name: "github",
        needs: &[Key::GithubRepo],
    },
    ChannelSpec {
        channel: Channel::Go,
        name: "go",
        needs: &[Key::GoModule],
    },
];

impl Channel {
    pub(crate) const ALL: [Channel; 6] = [
        Channel::Crates,
        Channel::Npm,
        Channel::Pypi,
        Channel::Homebrew,
        Channel::Github,
        Channel::Go,
    ];

    fn spec(self) -> &'static ChannelSpec {
        CHANNELS
            .iter()
            .find(|spec| spec.channel == self)
            .expect("every channel is in CHANNELS")
    }

    pub(crate) fn name(self) -> &'static str {
        self.spec().name
    }

    /// The config values this channel's probe needs.
    pub(crate) fn needs(self) -> &'static [Key] {
        self.spec().needs
    }

    pub(crate) fn parse(name: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.name() == name.trim())
    }
}

/// `[delivery]`: where `cargo xtask delivery` looks for a release.
#[derive(Debug, Clone)]
pub(crate) struct DeliverySettings {
    /// The channels checked (and required) when `--channels` is not given.
    pub channels: Vec<Channel>,
    pub crate_name: Option<String>,
    pub npm_package: Option<String>,
    pub pypi_package: Option<String>,
    pub crates_index: String,
    pub npm_registry: String,
    pub pypi_url: String,
    /// The Go module proxy.
    pub go_proxy: String,
    /// How long a channel keeps retrying before it fails.
    pub max_wait: Duration,
    /// The limit of one request (HTTP or `gh`).
    pub request_timeout: Duration,
    /// The first pause between attempts; it doubles up to `backoff_max`.
    pub backoff: Duration,
    pub backoff_max: Duration,
}

/// Reads the distribution sections from the top-level table.
pub(crate) fn parse(top: &mut Fields<'_, '_>) -> Distribution {
    let assets = top.table("assets");
    let target_tables = top.array_of_tables("target");
    let homebrew_table = top.table("homebrew");
    let delivery_table = top.table("delivery");
    let mut errors = Vec::new();
    let asset_name = assets.and_then(|table| {
        let mut fields = Fields::new(table, "assets", &mut errors);
        let name = fields.required_string("name");
        if let Some(n) = &name
            && !names::is_identifier(n)
        {
            fields.error(format!(
                "assets.name = {n:?} must be {} (it starts every archive's file name)",
                names::IDENTIFIER
            ));
        }
        fields.finish();
        name
    });
    let targets: Vec<BuildTarget> = target_tables
        .iter()
        .enumerate()
        .filter_map(|(i, table)| target(table, &format!("target[{i}]"), &mut errors))
        .collect();
    for (i, t) in targets.iter().enumerate() {
        if targets[..i].iter().any(|o| o.platform == t.platform) {
            errors.push(format!(
                "two [[target]]s have platform {:?}: each platform names one archive",
                t.platform
            ));
        }
    }
    if !targets.is_empty() && asset_name.is_none() {
        errors.push(
            "[[target]] is declared but [assets].name is missing: it names the archives".into(),
        );
    }
    let homebrew = homebrew_table.and_then(|t| homebrew(t, &targets, &mut errors));
    let delivery = delivery_table.and_then(|t| delivery(t, homebrew.is_some(), &mut errors));
    for error in errors {
        top.error(error);
    }
    Distribution {
        asset_name,
        targets,
        homebrew,
        delivery,
    }
}

fn target(table: &Table, at: &str, errors: &mut Vec<String>) -> Option<BuildTarget> {
    let mut fields = Fields::new(table, at, errors);
    let triple = fields.required_string("triple");
    let runner = fields.required_string("runner");
    let platform = fields.required_string("platform");
    let archive = fields.required_string("archive");
    if let Some(a) = &archive
        && a != "tar.gz"
        && a != "zip"
    {
        fields.error(format!(
            "{at}.archive = {a:?} must be \"tar.gz\" or \"zip\""
        ));
    }
    if let Some(p) = &platform
        && (p.is_empty() || p.contains(['/', ' ']))
    {
        fields.error(format!(
                "{at}.platform = {p:?} must be non-empty, without `/` or spaces (it is part of a file name)"
            ));
    }
    // The build workflow passes these to commands (`cargo build --target`,
    // `runs-on`, archive names): words no shell or option parser misreads.
    for (key, value) in [
        ("triple", &triple),
        ("runner", &runner),
        ("platform", &platform),
    ] {
        if let Some(v) = value
            && !v.is_empty()
            && !v.contains(['/', ' '])
            && !names::is_identifier(v)
        {
            fields.error(format!(
                "{at}.{key} = {v:?} must be {}: the build workflow passes it to commands",
                names::IDENTIFIER
            ));
        }
    }
    fields.finish();
    Some(BuildTarget {
        triple: triple?,
        runner: runner?,
        platform: platform?,
        archive: archive?,
    })
}

fn homebrew(
    table: &Table,
    targets: &[BuildTarget],
    errors: &mut Vec<String>,
) -> Option<HomebrewSettings> {
    let mut fields = Fields::new(table, "homebrew", errors);
    let formula = fields.required_string("formula");
    let platforms = fields.string_array("platforms");
    let tap = fields.required_string("tap");
    let tap_formula = fields.required_string("tap_formula");
    let platforms = match platforms {
        Some(p) if !p.is_empty() => p,
        Some(_) | None => {
            fields.error(
                "homebrew.platforms must list the [[target]] platforms the formula installs".into(),
            );
            Vec::new()
        }
    };
    for platform in &platforms {
        match targets.iter().find(|t| &t.platform == platform) {
            None => fields.error(format!(
                "homebrew.platforms names {platform:?}, which no [[target]] declares"
            )),
            Some(t) if t.archive != "tar.gz" => fields.error(format!(
                "homebrew.platforms names {platform:?}, whose archive is {}; Homebrew installs tar.gz archives",
                t.archive
            )),
            Some(_) => {}
        }
    }
    if let Some(tap) = &tap
        && let Some(why) = names::owner_name_problem(tap)
    {
        fields.error(format!("homebrew.tap = {tap:?} {why}"));
    }
    if let Some(path) = &tap_formula
        && let Some(why) = names::plain_path_problem(path)
    {
        fields.error(format!("homebrew.tap_formula = {path:?} {why}"));
    }
    fields.finish();
    Some(HomebrewSettings {
        formula: formula?,
        platforms,
        tap: tap?,
        tap_formula: tap_formula?,
    })
}

fn delivery(
    table: &Table,
    has_homebrew: bool,
    errors: &mut Vec<String>,
) -> Option<DeliverySettings> {
    let mut fields = Fields::new(table, "delivery", errors);
    let names = fields.string_array("channels");
    let crate_name = fields.string("crate");
    let npm_package = fields.string("npm_package");
    let pypi_package = fields.string("pypi_package");
    for (key, name, npm) in [
        ("crate", &crate_name, false),
        ("npm_package", &npm_package, true),
        ("pypi_package", &pypi_package, false),
    ] {
        if let Some(name) = name
            && let Some(why) = names::package_problem(name, npm)
        {
            fields.error(format!("delivery.{key} = {name:?} {why}"));
        }
    }
    let url = |fields: &mut Fields, key: &'static str, default: &str| {
        let value = fields.string(key).unwrap_or_else(|| default.to_string());
        if !value.starts_with("http://") && !value.starts_with("https://") {
            fields.error(format!(
                "delivery.{key} = {value:?} must be an http:// or https:// URL"
            ));
        }
        value.trim_end_matches('/').to_string()
    };
    let crates_index = url(&mut fields, "crates_index", "https://index.crates.io");
    let npm_registry = url(&mut fields, "npm_registry", "https://registry.npmjs.org");
    let pypi_url = url(&mut fields, "pypi", "https://pypi.org");
    let go_proxy = url(&mut fields, "go_proxy", "https://proxy.golang.org");
    let duration = |fields: &mut Fields, key: &'static str, default: u64| match fields
        .string(key)
        .map(|text| parse_duration(&text))
    {
        None => Duration::from_secs(default),
        Some(Ok(d)) => d,
        Some(Err(err)) => {
            fields.error(format!("delivery.{key}: {err}"));
            Duration::from_secs(default)
        }
    };
    let max_wait = duration(&mut fields, "max_wait", 900);
    let request_timeout = duration(&mut fields, "request_timeout", 20);
    let backoff = duration(&mut fields, "backoff", 5);
    let backoff_max = duration(&mut fields, "backoff_max", 60);
    for (key, value, floor) in [
        (
            "request_timeout",
            request_timeout,
            Duration::from_millis(100),
        ),
        ("backoff", backoff, Duration::from_millis(1)),
    ] {
        if value < floor {
            fields.error(format!(
                "delivery.{key} = {:?} is under {}, which cannot work: give it seconds, for example \"20s\"",
                crate::clock::human(value),
                crate::clock::human(floor)
            ));
        }
    }
    if backoff_max < backoff {
        fields.error(format!(
            "delivery.backoff_max = {:?} is below delivery.backoff = {:?}: pauses start at backoff and grow up to backoff_max; make it at least as long",
            crate::clock::human(backoff_max),
            crate::clock::human(backoff)
        ));
    }
    let channels = match names {
        None => Channel::ALL.to_vec(),
        Some(names) => names
            .iter()
            .filter_map(|name| {
                let channel = Channel::parse(name);
                if names.iter().filter(|n| *n == name).count() > 1 {
                    fields.error(format!(
                        "delivery.channels lists {name:?} twice: list each channel once"
                    ));
                }
                if channel.is_none() {
                    fields.error(format!(
                        "delivery.channels names {name:?}; the channels are crates, npm, pypi, homebrew, github, go"
                    ));
                }
                channel
            })
            .collect(),
    };
    for channel in &channels {
        // `release.github_repo` is checked in config/mod.rs once [release]
        // is read; `release.go_module`'s go.mod when the channel is probed.
        let missing = channel.needs().iter().find(|key| match key {
            Key::Crate => crate_name.is_none(),
            Key::NpmPackage => npm_package.is_none(),
            Key::PypiPackage => pypi_package.is_none(),
            Key::Homebrew => !has_homebrew,
            Key::GithubRepo | Key::GoModule => false,
        });
        if let Some(key) = missing {
            fields.error(format!(
                "delivery.channels lists {} but {} is missing",
                channel.name(),
                key.name()
            ));
        }
    }
    fields.finish();
    Some(DeliverySettings {
        channels,
        crate_name,
        npm_package,
        pypi_package,
        crates_index,
        npm_registry,
        pypi_url,
        go_proxy,
        max_wait,
        request_timeout,
        backoff,
        backoff_max,
    })
}

impl Distribution {
    /// The CLI archive of `platform` at `version`: `plasmite_0.1.0_linux-x86_64.tar.gz`.
    pub(crate) fn archive_name(&self, target: &BuildTarget, version: &semver::Version) -> String {
        format!(
            "{}_{version}_{}.{}",
            self.asset_name.as_deref().unwrap_or("release"),
            target.platform,
            target.archive
        )
    }

    /// Every asset a GitHub release of `version` carries: each archive and `sha256sums.txt`.
    pub(crate) fn release_assets(&self, version: &semver::Version) -> Vec<String> {
        let mut assets: Vec<String> = self
            .targets
            .iter()
            .map(|t| self.archive_name(t, version))
            .collect();
        assets.push(SHA256SUMS.to_string());
        assets
    }
}

/// The checksum file of every release: `<sha256>  <asset>` per line.
pub(crate) const SHA256SUMS: &str = "sha256sums.txt";

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_text(text: &str) -> (Distribution, Vec<String>) {
        let doc: toml_edit::DocumentMut = text.parse().unwrap();
        let mut errors = Vec::new();
        let mut top = Fields::new(doc.as_table(), "", &mut errors);
        let dist = parse(&mut top);
        top.finish();
        (dist, errors)
    }

    #[test]
    fn reads_every_section() {
        let (dist, errors) = parse_text(
            "[assets]\nname = \"p\"\n[[target]]\ntriple = \"x86_64-unknown-linux-gnu\"\nrunner = \"ubuntu-24.04\"\nplatform = \"linux-x86_64\"\narchive = \"tar.gz\"\n[homebrew]\nformula = \"f.rb\"\nplatforms = [\"linux-x86_64\"]\ntap = \"o/homebrew-tap\"\ntap_formula = \"Formula/p.rb\"\n[delivery]\ncrate = \"p\"\nnpm_package = \"p\"\npypi_package = \"p\"\nbackoff = \"50ms\"\n",
        );
        assert!(errors.is_empty(), "{errors:?}");
        let v = semver::Version::parse("0.1.0").unwrap();
        assert_eq!(
            dist.release_assets(&v),
            ["p_0.1.0_linux-x86_64.tar.gz", "sha256sums.txt"]
        );
        let delivery = dist.delivery.unwrap();
        assert_eq!(delivery.channels, Channel::ALL);
        assert_eq!(delivery.backoff, Duration::from_millis(50));
        assert_eq!(delivery.crates_index, "https://index.crates.io");
    }

    #[test]
    fn names_every_bad_key() {
        let (_, errors) = parse_text(
            "[[target]]\ntriple = \"t\"\nrunner = \"r\"\nplatform = \"a/b\"\narchive = \"rar\"\nextra = 1\n[homebrew]\nformula = \"f.rb\"\nplatforms = [\"nope\"]\ntap = \"t\"\ntap_formula = \"F\"\n[delivery]\nchannels = [\"crates\", \"ftp\"]\nmax_wait = \"soon\"\npypi = \"pypi.org\"\n",
        );
        let all = errors.join("\n");
        for needle in [
            "target[0].archive = \"rar\"",
            "target[0].platform = \"a/b\"",
            "unknown key `target[0].extra`",
            "[assets].name is missing",
            "homebrew.platforms names \"nope\"",
            "homebrew.tap = \"t\" must be owner/name",
            "delivery.channels names \"ftp\"",
            "delivery.max_wait",
            "delivery.pypi = \"pypi.org\"",
            "lists crates but delivery.crate is missing",
        ] {
            assert!(all.contains(needle), "{needle} not in:\n{all}");
        }
    }
}
