//! Path globs for `when_changed`: `*` (within a segment), `**` (any number of
//! segments) and `?` (one character).

/// Whether `path` (with `/` separators) matches `glob`.
pub fn matches(glob: &str, path: &str) -> bool {
    let glob: Vec<&str> = glob.split('/').collect();
    let path: Vec<&str> = path.split('/').collect();
    segments(&glob, &path)
}

fn segments(glob: &[&str], path: &[&str]) -> bool {
    match glob.split_first() {
        None => path.is_empty(),
        Some((&"**", rest)) => (0..=path.len()).any(|skip| segments(rest, &path[skip..])),
        Some((first, rest)) => match path.split_first() {
            Some((p, path_rest)) => {
                segment(first.as_bytes(), p.as_bytes()) && segments(rest, path_rest)
            }
            None => false,
        },
    }
}

fn segment(glob: &[u8], text: &[u8]) -> bool {
    match glob.split_first() {
        None => text.is_empty(),
        Some((b'*', rest)) => (0..=text.len()).any(|skip| segment(rest, &text[skip..])),
        Some((b'?', rest)) => !text.is_empty() && segment(rest, &text[1..]),
        Some((c, rest)) => text.first() == Some(c) && segment(rest, &text[1..]),
    }
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
}
