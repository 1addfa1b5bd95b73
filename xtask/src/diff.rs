//! Unified diffs of file edits, for dry-run output.

/// A unified diff of `before` → `after` with three lines of context, or an
/// empty string when they are equal.
pub(crate) fn unified(path: &str, before: &str, after: &str) -> String {
    if before == after {
        return String::new();
    }
    let a: Vec<&str> = before.split_inclusive('\n').collect();
    let b: Vec<&str> = after.split_inclusive('\n').collect();
    let ops = line_ops(&a, &b);
    let mut out = format!("--- a/{path}\n+++ b/{path}\n");
    const CONTEXT: usize = 3;
    let changed: Vec<usize> = ops
        .iter()
        .enumerate()
        .filter(|(_, op)| !matches!(op, Op::Same(..)))
        .map(|(i, _)| i)
        .collect();
    let mut i = 0;
    while i < changed.len() {
        // Group changes whose context windows touch into one hunk.
        let start = changed[i].saturating_sub(CONTEXT);
        let mut end = changed[i];
        while i + 1 < changed.len() && changed[i + 1] <= end + 2 * CONTEXT + 1 {
            i += 1;
            end = changed[i];
        }
        let end = (end + CONTEXT + 1).min(ops.len());
        let (mut a_start, mut b_start) = (0, 0);
        for op in &ops[..start] {
            let (da, db) = op.advance();
            a_start += da;
            b_start += db;
        }
        let (a_len, b_len) = ops[start..end].iter().fold((0, 0), |(x, y), op| {
            let (da, db) = op.advance();
            (x + da, y + db)
        });
        let first = |s: usize, len: usize| if len == 0 { s } else { s + 1 };
        out.push_str(&format!(
            "@@ -{},{a_len} +{},{b_len} @@\n",
            first(a_start, a_len),
            first(b_start, b_len)
        ));
        for op in &ops[start..end] {
            let (sign, line) = match op {
                Op::Same(i) => (' ', a[*i]),
                Op::Del(i) => ('-', a[*i]),
                Op::Add(j) => ('+', b[*j]),
            };
            out.push(sign);
            let shown = line
                .strip_suffix('\n')
                .map(|l| l.strip_suffix('\r').unwrap_or(l));
            out.push_str(shown.unwrap_or(line));
            out.push('\n');
            if !line.ends_with('\n') {
                out.push_str("\\ No newline at end of file\n");
            }
        }
        i += 1;
    }
    out
}

#[derive(Debug)]
enum Op {
    Same(usize),
    Del(usize),
    Add(usize),
}

impl Op {
    fn advance(&self) -> (usize, usize) {
        match self {
            Op::Same(..) => (1, 1),
            Op::Del(_) => (1, 0),
            Op::Add(_) => (0, 1),
        }
    }
}

/// Line operations turning `a` into `b`: common prefix and suffix first, then
/// a longest-common-subsequence table over what is left between them.
fn line_ops(a: &[&str], b: &[&str]) -> Vec<Op> {
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (am, bm) = (&a[prefix..a.len() - suffix], &b[prefix..b.len() - suffix]);
    let mut ops: Vec<Op> = (0..prefix).map(Op::Same).collect();
    if am.len() * bm.len() > 4_000_000 {
        // Too large to align line by line: show the middle as replaced.
        ops.extend((0..am.len()).map(|i| Op::Del(prefix + i)));
        ops.extend((0..bm.len()).map(|j| Op::Add(prefix + j)));
    } else {
        let (n, m) = (am.len(), bm.len());
        let mut lcs = vec![0u32; (n + 1) * (m + 1)];
        for i in (0..n).rev() {
            for j in (0..m).rev() {
                lcs[i * (m + 1) + j] = if am[i] == bm[j] {
                    lcs[(i + 1) * (m + 1) + j + 1] + 1
                } else {
                    lcs[(i + 1) * (m + 1) + j].max(lcs[i * (m + 1) + j + 1])
                };
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < n || j < m {
            if i < n && j < m && am[i] == bm[j] {
                ops.push(Op::Same(prefix + i));
                i += 1;
                j += 1;
            } else if i < n && (j == m || lcs[(i + 1) * (m + 1) + j] >= lcs[i * (m + 1) + j + 1]) {
                ops.push(Op::Del(prefix + i));
                i += 1;
            } else {
                ops.push(Op::Add(prefix + j));
                j += 1;
            }
        }
    }
    let a_end = a.len() - suffix;
    ops.extend((0..suffix).map(|k| Op::Same(a_end + k)));
    ops
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_changed_line_with_context() {
        let before = "a\nb\nc\nd\ne\nf\ng\nh\n";
        let after = "a\nb\nc\nd\nE\nf\ng\nh\n";
        assert_eq!(
            unified("x.txt", before, after),
            "--- a/x.txt\n+++ b/x.txt\n@@ -2,7 +2,7 @@\n b\n c\n d\n-e\n+E\n f\n g\n h\n"
        );
    }

    #[test]
    fn insertions_and_missing_final_newline() {
        let out = unified("x", "a\nb", "a\nnew\nb");
        assert_eq!(
            out,
            "--- a/x\n+++ b/x\n@@ -1,2 +1,3 @@\n a\n+new\n b\n\\ No newline at end of file\n"
        );
    }

    #[test]
    fn equal_texts_have_no_diff() {
        assert_eq!(unified("x", "same\n", "same\n"), "");
    }
}
