//! `git`: the queries and effects the xtask needs from it.

use std::time::Duration;

use anyhow::Result;
use xshell::{Shell, cmd};

use super::{Action, Output, exec};

const TIMEOUT: Duration = Duration::from_secs(60);
/// Talking to a remote may be slow; it still may not hang the release.
const REMOTE_TIMEOUT: Duration = Duration::from_secs(300);

/// The output of a git query that must succeed.
pub(crate) fn read(sh: &Shell, args: &[&str]) -> Result<String> {
    Ok(exec(cmd!(sh, "git {args...}"), None, TIMEOUT)?
        .ok()?
        .trim_end()
        .to_string())
}

/// A commit's short form for people: its first 12 hex digits.
pub(crate) fn short(sha: &str) -> &str {
    &sha[..sha.len().min(12)]
}

/// A git query whose failure the caller judges.
pub(crate) fn query(sh: &Shell, args: &[&str]) -> Result<Output> {
    exec(cmd!(sh, "git {args...}"), None, TIMEOUT)
}

/// The files git tracks (`git ls-files`), relative to the root, or `None`
/// outside a git work tree.
pub(crate) fn tracked_files(sh: &Shell) -> Option<Vec<String>> {
    let out = exec(cmd!(sh, "git ls-files -z"), None, TIMEOUT).ok()?;
    if !out.success() {
        return None;
    }
    Some(
        out.stdout
            .split('\0')
            .filter(|p| !p.is_empty())
            .map(String::from)
            .collect(),
    )
}

/// Which of `paths` (relative to the root) git ignores, by any rule: nested
/// patterns of the root `.gitignore`, a subfolder's `.gitignore`, the info
/// exclude file. One `git check-ignore --stdin` for all of them; `None`
/// when git cannot answer (outside a work tree).
pub(crate) fn ignored(sh: &Shell, paths: &[String]) -> Option<std::collections::HashSet<String>> {
    if paths.is_empty() {
        return Some(Default::default());
    }
    let input: String = paths.iter().map(|p| format!("{p}\0")).collect();
    let out = exec(
        cmd!(sh, "git check-ignore -z --stdin"),
        Some(input.as_bytes()),
        TIMEOUT,
    )
    .ok()?;
    // 0: some are ignored, 1: none is; anything else is git failing.
    match out.code {
        Some(0) | Some(1) => Some(
            out.stdout
                .split('\0')
                .filter(|p| !p.is_empty())
                .map(String::from)
                .collect(),
        ),
        _ => None,
    }
}

/// The first line of `git --version`.
pub(crate) fn version(sh: &Shell) -> Option<String> {
    query(sh, &["--version"]).ok()?.first_line()
}

/// `git fetch <remote>`: the remote after `--`, so it is never an option.
pub(crate) fn fetch(sh: &Shell, remote: &str) -> Result<Output> {
    exec(
        cmd!(sh, "git fetch --quiet --tags -- {remote}"),
        None,
        REMOTE_TIMEOUT,
    )
}

/// The commit a local tag points at, if it exists.
pub(crate) fn local_tag(sh: &Shell, tag: &str) -> Result<Option<String>> {
    let refname = format!("refs/tags/{tag}^{{commit}}");
    let out = query(sh, &["rev-parse", "--verify", "--quiet", &refname])?;
    Ok(out.success().then(|| out.stdout.trim().to_string()))
}

/// The commit each tag points at on `remote` (`git ls-remote`), peeled;
/// the remote after `--`, so it is never an option.
pub(crate) fn remote_tags(sh: &Shell, remote: &str, tags: &[&str]) -> Result<Vec<Option<String>>> {
    let refs: Vec<String> = tags.iter().map(|t| format!("refs/tags/{t}")).collect();
    // Each ref and its peeled form (`^{}`: the commit an annotated tag names).
    let patterns: Vec<String> = refs
        .iter()
        .flat_map(|r| [r.clone(), format!("{r}^{{}}")])
        .collect();
    let out = exec(
        cmd!(sh, "git ls-remote --tags -- {remote} {patterns...}"),
        None,
        REMOTE_TIMEOUT,
    )?
    .ok()?;
    let lookup = |name: &str| {
        out.lines().find_map(|line| {
            let (sha, r) = line.split_once('\t')?;
            (r == name).then(|| sha.to_string())
        })
    };
    Ok(refs
        .iter()
        .map(|r| lookup(&format!("{r}^{{}}")).or_else(|| lookup(r)))
        .collect())
}

/// `git tag -a <tag> -m <message> <sha>`: an effect, run by the executor.
pub(crate) fn tag<'a>(sh: &'a Shell, tag: &str, message: &str, sha: &str) -> Action<'a> {
    let argv = ["git", "tag", "-a", tag, "-m", message, sha].map(String::from);
    Action::new(sh, argv.to_vec(), None, TIMEOUT)
}

/// `git push --atomic -- <remote> refs/tags/…`: an effect, run by the
/// executor; the remote after `--`, so it is never an option.
pub(crate) fn push_tags<'a>(sh: &'a Shell, remote: &str, tags: &[String]) -> Action<'a> {
    let mut argv = ["git", "push", "--atomic", "--", remote]
        .map(String::from)
        .to_vec();
    argv.extend(tags.iter().map(|t| format!("refs/tags/{t}")));
    Action::new(sh, argv, None, REMOTE_TIMEOUT)
}
