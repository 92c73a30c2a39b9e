//! Docker's human formats: sizes (`2.16MB`), durations (`3 weeks ago`), ids, ellipsis, and the
//! tabwriter layout of its tables.

pub use engine::types::units::{bytes_size, human_duration, human_size};
use std::time::{SystemTime, UNIX_EPOCH};

/// `3 weeks ago` for a Unix time.
pub fn ago(unix: i64) -> String {
    if unix <= 0 {
        return "N/A".into();
    }
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
    format!("{} ago", human_duration(now - unix))
}

/// `sha256:abc…` → `abc…` (12 digits) unless `no_trunc`.
pub fn short_id(id: &str, no_trunc: bool) -> String {
    if no_trunc {
        id.to_string()
    } else {
        let hex = id.strip_prefix("sha256:").unwrap_or(id);
        hex.chars().take(12).collect()
    }
}

/// `stringutils.Ellipsis`: at most `max` characters, the last one `…` when cut.
pub fn ellipsis(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(max - 1).collect();
        out.push('…');
        out
    }
}

/// Go's `tabwriter.NewWriter(w, 10, 1, 3, ' ', 0)` as the docker CLI uses it for tables: every
/// column but the last is padded to its widest cell + 3, at least 10.
pub fn table(rows: &[Vec<String>]) -> String {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut widths = vec![0usize; cols];
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            widths[i] = widths[i].max(c.chars().count() + 3).max(10);
        }
    }
    let mut out = String::new();
    for r in rows {
        let mut line = String::new();
        for (i, c) in r.iter().enumerate() {
            line.push_str(c);
            if i + 1 < r.len() {
                line.push_str(&" ".repeat(widths[i] - c.chars().count()));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_pad() {
        let t = table(&[vec!["A".into(), "B".into()], vec!["longer-value".into(), "x".into()]]);
        assert_eq!(t, "A              B\nlonger-value   x\n");
    }
}
