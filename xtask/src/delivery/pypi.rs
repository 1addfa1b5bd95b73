//! PyPI: what pip reads, the Simple API (PEP 691: `/simple/<name>/` as
//! `application/vnd.pypi.simple.v1+json`), lists the version's files with
//! their sha256; with built files, each one PyPI holds has the same digest.
//! Only when the Simple API is unavailable (no answer, another status than
//! 200, or no PEP 691 JSON, as from a mirror that serves HTML only) is the
//! version's JSON document (`/pypi/<name>/<version>/json`) read instead.

use std::time::Duration;

use semver::Version;
use xshell::Shell;

use super::probe::{Built, Context, Miss, get_ok};
use crate::config::distribution::Key;
use crate::tools::curl;

/// The media type of the Simple API's JSON form (PEP 691).
const SIMPLE_JSON: &str = "application/vnd.pypi.simple.v1+json";

/// PyPI serves the version (and, with `--artifact`, the very files the build made).
pub(super) fn probe(p: &Context<'_>) -> Result<String, Miss> {
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
    let index = format!("{base}/simple/{}/", normalize(name));
    if let Some(body) = curl::get(sh, &index, Some(SIMPLE_JSON), timeout)
        .ok()
        .filter(|r| r.status == 200)
        .map(|r| r.body)
        && let Some(files) = simple_files(&body)
    {
        return simple_verdict(&files, name, &pep440, built);
    }
    let url = format!("{base}/pypi/{name}/{pep440}/json");
    let body = get_ok(sh, &url, Some("application/json"), timeout, || {
        format!("PyPI has no {name} {pep440} yet (and its Simple API {index} did not answer)")
    })?;
    let found = check(&body, name, &pep440)?;
    if built.is_empty() {
        return Ok(found);
    }
    compare(&body, name, &pep440, built)
}

/// A project name as the Simple API spells it (PEP 503): lower case, each
/// run of `-`, `_` and `.` one `-`.
pub(super) fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !out.ends_with('-') {
                out.push('-');
            }
        } else {
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

/// A file the Simple API lists.
#[derive(Debug, Clone)]
pub(super) struct SimpleFile {
    pub filename: String,
    pub sha256: Option<String>,
    pub yanked: bool,
}

/// The files of a PEP 691 project page, or `None` when it is not one.
pub(super) fn simple_files(body: &str) -> Option<Vec<SimpleFile>> {
    let doc: serde_json::Value = serde_json::from_str(body).ok()?;
    doc["meta"]["api-version"].as_str()?;
    let files = doc["files"].as_array()?;
    Some(
        files
            .iter()
            .filter_map(|f| {
                Some(SimpleFile {
                    filename: f["filename"].as_str()?.to_string(),
                    sha256: f["hashes"]["sha256"].as_str().map(String::from),
                    // `yanked` is false or a reason (a string).
                    yanked: !matches!(
                        f["yanked"],
                        serde_json::Value::Bool(false) | serde_json::Value::Null
                    ),
                })
            })
            .collect(),
    )
}

/// The version a distribution's file name holds: a wheel's second field
/// (`name-1.0.0-py3-none-any.whl`), an sdist's last (`name-1.0.0.tar.gz`).
fn file_version(filename: &str) -> Option<&str> {
    if let Some(stem) = filename.strip_suffix(".whl") {
        return stem.split('-').nth(1);
    }
    let stem = [".tar.gz", ".zip", ".tar.bz2", ".tgz"]
        .iter()
        .find_map(|ext| filename.strip_suffix(ext))?;
    stem.rsplit_once('-').map(|(_, v)| v)
}

/// The Simple API's verdict: the version's files are there (and, with built
/// files, each one there has its digest).
pub(super) fn simple_verdict(
    files: &[SimpleFile],
    name: &str,
    pep440: &str,
    built: &[Built],
) -> Result<String, Miss> {
    let mine: Vec<&SimpleFile> = files
        .iter()
        .filter(|f| file_version(&f.filename).is_some_and(|v| v.eq_ignore_ascii_case(pep440)))
        .collect();
    if mine.is_empty() {
        return Err(Miss::NotYet(format!(
            "PyPI has no {name} {pep440} yet (its Simple API lists no file of it)"
        )));
    }
    if mine.iter().all(|f| f.yanked) {
        return Err(Miss::NotYet(format!(
            "PyPI's {name} {pep440} is yanked: pip does not install it"
        )));
    }
    if built.is_empty() {
        return Ok(format!("{name} {pep440} is on PyPI (Simple API)"));
    }
    let held: Vec<(String, String)> = mine
        .iter()
        .map(|f| {
            (
                f.filename.clone(),
                f.sha256.clone().unwrap_or_else(|| "(none)".to_string()),
            )
        })
        .collect();
    digests(&held, name, pep440, built)
}

/// The files of a version document (`urls`).
fn files(doc: &str, name: &str) -> Result<(serde_json::Value, Vec<serde_json::Value>), String> {
    let doc: serde_json::Value = serde_json::from_str(doc)
        .map_err(|e| format!("PyPI's answer for {name} is not JSON: {e}"))?;
    let files = doc["urls"].as_array().cloned().unwrap_or_default();
    Ok((doc, files))
}

/// Each built file PyPI holds must have its digest; all of them there is a pass.
pub(super) fn compare(
    doc: &str,
    name: &str,
    pep440: &str,
    built: &[Built],
) -> Result<String, Miss> {
    let (_, files) = files(doc, name)?;
    let held: Vec<(String, String)> = files
        .iter()
        .filter_map(|f| {
            Some((
                f["filename"].as_str()?.to_string(),
                f["digests"]["sha256"]
                    .as_str()
                    .unwrap_or("(none)")
                    .to_string(),
            ))
        })
        .collect();
    digests(&held, name, pep440, built)
}

/// `held`, PyPI's `(file name, sha256)` of the version, against the built files.
fn digests(
    held: &[(String, String)],
    name: &str,
    pep440: &str,
    built: &[Built],
) -> Result<String, Miss> {
    let mut missing = Vec::new();
    let mut differ = Vec::new();
    for b in built {
        match held.iter().find(|(file, _)| *file == b.name) {
            None => missing.push(b.name.as_str()),
            Some((_, digest)) => {
                if *digest != b.sha256 {
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
pub(super) fn check(doc: &str, name: &str, pep440: &str) -> Result<String, String> {
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
    fn reads_the_simple_api() {
        use super::{Built, Miss, normalize, simple_files, simple_verdict};
        assert_eq!(normalize("Tree_Sitter..Python"), "tree-sitter-python");
        let page = r#"{"meta":{"api-version":"1.1"},"name":"p","files":[
            {"filename":"p-1.0.0.tar.gz","hashes":{"sha256":"aa"},"yanked":false},
            {"filename":"p-1.0.0-py3-none-any.whl","hashes":{"sha256":"bb"}},
            {"filename":"p-1.1.0rc1.tar.gz","hashes":{"sha256":"cc"},"yanked":"broken"}]}"#;
        let files = simple_files(page).unwrap();
        assert!(simple_verdict(&files, "p", "1.0.0", &[]).is_ok());
        let built = [Built {
            name: "p-1.0.0-py3-none-any.whl".into(),
            sha256: "bb".into(),
        }];
        assert!(simple_verdict(&files, "p", "1.0.0", &built).is_ok());
        let other = [Built {
            name: "p-1.0.0.tar.gz".into(),
            sha256: "zz".into(),
        }];
        assert!(matches!(
            simple_verdict(&files, "p", "1.0.0", &other),
            Err(Miss::Differs(_))
        ));
        let Err(Miss::NotYet(why)) = simple_verdict(&files, "p", "1.1.0rc1", &[]) else {
            panic!("a yanked version is not served");
        };
        assert!(why.contains("yanked"), "{why}");
        assert!(matches!(
            simple_verdict(&files, "p", "2.0.0", &[]),
            Err(Miss::NotYet(_))
        ));
        // HTML (PEP 503) or any other JSON is not the Simple API's JSON form.
        assert!(simple_files("<html><a href=\"p-1.0.0.tar.gz\">").is_none());
        assert!(simple_files(r#"{"info":{}}"#).is_none());
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
