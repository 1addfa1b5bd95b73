//! Command lines as words: split as a POSIX shell would (without expanding
//! anything), and quoted back so a printed command can be pasted safely.

/// Splits a command line into words the way a POSIX shell would for plain
/// words and quotes (`'…'`, `"…"`, `\`), without expanding anything.
pub(crate) fn split_words(line: &str) -> Result<Vec<String>, String> {
    shlex::split(line).ok_or_else(|| format!("an unclosed quote or a trailing `\\` in `{line}`"))
}

/// A command line for display: words that a shell would split or expand are
/// quoted, so it can be copied back into a shell and mean the same words.
/// After the program, a word like `build_run_id=42` stays bare: `=` means
/// an assignment only before the program's name.
pub(crate) fn quote_words(argv: &[String]) -> String {
    let bare = |w: &str| {
        !w.is_empty()
            && w.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_./:@%+,=".contains(c))
    };
    argv.iter()
        .enumerate()
        .map(|(i, w)| {
            if i > 0 && bare(w) {
                w.clone()
            } else {
                quote(w)
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// One word for display, quoted when a shell would split or expand it. A
/// word with a NUL byte cannot be passed to a program at all; it is shown
/// with the byte escaped, quoted.
pub(crate) fn quote(word: &str) -> String {
    match shlex::try_quote(word) {
        Ok(quoted) => quoted.into_owned(),
        Err(_) => shlex::try_quote(&word.replace('\0', "\\0"))
            .map(|q| q.into_owned())
            .unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_split_like_a_shell_without_expanding() {
        assert_eq!(
            split_words(r#"sh -c 'echo "$X"; exit 3'  a\ b "c \"d\"""#).unwrap(),
            ["sh", "-c", "echo \"$X\"; exit 3", "a b", "c \"d\""]
        );
        assert!(split_words("echo 'oops").is_err());
        assert_eq!(split_words("  ").unwrap(), Vec::<String>::new());
        assert_eq!(split_words("a 'b c' \"d\"e").unwrap(), ["a", "b c", "de"]);
    }

    #[test]
    fn quoted_words_split_back_to_the_same_words() {
        for line in [
            r#"sh -c 'test "$X" != it' a\'b plain"#,
            r#"echo "$(id)" '`x`' ';' 'a b' '' "#,
        ] {
            let argv = split_words(line).unwrap();
            assert_eq!(split_words(&quote_words(&argv)).unwrap(), argv, "{line}");
        }
        assert_eq!(quote("plain-word_1.2"), "plain-word_1.2");
        let argv = [
            "gh",
            "workflow",
            "run",
            "-f",
            "build_run_id=42",
            "-f",
            "x=<a b>",
        ];
        let argv = argv.map(String::from);
        assert_eq!(
            quote_words(&argv),
            "gh workflow run -f build_run_id=42 -f 'x=<a b>'"
        );
        assert_eq!(split_words(&quote_words(&argv)).unwrap(), argv);
        assert_ne!(quote_words(&["a=b".to_string()]), "a=b");
        assert_ne!(quote("$(id)"), "$(id)");
    }
}
