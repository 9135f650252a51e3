//! Certificates, keys and DH parameters in PEM or DER files: what the crypto checks need to
//! know about each (key algorithm and size, signature algorithm, validity), read with
//! x509-parser (certificates) and [`super::der`] (keys, parameters). Bounded: at most
//! [`MAX_ITEMS`] items per file; malformed items are reported, never a panic.

use super::der::{self, KeySize};

/// Most PEM blocks read from one file (a trust bundle has a few hundred).
pub const MAX_ITEMS: usize = 2000;

/// File name endings that hold certificates or keys (lower case).
pub const CERT_SUFFIXES: &[&str] = &[".pem", ".crt", ".cer", ".der", ".key"];
/// File name endings of keystores that are named but not parsed.
pub const KEYSTORE_SUFFIXES: &[&str] = &[".p12", ".pfx", ".jks", ".keystore", ".jceks"];

/// What a PEM block or DER file holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    Certificate(Cert),
    /// A private key; the size is `None` for algorithms without a size rule (EC, EdDSA).
    PrivateKey(Option<KeySize>),
    PublicKey(Option<KeySize>),
    DhParameters(KeySize),
    /// An encrypted private key: its size cannot be read without the passphrase.
    EncryptedKey,
    /// A block of another kind (certificate request, CRL, EC parameters ...): not judged.
    NotRead,
    /// A block that could not be parsed: the reason.
    Malformed(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cert {
    pub subject: String,
    pub self_signed: bool,
    /// Dotted OID of the signature algorithm.
    pub signature_oid: String,
    /// `not after`, seconds since the epoch.
    pub not_after: i64,
    pub key: Option<KeySize>,
}

/// One item of a file, with the 1-based line of its `-----BEGIN` (None for a DER file).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    pub line: Option<usize>,
    pub label: String,
    pub kind: Kind,
}

/// Whether a file name is one the certificate check reads.
pub fn is_cert_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    CERT_SUFFIXES.iter().any(|s| n.ends_with(s))
}

/// Whether a file name is a keystore (named, not parsed).
pub fn is_keystore_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    KEYSTORE_SUFFIXES.iter().any(|s| n.ends_with(s)) || n == "cacerts"
}

/// The hash of a signature algorithm by OID when it is a weak one (`SHA-1`, `MD5`, `MD2`).
pub fn weak_signature_hash(oid: &str) -> Option<&'static str> {
    match oid {
        "1.2.840.113549.1.1.5"
        | "1.3.14.3.2.29"
        | "1.2.840.10040.4.3"
        | "1.2.840.10045.4.1"
        | "1.3.14.3.2.27" => Some("SHA-1"),
        "1.2.840.113549.1.1.4" | "1.3.14.3.2.25" => Some("MD5"),
        "1.2.840.113549.1.1.2" => Some("MD2"),
        _ => None,
    }
}

/// Parse a file's items: PEM blocks when it has any, else the whole file as DER.
pub fn parse(bytes: &[u8]) -> Vec<Item> {
    let text = String::from_utf8_lossy(bytes);
    if text.contains("-----BEGIN ") {
        return parse_pem(&text);
    }
    if bytes.first() == Some(&der::SEQUENCE) {
        let kind = der_kind(bytes);
        // A DER file that is none of these is not a certificate file at all.
        if !matches!(kind, Kind::Malformed(_)) {
            return vec![Item {
                line: None,
                label: "DER".into(),
                kind,
            }];
        }
    }
    Vec::new()
}

fn parse_pem(text: &str) -> Vec<Item> {
    let mut out = Vec::new();
    let mut open: Option<(usize, String, String)> = None;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if let Some(label) = t
            .strip_prefix("-----BEGIN ")
            .and_then(|r| r.strip_suffix("-----"))
        {
            if out.len() >= MAX_ITEMS {
                break;
            }
            open = Some((i + 1, label.to_string(), String::new()));
        } else if t.starts_with("-----END ") {
            if let Some((line, label, body)) = open.take() {
                let kind = if body.contains('\0') {
                    Kind::EncryptedKey
                } else {
                    match base64(&body) {
                        Some(b) => pem_kind(&label, &b),
                        None => Kind::Malformed("invalid base64".into()),
                    }
                };
                out.push(Item {
                    line: Some(line),
                    label,
                    kind,
                });
            }
        } else if let Some((_, _, body)) = open.as_mut() {
            // Headers of encrypted PEM (Proc-Type, DEK-Info) are not base64.
            if t.contains(':') {
                body.push('\0');
            } else if body.len() < 1 << 20 {
                body.push_str(t);
            }
        }
    }
    out
}

fn pem_kind(label: &str, b: &[u8]) -> Kind {
    let bad = |what: &str| Kind::Malformed(format!("{what} could not be parsed"));
    match label {
        "CERTIFICATE" | "X509 CERTIFICATE" | "TRUSTED CERTIFICATE" => cert(b),
        "RSA PRIVATE KEY" => der::rsa_private_key(b)
            .map(|k| Kind::PrivateKey(Some(k)))
            .unwrap_or_else(|| bad("RSA private key")),
        "DSA PRIVATE KEY" => der::dsa_private_key(b)
            .map(|k| Kind::PrivateKey(Some(k)))
            .unwrap_or_else(|| bad("DSA private key")),
        "PRIVATE KEY" => match der::read(b) {
            Some((t, _)) if t.tag == der::SEQUENCE => Kind::PrivateKey(der::pkcs8_private_key(b)),
            _ => bad("private key"),
        },
        "EC PRIVATE KEY" | "OPENSSH PRIVATE KEY" => Kind::PrivateKey(None),
        "ENCRYPTED PRIVATE KEY" => Kind::EncryptedKey,
        "PUBLIC KEY" => match der::read(b) {
            Some((t, _)) if t.tag == der::SEQUENCE => Kind::PublicKey(der::public_key_info(b)),
            _ => bad("public key"),
        },
        "RSA PUBLIC KEY" => Kind::PublicKey(der::rsa_public_key(b)),
        "DH PARAMETERS" | "X9.42 DH PARAMETERS" => der::dh_parameters(b)
            .map(Kind::DhParameters)
            .unwrap_or_else(|| bad("DH parameters")),
        _ => Kind::NotRead,
    }
}

fn der_kind(b: &[u8]) -> Kind {
    if let k @ Kind::Certificate(_) = cert(b) {
        return k;
    }
    if let Some(k) = der::rsa_private_key(b) {
        return Kind::PrivateKey(Some(k));
    }
    if let Some(k) = der::pkcs8_private_key(b) {
        return Kind::PrivateKey(Some(k));
    }
    if let Some(k) = der::public_key_info(b) {
        return Kind::PublicKey(Some(k));
    }
    Kind::Malformed("not a certificate or key".into())
}

fn cert(b: &[u8]) -> Kind {
    match x509_parser::parse_x509_certificate(b) {
        Ok((_, c)) => Kind::Certificate(Cert {
            subject: c.subject().to_string(),
            self_signed: c.subject().as_raw() == c.issuer().as_raw(),
            signature_oid: c.signature_algorithm.algorithm.to_id_string(),
            not_after: c.validity().not_after.timestamp(),
            key: der::public_key_info(c.public_key().raw),
        }),
        Err(e) => Kind::Malformed(format!("certificate could not be parsed: {e}")),
    }
}

/// Standard base64 (whitespace ignored); a NUL marks a header line, which makes the block
/// encrypted legacy PEM: `None`.
fn base64(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut n = 0;
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => break,
            b' ' | b'\t' | b'\r' | b'\n' => continue,
            _ => return None,
        };
        acc = (acc << 6) | v as u32;
        n += 1;
        if n == 4 {
            out.extend_from_slice(&[(acc >> 16) as u8, (acc >> 8) as u8, acc as u8]);
            acc = 0;
            n = 0;
        }
    }
    match n {
        2 => out.push((acc >> 4) as u8),
        3 => out.extend_from_slice(&[(acc >> 10) as u8, (acc >> 2) as u8]),
        0 => {}
        _ => return None,
    }
    Some(out)
}

/// `YYYY-MM-DD` of a Unix time (UTC).
pub fn date(t: i64) -> String {
    let days = t.div_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_and_dates() {
        assert_eq!(base64("aGVsbG8=").unwrap(), b"hello");
        assert_eq!(base64("aGVs\nbG8h").unwrap(), b"hello!");
        assert_eq!(base64("a"), None);
        assert_eq!(base64("a\u{0}b"), None);
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(1_767_225_600), "2026-01-01");
        assert_eq!(date(951_782_400), "2000-02-29");
    }

    #[test]
    fn garbage_is_no_item_or_malformed() {
        assert!(parse(b"hello").is_empty());
        assert!(parse(&[0x30, 0x82, 0xff]).is_empty());
        let v = parse(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
        assert_eq!(v.len(), 1);
        assert!(matches!(v[0].kind, Kind::Malformed(_)));
        assert_eq!(v[0].line, Some(1));
        // An unterminated block is not an item.
        assert!(parse(b"-----BEGIN CERTIFICATE-----\nAAAA\n").is_empty());
        assert!(is_cert_name("server.PEM"));
        assert!(is_keystore_name("app.jks"));
        assert_eq!(weak_signature_hash("1.2.840.113549.1.1.5"), Some("SHA-1"));
        assert_eq!(weak_signature_hash("1.2.840.113549.1.1.11"), None);
    }
}
