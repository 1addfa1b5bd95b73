//! The release config (`release/config.toml`): read strictly, so a typo or a
//! stale path is an error that names the file and the key.

use std::path::Path;

pub(crate) mod distribution;
pub(crate) mod fields;
pub(crate) mod names;
pub(crate) mod paths;
pub(crate) mod release;
pub(crate) mod sites;
pub(crate) mod verify;

use anyhow::{Result, bail};
use toml_edit::DocumentMut;

use fields::Fields;
use sites::Site;

pub(crate) use paths::{PATH, SCRATCH};

#[derive(Debug, Clone)]
pub(crate) struct Config {
    /// How a version becomes a tag: `v{version}`.
    pub tag_format: String,
    /// Every place the lock-step version lives; the first is the primary one.
    pub sites: Vec<Site>,
    /// `[assets]`, `[[target]]`, `[homebrew]`, `[delivery]`: see `distribution.rs`.
    pub distribution: distribution::Distribution,
    /// `[git]`, `[release]` and `[[gate]]`: how a release is checked and made.
    pub release: release::ReleaseSettings,
    /// Whether the file has a `[release]` section: the workflow drift checks
    /// run only then.
    pub has_release: bool,
    /// `[verify]`: the documents the drift checks read, and what they hold them to.
    pub verify: verify::VerifySettings,
}

impl Config {
    /// Reads and validates the config of the repository at `root`; the
    /// warnings it must always show come back beside it.
    pub(crate) fn load(root: &Path) -> Result<(Config, Vec<String>)> {
        let path = root.join(PATH);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(err) => bail!(
                "cannot read {PATH} in {}: {err}; every repository the xtask releases declares its version sites there (see docs/config.md)",
                root.display()
            ),
        };
        if let Some(problem) = paths::scratch_problem(root) {
            bail!("{problem}");
        }
        let config = Config::parse(&text, root)?;
        let mut warnings = Vec::new();
        let poll = config.release.poll_interval;
        if poll < release::MIN_POLL_INTERVAL {
            // Only the test knob lets this through: say so, every time.
            warnings.push(format!(
                "warning: {} is set, so release.poll_interval = {} (under 10s) is allowed: for the xtask's own tests only",
                release::TEST_FAST_POLLS,
                crate::clock::human(poll)
            ));
        }
        Ok((config, warnings))
    }

    /// Parses config text; file checks are made against `root`.
    pub(crate) fn parse(text: &str, root: &Path) -> Result<Config> {
        let doc: DocumentMut = text.parse().map_err(|err| {
            crate::versioning::UsageError(format!("{PATH} is not valid TOML: {err}"))
        })?;
        // Resolved once: every path the config names is checked against it.
        let root = &root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
        let mut errors = Vec::new();
        let mut top = Fields::new(doc.as_table(), "", &mut errors);
        let tag_format = top
            .string("tag_format")
            .unwrap_or_else(|| "v{version}".to_string());
        let site_tables = top.array_of_tables("site");
        let distribution = distribution::parse(&mut top);
        let release_tables = release::Tables::take(&mut top);
        let verify_table = top.table("verify");
        top.finish();
        let has_release = doc.get("release").is_some();
        let verify = verify::parse(verify_table, root, &mut errors);
        let release = release::parse(&release_tables, &mut errors);
        if let Some(delivery) = &distribution.delivery {
            for channel in &delivery.channels {
                if channel.needs().contains(&distribution::Key::GithubRepo)
                    && release.github_repo.is_none()
                {
                    errors.push(format!(
                        "delivery.channels lists {} but {} is missing",
                        channel.name(),
                        distribution::Key::GithubRepo.name()
                    ));
                }
            }
        }
        if let Some(problem) = tag_format_problem(&tag_format) {
            errors.push(format!("tag_format = {tag_format:?} {problem}"));
        }
        confine_paths(root, &distribution, &release, &mut errors);
        let mut sites: Vec<Site> = Vec::new();
        let mut indices: Vec<usize> = Vec::new();
        // The sites of each path, so finding a repeat is not quadratic.
        let mut by_path: std::collections::HashMap<String, Vec<usize>> =
            std::collections::HashMap::new();
        for (i, table) in site_tables.iter().enumerate() {
            if let Some(site) = sites::site(table, &format!("site[{i}]"), root, &mut errors) {
                let same_path = by_path.entry(site.path.clone()).or_default();
                if let Some(&first) = same_path.iter().find(|&&j| sites[j] == site) {
                    errors.push(format!(
                        "site[{i}] repeats site[{}] ({}, {}): remove one of them",
                        indices[first],
                        site.path,
                        site.kind.name()
                    ));
                    continue;
                }
                same_path.push(sites.len());
                sites.push(site);
                indices.push(i);
            }
        }
        if site_tables.is_empty() {
            errors.push("no [[site]] declared: list every file that holds the version".to_string());
        }
        if let Some(first) = sites.first()
            && !first.lockstep
        {
            errors.push(format!(
                    "site[0] ({}) is the primary site, so it cannot have lockstep = false: list a lock-step site first",
                    first.path
                ));
        }
        if !errors.is_empty() {
            return Err(crate::versioning::UsageError(format!(
                "{PATH} is invalid:\n  - {}",
                errors.join("\n  - ")
            ))
            .into());
        }
        Ok(Config {
            tag_format,
            sites,
            distribution,
            release,
            has_release,
            verify,
        })
    }

    /// The tag for `version`: `v0.3.0`.
    pub(crate) fn tag(&self, version: &semver::Version) -> String {
        self.tag_format.replace("{version}", &version.to_string())
    }
}

/// Why `tag_format` cannot make tags, or `None`: it must hold `{version}`
/// exactly once and give a name git accepts as a tag (`git check-ref-format`)
/// with no character a shell acts on in a printed command.
fn tag_format_problem(tag_format: &str) -> Option<String> {
    match tag_format.matches("{version}").count() {
        1 => {}
        0 => return Some("must contain {version}, for example \"v{version}\"".to_string()),
        n => {
            return Some(format!(
                "must contain {{version}} exactly once, not {n} times"
            ));
        }
    }
    let example = tag_format.replace("{version}", "1.2.3-rc.1");
    tag_problem(&example)
}

/// Every other path the config names, confined as a site's is (see
/// [`paths::outside_problem`]): the formula and the Go module are read and
/// written in this repository, never outside it; the Go module's tags follow
/// the tag rules. (`[verify]` confines its documents as it reads them.)
fn confine_paths(
    root: &Path,
    distribution: &distribution::Distribution,
    release: &release::ReleaseSettings,
    errors: &mut Vec<String>,
) {
    let mut confine = |key: &str, path: &str| {
        let problem = paths::outside_problem(root, path);
        if let Some(problem) = &problem {
            errors.push(format!(
                "{key} = {path:?} {problem}, outside the repository: it must be a path of this repository (relative to its root)"
            ));
        }
        problem.is_none()
    };
    if let Some(homebrew) = &distribution.homebrew {
        confine("homebrew.formula", &homebrew.formula);
    }
    if let Some(dir) = &release.go_module
        && confine("release.go_module", dir)
    {
        let tag = format!("{}/v1.2.3-rc.1", dir.trim_end_matches('/'));
        if let Some(why) = tag_problem(&tag) {
            errors.push(format!("release.go_module = {dir:?} {why}"));
        }
    }
}

/// Why `tag` (an example of the tags a config makes) cannot be a tag:
/// git refuses it, or a shell would act on it in a printed command.
fn tag_problem(tag: &str) -> Option<String> {
    if let Some(why) = names::git_ref_problem(tag, "a tag name") {
        return Some(format!("makes tags like {tag:?} that git refuses: {why}"));
    }
    names::shell_problem(tag, "a tag name")
        .map(|why| format!("makes tags like {tag:?} that a pasted command would run: {why}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(text: &str) -> String {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        Config::parse(text, root).unwrap_err().to_string()
    }

    #[test]
    fn the_github_repository_is_one_key_under_release() {
        let site = "[[site]]\npath = \"Cargo.toml\"\nkind = \"cargo-manifest\"\n";
        let err = errors(&format!("{site}[release]\ngithub_repo = \"plasmite\"\n"));
        assert!(
            err.contains("release.github_repo = \"plasmite\" must be owner/name"),
            "{err}"
        );
        // The delivery channels that ask gh need it; the old key is gone.
        let err = errors(&format!(
            "{site}[delivery]\nchannels = [\"github\"]\ngithub_repo = \"o/r\"\n"
        ));
        assert!(
            err.contains("delivery.channels lists github but release.github_repo is missing"),
            "{err}"
        );
        assert!(err.contains("unknown key `delivery.github_repo`"), "{err}");
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let ok = Config::parse(
            &format!(
                "{site}[release]\ngithub_repo = \"o/r\"\n[delivery]\nchannels = [\"github\"]\n"
            ),
            root,
        )
        .unwrap();
        assert_eq!(ok.release.repo().unwrap(), "o/r");
        let none = Config::parse(site, root).unwrap();
        let err = none.release.repo().unwrap_err().to_string();
        assert!(
            err.contains("add `github_repo = \"owner/name\"` under [release]"),
            "{err}"
        );
    }

    #[test]
    fn unknown_keys_and_kinds_are_named() {
        let err = errors(
            "tag_fromat = \"v{version}\"\n[[site]]\npath = \"Cargo.toml\"\nkind = \"cargo-manifest\"\nfile = \"x\"\n[[site]]\npath = \"Cargo.toml\"\nkind = \"cargo\"\n",
        );
        assert!(err.contains("unknown key `tag_fromat`"), "{err}");
        assert!(err.contains("unknown key `site[0].file`"), "{err}");
        assert!(err.contains("site[1].kind = \"cargo\" is unknown"), "{err}");
    }

    #[test]
    fn missing_files_and_keys_are_named() {
        let err = errors(
            "[[site]]\npath = \"nope/Cargo.toml\"\nkind = \"cargo-manifest\"\n[[site]]\nkind = \"pattern\"\n",
        );
        assert!(
            err.contains("site[0].path = \"nope/Cargo.toml\": no such file"),
            "{err}"
        );
        assert!(err.contains("site[1].path is missing"), "{err}");
        assert!(err.contains("site[1].pattern is missing"), "{err}");
    }
}
