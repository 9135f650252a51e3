//! How much the renderings for people show at most, so a report always opens: a scan can have
//! hundreds of thousands of findings. Lists are cut worst first and say how much they left out;
//! the JSON, JSONL and CSV reports always hold everything (docs/reports.md, "Size").

use std::borrow::Cow;

/// Most rows of one HTML table.
pub const HTML_TABLE_ROWS: usize = 2_000;
/// Most rows of one Markdown table.
pub const MARKDOWN_TABLE_ROWS: usize = 200;
/// Most entries of one list in the text report.
pub const TEXT_LIST: usize = 40;
/// Most findings listed under one file in the text report.
pub const TEXT_FINDINGS_PER_FILE: usize = 8;
/// Most migrated-unit diffs shown in HTML and Markdown.
pub const DIFFS: usize = 200;
/// Longest diff shown in full in HTML and Markdown (`--write-fixes` writes the whole file).
pub const DIFF_BYTES: usize = 64 * 1024;

/// A diff cut at [`DIFF_BYTES`] (at a line end), with a last line that says so.
pub fn cut_diff(diff: &str) -> Cow<'_, str> {
    if diff.len() <= DIFF_BYTES {
        return diff.into();
    }
    let end = diff[..DIFF_BYTES].rfind('\n').map_or(0, |i| i + 1);
    format!(
        "{}... {} more bytes of this diff are in the JSON report\n",
        &diff[..end],
        diff.len() - end
    )
    .into()
}

/// The items to list when at most `limit` are shown: all of them in their order when they fit,
/// else the `limit` worst by `key` (a stable sort: the order within one key is kept).
pub fn worst_first<'a, T, K: Ord>(
    items: impl IntoIterator<Item = &'a T>,
    limit: usize,
    key: impl Fn(&T) -> K,
) -> Vec<&'a T> {
    let mut v: Vec<&T> = items.into_iter().collect();
    if v.len() > limit {
        v.sort_by_key(|t| key(t));
        v.truncate(limit);
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_that_fit_keep_their_order_others_keep_the_worst() {
        let v = [3, 1, 2, 0, 1];
        assert_eq!(worst_first(&v, 5, |x| *x), vec![&3, &1, &2, &0, &1]);
        assert_eq!(worst_first(&v, 3, |x| *x), vec![&0, &1, &1]);
    }

    #[test]
    fn long_diffs_are_cut_at_a_line_end_and_say_so() {
        let short = "--- a/x\n+++ b/x\n+a\n";
        assert_eq!(cut_diff(short), short);
        let line = format!("+{}\n", "x".repeat(99));
        let long = line.repeat(DIFF_BYTES / 100 + 10);
        let cut = cut_diff(&long);
        assert!(cut.len() < DIFF_BYTES + 100);
        let (kept, note) = cut.trim_end().rsplit_once('\n').unwrap();
        assert!(kept.lines().all(|l| l.len() == 100), "whole lines only");
        assert_eq!(
            note,
            format!(
                "... {} more bytes of this diff are in the JSON report",
                long.len() - kept.len() - 1
            )
        );
    }
}
