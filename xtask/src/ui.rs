//! Human output: one place that prints, redacting secrets, to stdout or (when
//! stdout carries JSON) to stderr.

use crate::secrets::redact;

#[derive(Debug, Clone, Copy)]
pub struct Ui {
    /// stdout is reserved for a JSON document.
    pub json: bool,
}

impl Ui {
    pub fn line(&self, text: &str) {
        let text = redact(text);
        if self.json {
            eprintln!("{text}");
        } else {
            println!("{text}");
        }
    }

    pub fn warn(&self, text: &str) {
        eprintln!("{}", redact(text));
    }
}

/// `1.2s`, `340ms`, `2m05s`.
pub fn duration(d: std::time::Duration) -> String {
    let ms = d.as_millis();
    match ms {
        0..=999 => format!("{ms}ms"),
        1000..=59_999 => format!("{:.1}s", d.as_secs_f64()),
        _ => format!("{}m{:02}s", ms / 60_000, ms % 60_000 / 1000),
    }
}
