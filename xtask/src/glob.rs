//! The one glob matcher: `when_changed` paths, `[verify].not_sites`, and a
//! workflow's tag filters. `*` is any run of characters but `/`, `?` one
//! character but `/`, `**` any run at all; `**/` also matches no folder, so
//! `**/*.rs` matches `main.rs` and `a/**/b` matches `a/b`.

/// Whether `name` (with `/` separators) matches `glob`.
pub(crate) fn matches(glob: &str, name: &str) -> bool {
    fn go(p: &[u8], n: &[u8]) -> bool {
        match p {
            [] => n.is_empty(),
            // `**/`: no folder, or any run that ends with a `/`.
            [b'*', b'*', b'/', rest @ ..] => {
                go(rest, n) || (0..n.len()).any(|i| n[i] == b'/' && go(rest, &n[i + 1..]))
            }
            [b'*', b'*', rest @ ..] => (0..=n.len()).any(|i| go(rest, &n[i..])),
            [b'*', rest @ ..] => (0..=n.len())
                .take_while(|&i| i == 0 || n[i - 1] != b'/')
                .any(|i| go(rest, &n[i..])),
            [b'?', rest @ ..] => n.first().is_some_and(|&c| c != b'/') && go(rest, &n[1..]),
            [c, rest @ ..] => n.first() == Some(c) && go(rest, &n[1..]),
        }
    }
    go(glob.as_bytes(), name.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn stars_questions_and_double_stars() {
        assert!(matches(
            "bindings/python/**",
            "bindings/python/plasmite/__init__.py"
        ));
        assert!(matches(
            "bindings/python/**",
            "bindings/python/pyproject.toml"
        ));
        assert!(!matches("bindings/python/**", "bindings/node/package.json"));
        assert!(matches("**/*.rs", "src/main.rs"));
        assert!(matches("**/*.rs", "main.rs"));
        assert!(matches("src/*.rs", "src/lib.rs"));
        assert!(!matches("src/*.rs", "src/a/lib.rs"));
        assert!(matches("Cargo.?ock", "Cargo.lock"));
        assert!(!matches("Cargo.?ock", "Cargo.ock"));
        assert!(matches("**", "anything/at/all"));
        assert!(matches("a/**/b", "a/b"));
        assert!(matches("a/**/b", "a/x/y/b"));
        assert!(!matches("a/**/b", "a/x/y/c"));
        assert!(matches("*.md", "README.md"));
        assert!(!matches("*.md", "docs/config.md"));
    }

    #[test]
    fn tag_filters_as_github_reads_them() {
        assert!(matches("v*", "v1.2.3-rc.1"));
        assert!(!matches("v*", "1.2.3"));
        assert!(!matches("v*", "v1/2"));
        assert!(matches("**", "go/v1.2.3"));
        assert!(matches("plasmite-*", "plasmite-1.0.0"));
        assert!(matches("v**", "v1/2"));
    }
}
