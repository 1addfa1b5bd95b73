//! Plasmite: the library behind the `plasmite` command.
//!
//! The pool engine is not here yet; what is here is small and real: the
//! crate's version and the one line the command prints for `--version`.

/// The version of this crate, which every official binding shares.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The line `plasmite --version` prints: `plasmite X.Y.Z`.
pub fn version_line() -> String {
    format!("plasmite {VERSION}")
}

/// What the command does with its arguments, as text to print and an exit code.
pub fn run(args: &[String]) -> (String, i32) {
    match args.first().map(String::as_str) {
        Some("--version" | "-V") => (version_line(), 0),
        None | Some("--help" | "-h") => (usage(), 0),
        Some(other) => (
            format!("plasmite: unknown argument `{other}`\n{}", usage()),
            2,
        ),
    }
}

fn usage() -> String {
    "usage: plasmite [--version | --help]".to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_line_names_the_crate_version() {
        assert_eq!(
            version_line(),
            format!("plasmite {}", env!("CARGO_PKG_VERSION"))
        );
    }

    #[test]
    fn version_flag_prints_the_version_line() {
        assert_eq!(run(&["--version".into()]), (version_line(), 0));
        assert_eq!(run(&["-V".into()]), (version_line(), 0));
    }

    #[test]
    fn unknown_argument_is_a_usage_error() {
        let (text, code) = run(&["--frobnicate".into()]);
        assert_eq!(code, 2);
        assert!(text.contains("unknown argument `--frobnicate`"));
    }
}
