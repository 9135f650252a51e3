//! The pack's TSV reading: the one table parser every table goes through, and its helpers.

use super::PackError;

/// A decimal `u32` as `str::parse` reads it (an optional `+`, digits), without its generic
/// machinery.
pub(crate) fn parse_u32(s: &str) -> Option<u32> {
    let digits = s.strip_prefix('+').unwrap_or(s);
    if digits.is_empty() {
        return None;
    }
    let mut n: u32 = 0;
    for b in digits.bytes() {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n.checked_mul(10)?.checked_add(u32::from(b - b'0'))?;
    }
    Some(n)
}

/// The index of the next tab or newline in `bytes` from `from`, or `bytes.len()`. Eight bytes at
/// a time (fields are short: a call per field must be cheap).
#[inline]
pub(crate) fn next_delimiter(bytes: &[u8], from: usize) -> usize {
    const LO: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const TAB: u64 = 0x0909_0909_0909_0909;
    const NL: u64 = 0x0a0a_0a0a_0a0a_0a0a;
    // 0x80 in each byte of `v` that is zero, exactly (no borrow crosses bytes).
    let zero_bytes = |v: u64| !(((v & LO).wrapping_add(LO)) | v | LO);
    let mut i = from;
    while let Some(chunk) = bytes.get(i..i + 8) {
        let w = u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
        let hits = zero_bytes(w ^ TAB) | zero_bytes(w ^ NL);
        if hits != 0 {
            return i + (hits.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    bytes[i.min(bytes.len())..]
        .iter()
        .position(|&b| b == b'\t' || b == b'\n')
        .map_or(bytes.len(), |p| i + p)
}

/// Parse one TSV table: the header must be exactly `columns`; every row must have that many
/// fields. `f` gets the fields of each row; its error becomes `Invalid` naming file and line.
pub(crate) fn parse_table<'a>(
    origin: &str,
    file: &str,
    text: &'a str,
    columns: &[&str],
    expected_rows: Option<u64>,
    mut f: impl FnMut(&[&'a str]) -> Result<(), String>,
) -> Result<(), PackError> {
    const MAX_COLUMNS: usize = 10;
    debug_assert!(columns.len() <= MAX_COLUMNS);
    let invalid = |line: usize, reason: String| PackError::Invalid {
        path: format!("{origin}/{file}"),
        reason: format!("line {line}: {reason}"),
    };
    let header_end = text.find('\n').unwrap_or(text.len());
    let header = &text[..header_end];
    let header = header.strip_suffix('\r').unwrap_or(header);
    if !header.split('\t').eq(columns.iter().copied()) {
        return Err(invalid(
            1,
            format!(
                "header is `{}`, expected `{}`",
                header.replace('\t', " "),
                columns.join(" ")
            ),
        ));
    }
    let mut fields: [&'a str; MAX_COLUMNS] = [""; MAX_COLUMNS];
    let mut rows = 0u64;
    let mut lineno = 1usize;
    let bytes = text.as_bytes();
    // Each line as `text.split('\n')` yields them after the header (the empty piece after a
    // final newline included), split on tabs in the same pass.
    let mut pos = header_end + 1;
    while pos <= text.len() {
        lineno += 1;
        let mut n = 0;
        loop {
            let end = next_delimiter(bytes, pos);
            // Delimiters are ASCII: `pos` and `end` are char boundaries.
            let field = &text[pos..end];
            let at_eol = end == bytes.len() || bytes[end] == b'\n';
            pos = end + 1;
            if n < columns.len() {
                fields[n] = field;
            }
            n += 1;
            if at_eol {
                // `\r\n` line ends: the `\r` belongs to no field.
                if n <= columns.len() {
                    let last = &mut fields[n - 1];
                    *last = last.strip_suffix('\r').unwrap_or(last);
                }
                break;
            }
        }
        if n == 1 && fields[0].is_empty() {
            continue;
        }
        if n != columns.len() {
            return Err(invalid(
                lineno,
                format!("expected {} tab-separated fields", columns.len()),
            ));
        }
        f(&fields[..n]).map_err(|reason| invalid(lineno, reason))?;
        rows += 1;
    }
    if let Some(want) = expected_rows
        && rows != want
    {
        return Err(invalid(
            lineno,
            format!("{rows} rows, but pack.json counts {want} (truncated or edited table?)"),
        ));
    }
    Ok(())
}
