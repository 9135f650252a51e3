//! OpenPGP public keys (RFC 4880, RFC 9580), just enough to name them as rpm does: the primary
//! keys of a key file (ASCII-armored or binary), with the fingerprint, the key id rpm records as a
//! `gpg-pubkey` entry's VERSION (the low 32 bits of the key id, lowercase hex; rpm 6 records the
//! fingerprint), the creation time it records as RELEASE, and the first user id.
//!
//! Nothing is verified: this only links `gpg-pubkey` entries to the key files repositories name.

use sha1::{Digest, Sha1};

/// A primary public key found in a key file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicKey {
    /// Packet version: 3, 4 or 6.
    pub version: u8,
    /// Lowercase hex fingerprint (v4: SHA-1, v6: SHA-256 of the key packet; v3: empty).
    pub fingerprint: String,
    /// Lowercase hex 64-bit key id.
    pub key_id: String,
    /// Creation time, seconds since 1970.
    pub created: u32,
    /// The first user id packet after the key, if any.
    pub user_id: Option<String>,
}

impl PublicKey {
    /// Whether a `gpg-pubkey` entry (VERSION, RELEASE) is this key: VERSION is the low 32 bits of
    /// the key id (rpm 4), the key id, or the fingerprint (rpm 6); RELEASE, when given, is the
    /// creation time in hex.
    pub fn is_rpm_entry(&self, version: &str, release: Option<&str>) -> bool {
        let v = version.to_ascii_lowercase();
        let id_match = v.len() >= 8
            && (self.key_id.ends_with(&v)
                || (!self.fingerprint.is_empty() && self.fingerprint == v));
        let created = format!("{:08x}", self.created);
        id_match && release.is_none_or(|r| r.eq_ignore_ascii_case(&created))
    }

    /// The low 32 bits of the key id, as rpm 4 names a `gpg-pubkey` entry.
    pub fn short_id(&self) -> &str {
        &self.key_id[self.key_id.len().saturating_sub(8)..]
    }
}

/// The primary keys of a key file: every armored `PUBLIC KEY BLOCK` in the text, or the binary
/// packets when the file is not armored. Malformed input yields what was read before the damage.
pub fn keys(data: &[u8]) -> Vec<PublicKey> {
    const BEGIN: &[u8] = b"-----BEGIN PGP PUBLIC KEY BLOCK-----";
    if let Some(start) = find(data, BEGIN) {
        let mut out = Vec::new();
        let mut rest = &data[start..];
        while let Some(s) = find(rest, BEGIN) {
            rest = &rest[s + BEGIN.len()..];
            let end = find(rest, b"-----END").unwrap_or(rest.len());
            if let Some(bin) = dearmor(&rest[..end]) {
                out.extend(packets(&bin));
            }
            rest = &rest[end..];
        }
        out
    } else {
        packets(data)
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The body of one armored block (after the BEGIN line): headers up to the first empty line,
/// then base64 up to the `=CRC` line.
fn dearmor(block: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(block).ok()?;
    let mut lines = text.lines().skip(1); // the rest of the BEGIN line
    let mut body = String::new();
    let mut in_headers = true;
    for l in lines.by_ref() {
        let l = l.trim();
        if in_headers {
            if l.is_empty() {
                in_headers = false;
            } else if !l.contains(": ") {
                // No header lines and no blank line: the body starts here.
                in_headers = false;
                body.push_str(l);
            }
            continue;
        }
        if l.starts_with('=') && l.len() == 5 {
            break;
        }
        body.push_str(l);
    }
    base64(&body)
}

/// Standard base64, whitespace ignored; `None` on any other character.
pub fn base64(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() / 4 * 3);
    let mut acc = 0u32;
    let mut bits = 0u32;
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => break,
            c if c.is_ascii_whitespace() => continue,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}

/// Walk the packets: primary keys (tag 6) and the first user id (tag 13) after each.
fn packets(data: &[u8]) -> Vec<PublicKey> {
    let mut out: Vec<PublicKey> = Vec::new();
    let mut i = 0;
    while i < data.len() {
        let Some((tag, body, next)) = packet(data, i) else {
            break;
        };
        match tag {
            6 => out.extend(public_key(body)),
            13 => {
                if let Some(k) = out.last_mut().filter(|k| k.user_id.is_none()) {
                    k.user_id = Some(String::from_utf8_lossy(body).into_owned());
                }
            }
            _ => {}
        }
        i = next;
    }
    out
}

/// One packet at `i`: (tag, body, offset of the next packet).
fn packet(data: &[u8], i: usize) -> Option<(u8, &[u8], usize)> {
    let h = *data.get(i)?;
    if h & 0x80 == 0 {
        return None;
    }
    let (tag, len, hdr) = if h & 0x40 != 0 {
        // New format.
        let o1 = usize::from(*data.get(i + 1)?);
        let (len, n) = match o1 {
            0..=191 => (o1, 1),
            192..=223 => (((o1 - 192) << 8) + usize::from(*data.get(i + 2)?) + 192, 2),
            255 => (be(data.get(i + 2..i + 6)?), 5),
            _ => return None, // partial lengths never occur in key packets
        };
        (h & 0x3f, len, 1 + n)
    } else {
        let (len, n) = match h & 3 {
            0 => (usize::from(*data.get(i + 1)?), 1),
            1 => (be(data.get(i + 1..i + 3)?), 2),
            2 => (be(data.get(i + 1..i + 5)?), 4),
            _ => (data.len() - i - 1, 0),
        };
        ((h >> 2) & 0xf, len, 1 + n)
    };
    let start = i + hdr;
    let end = start.checked_add(len)?;
    Some((tag, data.get(start..end)?, end))
}

fn be(b: &[u8]) -> usize {
    b.iter().fold(0usize, |a, &x| (a << 8) | usize::from(x))
}

/// A public key packet body.
fn public_key(body: &[u8]) -> Option<PublicKey> {
    let version = *body.first()?;
    let created = u32::try_from(be(body.get(1..5)?)).ok()?;
    let (fingerprint, key_id) = match version {
        4 => {
            let mut h = Sha1::new();
            h.update([0x99]);
            h.update(u16::try_from(body.len()).ok()?.to_be_bytes());
            h.update(body);
            let fp = hex(&h.finalize());
            let id = fp[fp.len() - 16..].to_string();
            (fp, id)
        }
        6 => {
            let mut h = sha2::Sha256::new();
            h.update([0x9b]);
            h.update(u32::try_from(body.len()).ok()?.to_be_bytes());
            h.update(body);
            let fp = hex(&h.finalize());
            let id = fp[..16].to_string();
            (fp, id)
        }
        2 | 3 => {
            // v3 RSA: the key id is the low 64 bits of the modulus n (an MPI after the
            // validity days and the algorithm).
            let bits = be(body.get(8..10)?);
            let n = body.get(10..10 + bits.div_ceil(8))?;
            (String::new(), hex(n.get(n.len().checked_sub(8)?..)?))
        }
        _ => return None,
    };
    Some(PublicKey {
        version,
        fingerprint,
        key_id,
        created,
        user_id: None,
    })
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_decodes_and_refuses_garbage() {
        assert_eq!(base64("aGVsbG8=").unwrap(), b"hello");
        assert_eq!(base64("aGVs\nbG8h").unwrap(), b"hello!");
        assert!(base64("a*b").is_none());
    }

    /// A v4 key packet built here: its fingerprint is SHA-1 over 0x99, the length and the body.
    #[test]
    fn v4_key_ids_follow_the_fingerprint() {
        let body = [4u8, 0x58, 0xe6, 0x39, 0x18, 1, 0, 8, 0xff, 0, 3, 1, 0, 1];
        let mut pkt = vec![0xc6, body.len() as u8];
        pkt.extend_from_slice(&body);
        pkt.extend_from_slice(&[0xcd, 4]);
        pkt.extend_from_slice(b"a@b.");
        let k = keys(&pkt);
        assert_eq!(k.len(), 1);
        let mut h = Sha1::new();
        h.update([0x99, 0, body.len() as u8]);
        h.update(body);
        assert_eq!(k[0].fingerprint, hex(&h.finalize()));
        assert_eq!(k[0].key_id, k[0].fingerprint[24..]);
        assert_eq!(k[0].created, 0x58e63918);
        assert_eq!(k[0].user_id.as_deref(), Some("a@b."));
        assert!(k[0].is_rpm_entry(k[0].short_id(), Some("58e63918")));
        assert!(k[0].is_rpm_entry(&k[0].fingerprint.clone(), None));
        assert!(!k[0].is_rpm_entry(k[0].short_id(), Some("58e63919")));
    }

    #[test]
    fn truncated_and_unknown_input_yields_no_key_and_no_panic() {
        for d in [
            &b""[..],
            b"\xc6\xff\xff",
            b"\x99\x01",
            b"-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n!!!",
        ] {
            assert!(keys(d).is_empty());
        }
    }
}
