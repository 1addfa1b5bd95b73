//! What a config value that reaches a command line, a URL or a printed
//! command may be: a ref name by git's own rules, without the characters a
//! shell acts on; a remote; a gate name; a workflow file; `owner/name`; a
//! package name. A value that passes can never be read as an option.

/// Characters git allows in a ref name that a shell acts on when a printed
/// command is pasted: they are refused, so a tag or branch never needs them.
const SHELL: &str = "`$;&|<>()'\"!#";

/// Why git would refuse `name` as a ref name of the kind `what` ("a tag
/// name"), by the rules of `git check-ref-format`, or why a shell would act
/// on it in a printed command; `None` when it is fine.
pub(crate) fn ref_problem(name: &str, what: &str) -> Option<String> {
    git_ref_problem(name, what).or_else(|| shell_problem(name, what))
}

/// Why `name` holds a character git allows but a shell acts on, or `None`.
pub(crate) fn shell_problem(name: &str, what: &str) -> Option<String> {
    let c = name.chars().find(|&c| SHELL.contains(c))?;
    let shown = if c == '`' {
        "`` ` ``".to_string()
    } else {
        format!("`{c}`")
    };
    Some(format!(
        "{what} cannot contain {shown}: a shell acts on it when a printed command is pasted (none of {SHELL})"
    ))
}

/// Why git would refuse `name` as a ref name (`git check-ref-format`), or `None`.
pub(crate) fn git_ref_problem(name: &str, what: &str) -> Option<String> {
    if name.is_empty() {
        return Some(format!("{what} cannot be empty"));
    }
    if let Some(c) = name
        .chars()
        .find(|&c| c.is_ascii_control() || " ~^:?*[\\".contains(c))
    {
        return Some(match c {
            ' ' => format!("{what} cannot contain a space"),
            c if c.is_ascii_control() => format!("{what} cannot contain a control character"),
            _ => format!("{what} cannot contain any of ~ ^ : ? * [ \\"),
        });
    }
    if name.contains("..") {
        return Some(format!("{what} cannot contain `..`"));
    }
    if name.contains("@{") || name == "@" {
        return Some(format!("{what} cannot contain `@{{` or be `@`"));
    }
    if name.starts_with('-') {
        return Some(format!("{what} cannot start with `-`"));
    }
    if name.starts_with('/') || name.ends_with('/') || name.contains("//") {
        return Some(format!(
            "{what} cannot start or end with `/` or contain `//`"
        ));
    }
    if name.ends_with('.') {
        return Some(format!("{what} cannot end with `.`"));
    }
    if name
        .split('/')
        .any(|part| part.starts_with('.') || part.ends_with(".lock"))
    {
        return Some(format!(
            "no part of {what} between `/` can start with `.` or end with `.lock`"
        ));
    }
    None
}

/// Why `name` is not a branch a release may be cut from, or `None`.
pub(crate) fn branch_problem(name: &str) -> Option<String> {
    if name == "HEAD" {
        return Some("`HEAD` is not a branch name".to_string());
    }
    ref_problem(name, "a branch name")
}

/// Why `name` is not a git remote's name (git's rule: `refs/remotes/<name>/…`
/// is a valid ref), or `None`. A URL or a path is not a remote name: declare
/// the remote with `git remote add`.
pub(crate) fn remote_problem(name: &str) -> Option<String> {
    ref_problem(name, "a remote name")
}

/// Whether `word` is one word of letters, digits, `-`, `_` and `.`, starting
/// with a letter or digit: an identifier no shell, option parser or
/// Markdown line reads as anything else.
pub(crate) fn is_identifier(word: &str) -> bool {
    word.chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric())
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
}

/// What [`is_identifier`] accepts, for messages.
pub(crate) const IDENTIFIER: &str =
    "one word of letters, digits, `-`, `_` or `.`, starting with a letter or digit";

/// Why `file` is not a workflow file of `.github/workflows/`, or `None`.
pub(crate) fn workflow_problem(file: &str) -> Option<String> {
    if is_identifier(file) && (file.ends_with(".yml") || file.ends_with(".yaml")) {
        return None;
    }
    Some(format!(
        "must be a file name in .github/workflows/ ({IDENTIFIER}, ending in .yml or .yaml)"
    ))
}

/// A path part of letters, digits and the characters of `extra`: not
/// empty, not `.` or `..`, not starting with `-`.
fn plain_part(p: &str, extra: &str) -> bool {
    !p.is_empty()
        && p != "."
        && p != ".."
        && !p.starts_with('-')
        && p.chars()
            .all(|c| c.is_ascii_alphanumeric() || extra.contains(c))
}

/// Why `repo` is not a GitHub `owner/name`, or `None`.
pub(crate) fn owner_name_problem(repo: &str) -> Option<String> {
    let parts: Vec<&str> = repo.split('/').collect();
    if parts.len() == 2 && parts.iter().all(|p| plain_part(p, "-_.")) {
        return None;
    }
    Some(
        "must be owner/name (each letters, digits, `-`, `_` or `.`, not starting with `-`)"
            .to_string(),
    )
}

/// Why `path` is not a relative path of plain parts (letters, digits, `-`,
/// `_`, `.`, `+`, `@`), with no `..` or `.` part, or `None`: a path inside
/// another repository, which no file check can confine.
pub(crate) fn plain_path_problem(path: &str) -> Option<String> {
    if path.split('/').all(|p| plain_part(p, "-_.+@")) {
        return None;
    }
    Some(
        "must be a relative path of plain parts (letters, digits, `-`, `_`, `.`, `+` or `@`, no `..`), inside the repository it names"
            .to_string(),
    )
}

/// Why `name` is not a package name a registry accepts, or `None`: crates
/// and PyPI projects are identifiers, npm names may have an `@scope/`.
pub(crate) fn package_problem(name: &str, npm: bool) -> Option<String> {
    let bare = match name.strip_prefix('@') {
        Some(scoped) if npm => match scoped.split_once('/') {
            Some((scope, rest)) if is_identifier(scope) => rest,
            _ => "",
        },
        _ => name,
    };
    if is_identifier(bare) && !bare.ends_with('.') {
        return None;
    }
    Some(if npm {
        format!("must be an npm package name: {IDENTIFIER}, maybe after an `@scope/`")
    } else {
        format!("must be a package name: {IDENTIFIER}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refs_follow_gits_rules_and_refuse_shell_words() {
        for good in [
            "v1.2.3",
            "bindings/go/v1.2.3",
            "release-1_x",
            "main",
            "up-stream",
        ] {
            assert_eq!(ref_problem(good, "a ref"), None, "{good}");
        }
        for bad in [
            "",
            "a b",
            "-x",
            "--upload-pack=touch /tmp/x;false",
            "--output=/tmp/x",
            "v1`id`",
            "v1$(id)",
            "v1;id",
            "v1|x",
            "v1&x",
            "a\nb",
            "a..b",
            "a//b",
            "a/",
            ".a",
            "a/.b",
            "a.lock",
            "a.",
            "@",
            "a@{1}",
            "a'b",
            "a\"b",
        ] {
            assert!(ref_problem(bad, "a ref").is_some(), "{bad:?}");
        }
        assert!(branch_problem("HEAD").is_some());
        assert!(remote_problem("origin").is_none());
    }

    #[test]
    fn names_are_identifiers() {
        for good in ["fmt", "py-tests", "node_18", "v1.2"] {
            assert!(is_identifier(good), "{good}");
        }
        for bad in ["", "-x", ".x", "a b", "a\nnext: x", "a;b", "é"] {
            assert!(!is_identifier(bad), "{bad:?}");
        }
        assert!(workflow_problem("release.yml").is_none());
        assert!(workflow_problem("../x.yml").is_some());
        assert!(workflow_problem("ci.sh").is_some());
        assert!(owner_name_problem("o/.github").is_none());
        for bad in ["o", "o/r/x", "../r", "o/..", "-o/r", "o/r;x", "o /r"] {
            assert!(owner_name_problem(bad).is_some(), "{bad}");
        }
        assert!(plain_path_problem("Formula/p.rb").is_none());
        for bad in ["../p.rb", "/p.rb", "a//p.rb", "./p.rb", "a/p?.rb", ""] {
            assert!(plain_path_problem(bad).is_some(), "{bad}");
        }
        assert!(package_problem("@scope/pkg", true).is_none());
        assert!(package_problem("@scope/pkg", false).is_some());
        assert!(package_problem("../x", true).is_some());
        assert!(package_problem("serde_json", false).is_none());
    }
}
