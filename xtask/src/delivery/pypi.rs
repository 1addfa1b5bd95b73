//! PyPI: the version's own JSON document (`/pypi/<name>/<version>/json`,
//! as PyPI asks clients to read it; the project document's `releases` key is
//! deprecated) lists its files; with built files, each one PyPI holds has the
//! same sha256 digest.

use std::time::Duration;

use semver::Version;
use xshell::Shell;

use super::probe::{Built, Context, Miss, get_ok};
use crate::config::distribution::Key;

/// PyPI serves the version (and, with `--artifact`, the very files the build made).
pub fn probe(p: &Context<'_>) -> Result<String, Miss> {
    let d = p.delivery;
    let name = p.value(Key::PypiPackage)?;
    lookup(
        &p.shell()?,
        &d.pypi_url,
        name,
        p.version,
        p.built,
        d.request_timeout,
    )
}

fn lookup(
    sh: &Shell,
    base: &str,
    name: &str,
    version: &Version,
    built: &[Built],
    timeout: Duration,
) -> Result<String, Miss> {
    let pep440 = crate::versioning::to_pep440(version).map_err(|e| e.to_string())?;
    let url = format!("{base}/pypi/{name}/{pep440}/json");
    let body = get_ok(sh, &url, Some("application/json"), timeout, || {
        format!("PyPI has no {name} {pep440} yet")
    })?;
    let found = check(&body, name, &pep440)?;
    if built.is_empty() {
        return Ok(found);
    }
    compare(&body, name, &pep440, built)
}

/// The files of a version document (`urls`).
fn files(doc: &str, name: &str) -> Result<(serde_json::Value, Vec<serde_json::Value>), String> {
    let doc: serde_json::Value = serde_json::from_str(doc)
        .map_err(|e| format!("PyPI's answer for {name} is not JSON: {e}"))?;
    let files = doc["urls"].as_array().cloned().unwrap_or_default();
    Ok((doc, files))
}

/// Each built file PyPI holds must have its digest; all of them there is a pass.
pub fn compare(doc: &str, name: &str, pep440: &str, built: &[Built]) -> Result<String, Miss> {
    let (_, files) = files(doc, name)?;
    let mut missing = Vec::new();
    let mut differ = Vec::new();
    for b in built {
        match files.iter().find(|f| f["filename"] == b.name.as_str()) {
            None => missing.push(b.name.as_str()),
            Some(f) => {
                let digest = f["digests"]["sha256"].as_str().unwrap_or("(none)");
                if digest != b.sha256 {
                    differ.push(format!(
                        "{} is {digest} on PyPI but {} here",
                        b.name, b.sha256
                    ));
                }
            }
        }
    }
    if !differ.is_empty() {
        return Err(Miss::Differs(format!(
            "PyPI's {name} {pep440} holds other files than this build made: {}; a file cannot be replaced on PyPI: publish another version",
            differ.join("; ")
        )));
    }
    if !missing.is_empty() {
        return Err(Miss::NotYet(format!(
            "PyPI has {name} {pep440} without {}",
            missing.join(", ")
        )));
    }
    Ok(format!(
        "{name} {pep440} is on PyPI, with the digests of the {} built files",
        built.len()
    ))
}

/// The version document must be `pep440`'s, with files.
pub fn check(doc: &str, name: &str, pep440: &str) -> Result<String, String> {
    let (doc, files) = files(doc, name)?;
    let found = doc["info"]["version"].as_str().unwrap_or("none");
    if found != pep440 {
        return Err(format!("PyPI answered for {name} {found}, not {pep440}"));
    }
    if files.is_empty() {
        return Err(format!("PyPI lists {name} {pep440} but with no files"));
    }
    Ok(format!("{name} {pep440} is on PyPI"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn needs_the_version_with_files() {
        let doc = r#"{"info":{"version":"1.0.0rc1"},"urls":[{"filename":"p-1.0.0rc1.tar.gz"}]}"#;
        assert!(super::check(doc, "p", "1.0.0rc1").is_ok());
        let empty = r#"{"info":{"version":"1.0.0rc1"},"urls":[]}"#;
        assert!(
            super::check(empty, "p", "1.0.0rc1")
                .unwrap_err()
                .contains("no files")
        );
        let other = super::check(doc, "p", "1.0.0").unwrap_err();
        assert!(
            other.contains("answered for p 1.0.0rc1, not 1.0.0"),
            "{other}"
        );
    }

    #[test]
    fn compares_the_digests_of_built_files() {
        use super::{Built, Miss, compare};
        let doc = r#"{"info":{"version":"1.0.0"},"urls":[{"filename":"p-1.0.0.tar.gz","digests":{"sha256":"aa"}}]}"#;
        let built = |name: &str, sha: &str| Built {
            name: name.into(),
            sha256: sha.into(),
        };
        assert!(compare(doc, "p", "1.0.0", &[built("p-1.0.0.tar.gz", "aa")]).is_ok());
        let two = [
            built("p-1.0.0.tar.gz", "aa"),
            built("p-1.0.0-py3-none-any.whl", "cc"),
        ];
        assert!(matches!(
            compare(doc, "p", "1.0.0", &two),
            Err(Miss::NotYet(_))
        ));
        let other = [built("p-1.0.0.tar.gz", "bb")];
        let Err(Miss::Differs(why)) = compare(doc, "p", "1.0.0", &other) else {
            panic!("another digest is a mismatch");
        };
        assert!(why.contains("aa on PyPI but bb here"), "{why}");
    }
}
