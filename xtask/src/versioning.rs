//! Version arithmetic: parsing what users type, bump levels, and the PEP 440 form.

use std::fmt;

use anyhow::{Result, bail};
use semver::{BuildMetadata, Prerelease, Version};

/// A user error: bad input on the command line. The process exits with 2.
#[derive(Debug)]
pub(crate) struct UsageError(pub String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// Fails with a [`UsageError`].
macro_rules! usage {
    ($($arg:tt)*) => { return Err($crate::versioning::UsageError(format!($($arg)*)).into()) };
}

/// Parses a version as users type it: `0.3.0`, `v0.3.0`, `0.3.0-rc.1`.
pub(crate) fn parse(input: &str) -> Result<Version> {
    let trimmed = input.trim();
    if trimmed != input && !trimmed.is_empty() {
        usage!(
            "the version {input:?} has white space around it (a space, tab, newline or \\r): give it as X.Y.Z with nothing before or after, for example `{trimmed}`"
        );
    }
    let bare = trimmed.strip_prefix('v').unwrap_or(trimmed);
    if bare.is_empty() {
        usage!("the version is empty: give it as X.Y.Z, for example `0.3.0` or `v0.3.0`");
    }
    match Version::parse(bare) {
        Ok(version) if !version.build.is_empty() => usage!(
            "`{input}` carries build metadata (`+{}`), which a release version cannot: PyPI refuses it as a local version, and semver ranks {} the same as {}. Give the version without it, for example `{}`",
            version.build,
            version,
            Version::new(version.major, version.minor, version.patch),
            Version {
                build: BuildMetadata::EMPTY,
                ..version.clone()
            }
        ),
        Ok(version) => Ok(version),
        Err(err) => usage!(
            "`{input}` is not a semantic version X.Y.Z ({err}); for example `0.3.0`, `v0.3.0` or `0.3.0-rc.1`"
        ),
    }
}

/// What `cargo xtask bump` is asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Request {
    Exact(Version),
    Major,
    Minor,
    Patch,
    /// The next pre-release with this label: `pre rc`.
    Pre(String),
    /// Drop the pre-release part.
    Release,
}

impl Request {
    /// Reads the words after `bump`: a version, a level, `pre <label>` or `release`.
    pub(crate) fn parse(words: &[String]) -> Result<Request> {
        let [first, rest @ ..] = words else {
            usage!(
                "bump needs a version or a level: X.Y.Z, major, minor, patch, pre <label> or release"
            );
        };
        let request = match first.as_str() {
            "major" => Request::Major,
            "minor" => Request::Minor,
            "patch" => Request::Patch,
            "release" => Request::Release,
            "pre" => {
                let [label] = rest else {
                    usage!("`bump pre` takes one label, for example `cargo xtask bump pre rc`");
                };
                if label.is_empty() || !label.chars().all(|c| c.is_ascii_alphabetic()) {
                    usage!(
                        "the pre-release label `{label}` must be letters only, for example `alpha`, `beta` or `rc`"
                    );
                }
                return Ok(Request::Pre(label.clone()));
            }
            word if word
                .trim_start()
                .starts_with(|c: char| c.is_ascii_digit() || c == 'v') =>
            {
                Request::Exact(parse(word)?)
            }
            "" => parse("").map(Request::Exact)?,
            word => usage!(
                "unknown bump level `{word}`: use a version X.Y.Z, major, minor, patch, pre <label> or release"
            ),
        };
        if !rest.is_empty() {
            usage!("unexpected `{}` after `{first}`", rest.join(" "));
        }
        Ok(request)
    }

    /// The version this request leads to from `current`, refusing anything
    /// that is not strictly higher by semver precedence.
    pub(crate) fn apply(&self, current: &Version) -> Result<Version> {
        let stable = |major, minor, patch| Version::new(major, minor, patch);
        let up = |n: u64, part: &str| -> Result<u64> {
            n.checked_add(1).ok_or_else(|| {
                UsageError(format!(
                    "{current} cannot be bumped: its {part} number is the largest there is ({n}); give an explicit version"
                ))
                .into()
            })
        };
        let next = match self {
            Request::Exact(version) => version.clone(),
            Request::Major => stable(up(current.major, "major")?, 0, 0),
            Request::Minor => stable(current.major, up(current.minor, "minor")?, 0),
            Request::Patch if current.pre.is_empty() => {
                stable(current.major, current.minor, up(current.patch, "patch")?)
            }
            // The patch after a pre-release of X.Y.Z is X.Y.Z itself.
            Request::Patch => stable(current.major, current.minor, current.patch),
            Request::Release => {
                if current.pre.is_empty() {
                    usage!("{current} is not a pre-release: `bump release` has nothing to drop");
                }
                stable(current.major, current.minor, current.patch)
            }
            Request::Pre(label) => {
                let counter = current
                    .pre
                    .as_str()
                    .strip_prefix(label.as_str())
                    .and_then(|rest| rest.strip_prefix('.'))
                    .and_then(|n| n.parse::<u64>().ok());
                let mut next = match counter {
                    Some(n) => {
                        let mut same = stable(current.major, current.minor, current.patch);
                        same.pre = Prerelease::new(&format!("{label}.{}", up(n, label)?))?;
                        same
                    }
                    None if current.pre.is_empty() => {
                        stable(current.major, up(current.minor, "minor")?, 0)
                    }
                    None => stable(current.major, current.minor, current.patch),
                };
                if next.pre.is_empty() {
                    next.pre = Prerelease::new(&format!("{label}.1"))?;
                }
                next
            }
        };
        if next <= *current {
            let word = if next == *current {
                "the same as"
            } else {
                "lower than"
            };
            usage!(
                "{next} is {word} the current version {current}: a bump must go up (semver precedence)"
            );
        }
        Ok(next)
    }
}

/// How a site writes versions: semver, PEP 440 for Python packaging, or only
/// the numeric release part (CMake's `project(VERSION)` takes integers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Form {
    Semver,
    Pep440,
    /// `1.2.3` for `1.2.3-rc.1`: compared with the release part only.
    Release,
    /// `1.2` for `1.2.3` (a dependency line such as `tool = "1.2"`):
    /// compared with the major and minor numbers only.
    Minor,
}

impl Form {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Form::Semver => "semver",
            Form::Pep440 => "pep440",
            Form::Release => "release",
            Form::Minor => "minor",
        }
    }

    /// Whether this form writes only part of a version, so that several
    /// versions stand for the same text (`1.2` for `1.2.3` and `1.2.4`).
    pub(crate) fn partial(self) -> bool {
        matches!(self, Form::Release | Form::Minor)
    }

    /// Whether `found` (read in this form) stands for `expected`: equal, or
    /// for the release form, the same `X.Y.Z`.
    pub(crate) fn matches(self, found: &Version, expected: &Version) -> bool {
        match self {
            Form::Release => {
                (found.major, found.minor, found.patch)
                    == (expected.major, expected.minor, expected.patch)
            }
            Form::Minor => (found.major, found.minor) == (expected.major, expected.minor),
            _ => found == expected,
        }
    }

    /// The text this form writes for `version`.
    pub(crate) fn render(self, version: &Version) -> Result<String> {
        match self {
            Form::Semver => Ok(version.to_string()),
            Form::Pep440 => to_pep440(version),
            Form::Release => Ok(format!(
                "{}.{}.{}",
                version.major, version.minor, version.patch
            )),
            Form::Minor => Ok(format!("{}.{}", version.major, version.minor)),
        }
    }

    /// Reads a version written in this form (semver is accepted everywhere).
    pub(crate) fn parse(self, text: &str) -> Result<Version> {
        match (Version::parse(text), self) {
            (Ok(version), _) => Ok(version),
            (Err(_), Form::Pep440) => from_pep440(text),
            (Err(err), Form::Minor) => match text.split_once('.') {
                Some((major, minor))
                    if [major, minor].iter().all(|n| {
                        !n.is_empty()
                            && n.bytes().all(|b| b.is_ascii_digit())
                            && (n.len() == 1 || !n.starts_with('0'))
                    }) =>
                {
                    Ok(Version::new(major.parse()?, minor.parse()?, 0))
                }
                _ => bail!("`{text}` is neither `X.Y` nor a semantic version: {err}"),
            },
            (Err(err), Form::Semver | Form::Release) => {
                bail!("`{text}` is not a semantic version: {err}")
            }
        }
    }
}

const PEP440_LABELS: [(&str, &str); 3] = [("alpha", "a"), ("beta", "b"), ("rc", "rc")];

/// `0.3.0-rc.1` → `0.3.0rc1`, `1.0.0-alpha.2` → `1.0.0a2`, `1.0.0-dev.3` → `1.0.0.dev3`.
pub(crate) fn to_pep440(version: &Version) -> Result<String> {
    let base = format!("{}.{}.{}", version.major, version.minor, version.patch);
    let mut out = base.clone();
    if !version.pre.is_empty() {
        let pre = version.pre.as_str();
        let Some((label, number)) = pre.split_once('.') else {
            bail!(
                "{version} has no PEP 440 form: the pre-release `{pre}` needs a number, like `{pre}.1`"
            );
        };
        let number: u64 = match number.parse() {
            Ok(n) => n,
            Err(_) => bail!(
                "{version} has no PEP 440 form: the pre-release must be <label>.<number>, like rc.1"
            ),
        };
        match PEP440_LABELS
            .iter()
            .find(|(long, short)| label == *long || label == *short)
        {
            Some((_, short)) => out.push_str(&format!("{short}{number}")),
            None if label == "dev" => out.push_str(&format!(".dev{number}")),
            None => bail!(
                "{version} has no PEP 440 form: use alpha, beta, rc or dev as the pre-release label"
            ),
        }
    }
    if !version.build.is_empty() {
        out.push('+');
        out.push_str(version.build.as_str());
    }
    Ok(out)
}

/// The semver reading of a PEP 440 version written by [`to_pep440`].
fn from_pep440(text: &str) -> Result<Version> {
    let (main, local) = text.split_once('+').unwrap_or((text, ""));
    let digits_end = main
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(main.len());
    let (release, pre) = main.split_at(digits_end);
    let (release, dev) = match (release.strip_suffix('.'), pre.strip_prefix("dev")) {
        (Some(release), Some(n)) => (release, Some(n)),
        _ => (release, None),
    };
    let mut version = Version::parse(release)
        .map_err(|_| anyhow::anyhow!("`{text}` is neither a semantic nor a PEP 440 version"))?;
    let number = |n: &str| -> Result<u64> {
        n.parse()
            .map_err(|_| anyhow::anyhow!("`{text}` is neither a semantic nor a PEP 440 version"))
    };
    if let Some(n) = dev {
        version.pre = Prerelease::new(&format!("dev.{}", number(n)?))?;
    } else if !pre.is_empty() {
        let Some((long, short)) = PEP440_LABELS
            .iter()
            .filter(|(_, short)| pre.starts_with(short))
            .max_by_key(|(_, short)| short.len())
        else {
            bail!("`{text}` is neither a semantic nor a PEP 440 version");
        };
        version.pre = Prerelease::new(&format!("{long}.{}", number(&pre[short.len()..])?))?;
    }
    if !local.is_empty() {
        version.build = BuildMetadata::new(local)?;
    }
    Ok(version)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
    }

    fn bump(current: &str, words: &str) -> Result<Version> {
        let words: Vec<String> = words.split(' ').map(String::from).collect();
        Request::parse(&words)?.apply(&v(current))
    }

    #[test]
    fn accepts_a_leading_v() {
        assert_eq!(parse("v0.3.0").unwrap(), v("0.3.0"));
        assert_eq!(parse("0.3.0").unwrap(), v("0.3.0"));
    }

    #[test]
    fn rejects_malformed_versions() {
        for bad in ["", "1.2", "01.2.3", "1.2.3.4", "v", "x.y.z", "1.2.3-"] {
            let err = parse(bad).unwrap_err();
            assert!(err.downcast_ref::<UsageError>().is_some(), "{bad}: {err}");
        }
    }

    #[test]
    fn build_metadata_is_refused() {
        for bad in ["1.2.3+build.5", "v0.1.0+hotfix", "1.0.0-rc.1+x"] {
            let err = parse(bad).unwrap_err();
            assert!(err.downcast_ref::<UsageError>().is_some(), "{bad}: {err}");
            assert!(err.to_string().contains("build metadata"), "{err}");
        }
    }

    #[test]
    fn a_pre_release_without_a_number_has_no_pep440_form() {
        let err = to_pep440(&v("1.2.3-rc")).unwrap_err().to_string();
        assert!(err.contains("needs a number, like `rc.1`"), "{err}");
    }

    #[test]
    fn levels() {
        assert_eq!(bump("0.2.3", "major").unwrap(), v("1.0.0"));
        assert_eq!(bump("0.2.3", "minor").unwrap(), v("0.3.0"));
        assert_eq!(bump("0.2.3", "patch").unwrap(), v("0.2.4"));
        assert_eq!(bump("0.3.0-rc.2", "patch").unwrap(), v("0.3.0"));
    }

    #[test]
    fn pre_release_transitions() {
        assert_eq!(bump("0.2.0", "pre rc").unwrap(), v("0.3.0-rc.1"));
        assert_eq!(bump("0.3.0-rc.1", "pre rc").unwrap(), v("0.3.0-rc.2"));
        assert_eq!(bump("0.3.0-beta.4", "pre rc").unwrap(), v("0.3.0-rc.1"));
        assert_eq!(bump("0.3.0-rc.2", "release").unwrap(), v("0.3.0"));
        assert!(
            bump("0.3.0-rc.1", "pre beta").is_err(),
            "beta.1 < rc.1 is a downgrade"
        );
        assert!(bump("0.3.0", "release").is_err());
    }

    #[test]
    fn refuses_downgrades_and_the_same_version() {
        assert!(
            bump("0.2.0", "0.2.0")
                .unwrap_err()
                .to_string()
                .contains("the same as")
        );
        assert!(
            bump("0.2.0", "0.1.9")
                .unwrap_err()
                .to_string()
                .contains("lower than")
        );
        assert!(
            bump("0.3.0", "0.3.0-rc.1")
                .unwrap_err()
                .to_string()
                .contains("lower than")
        );
        assert_eq!(bump("0.2.0", "v0.3.0").unwrap(), v("0.3.0"));
    }

    #[test]
    fn unknown_levels_are_usage_errors() {
        for words in ["mega", "pre", "pre rc extra", "pre r.c", "patch now"] {
            let err = bump("0.1.0", words).unwrap_err();
            assert!(err.downcast_ref::<UsageError>().is_some(), "{words}: {err}");
        }
    }

    #[test]
    fn pep440_round_trip() {
        for (semver, pep) in [
            ("0.3.0", "0.3.0"),
            ("0.3.0-rc.1", "0.3.0rc1"),
            ("1.0.0-alpha.2", "1.0.0a2"),
            ("1.0.0-beta.10", "1.0.0b10"),
            ("1.0.0-dev.3", "1.0.0.dev3"),
            ("1.0.0+local.7", "1.0.0+local.7"),
        ] {
            assert_eq!(to_pep440(&v(semver)).unwrap(), pep);
            assert_eq!(from_pep440(pep).unwrap(), v(semver), "{pep}");
            assert_eq!(Form::Pep440.parse(pep).unwrap(), v(semver));
        }
        assert!(to_pep440(&v("1.0.0-nightly.1")).is_err());
        assert!(from_pep440("1.0.0zz1").is_err());
        assert!(Form::Semver.parse("0.3.0rc1").is_err());
    }

    #[test]
    fn the_minor_form_is_x_y() {
        assert_eq!(Form::Minor.parse("0.17").unwrap(), v("0.17.0"));
        assert_eq!(Form::Minor.render(&v("0.18.2-rc.1")).unwrap(), "0.18");
        assert!(Form::Minor.matches(&v("0.17.0"), &v("0.17.4")));
        assert!(!Form::Minor.matches(&v("0.17.0"), &v("0.18.0")));
        for bad in ["0.17.", "017.1", "1", "a.b"] {
            assert!(Form::Minor.parse(bad).is_err(), "{bad}");
        }
    }
}
