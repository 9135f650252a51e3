//! A bounded reader for the few DER structures the certificate check needs beyond what
//! x509-parser reads: PKCS#1 and PKCS#8 private keys, DSA keys and DH parameters. Every
//! length is checked against the input; malformed input is `None`, never a panic.

/// One DER element: its tag byte and its content.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tlv<'a> {
    pub tag: u8,
    pub content: &'a [u8],
}

pub const SEQUENCE: u8 = 0x30;
pub const INTEGER: u8 = 0x02;
pub const OCTET_STRING: u8 = 0x04;
pub const OID: u8 = 0x06;
pub const BIT_STRING: u8 = 0x03;

/// Read one element from the front of `b`: the element and the rest.
pub fn read(b: &[u8]) -> Option<(Tlv<'_>, &[u8])> {
    let (&tag, rest) = b.split_first()?;
    if tag & 0x1f == 0x1f {
        return None; // multi-byte tags are not used by the structures read here
    }
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (first as usize, rest)
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n].iter().fold(0usize, |a, &x| (a << 8) | x as usize);
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    Some((
        Tlv {
            tag,
            content: &rest[..len],
        },
        &rest[len..],
    ))
}

/// The elements of a constructed element's content (at most 64).
pub fn children(mut b: &[u8]) -> Option<Vec<Tlv<'_>>> {
    let mut v = Vec::new();
    while !b.is_empty() {
        if v.len() >= 64 {
            return None;
        }
        let (t, rest) = read(b)?;
        v.push(t);
        b = rest;
    }
    Some(v)
}

/// The number of significant bits of a big-endian unsigned integer.
pub fn bits(int: &[u8]) -> usize {
    let mut b = int;
    while let [0, rest @ ..] = b {
        b = rest;
    }
    match b.first() {
        Some(&f) => b.len() * 8 - f.leading_zeros() as usize,
        None => 0,
    }
}

/// OIDs (DER content bytes) of the key types read here.
pub const OID_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
pub const OID_DSA: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x01];
pub const OID_DH: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x03, 0x01];
pub const OID_DHX: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3e, 0x02, 0x01];

/// A key's algorithm and size in bits (RSA modulus, DSA or DH prime).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeySize {
    pub algorithm: &'static str,
    pub bits: usize,
}

fn seq(b: &[u8]) -> Option<Vec<Tlv<'_>>> {
    let (t, _) = read(b)?;
    if t.tag != SEQUENCE {
        return None;
    }
    children(t.content)
}

fn int_bits(t: Option<&Tlv>) -> Option<usize> {
    t.filter(|t| t.tag == INTEGER).map(|t| bits(t.content))
}

/// PKCS#1 `RSAPrivateKey` (version, n, e, d, ...).
pub fn rsa_private_key(b: &[u8]) -> Option<KeySize> {
    let s = seq(b)?;
    if s.len() < 9 {
        return None;
    }
    Some(KeySize {
        algorithm: "RSA",
        bits: int_bits(s.get(1))?,
    })
}

/// PKCS#1 `RSAPublicKey` (n, e).
pub fn rsa_public_key(b: &[u8]) -> Option<KeySize> {
    let s = seq(b)?;
    if s.len() != 2 {
        return None;
    }
    Some(KeySize {
        algorithm: "RSA",
        bits: int_bits(s.first())?,
    })
}

/// OpenSSL's `DSAPrivateKey` (version, p, q, g, y, x).
pub fn dsa_private_key(b: &[u8]) -> Option<KeySize> {
    let s = seq(b)?;
    if s.len() != 6 {
        return None;
    }
    Some(KeySize {
        algorithm: "DSA",
        bits: int_bits(s.get(1))?,
    })
}

/// PKCS#3 `DHParameter` (p, g [, length]) or X9.42 (p, g, q, ...).
pub fn dh_parameters(b: &[u8]) -> Option<KeySize> {
    let s = seq(b)?;
    if s.len() < 2 {
        return None;
    }
    Some(KeySize {
        algorithm: "DH",
        bits: int_bits(s.first())?,
    })
}

/// The size of the key in an `AlgorithmIdentifier` plus key bytes, as in PKCS#8
/// `PrivateKeyInfo` and X.509 `SubjectPublicKeyInfo`: RSA from the key, DSA and DH from the
/// prime in the parameters. Other algorithms (EC, EdDSA) are `None`: their sizes are fine.
fn sized(alg: &Tlv, key: &[u8], private: bool) -> Option<KeySize> {
    let a = children(alg.content)?;
    let oid = a.first().filter(|t| t.tag == OID)?.content;
    let params = a.get(1);
    let prime = || {
        params
            .filter(|p| p.tag == SEQUENCE)
            .and_then(|p| children(p.content))
            .and_then(|c| int_bits(c.first()))
    };
    if oid == OID_RSA {
        if private {
            rsa_private_key(key)
        } else {
            rsa_public_key(key)
        }
    } else if oid == OID_DSA {
        Some(KeySize {
            algorithm: "DSA",
            bits: prime()?,
        })
    } else if oid == OID_DH || oid == OID_DHX {
        Some(KeySize {
            algorithm: "DH",
            bits: prime()?,
        })
    } else {
        None
    }
}

/// PKCS#8 `PrivateKeyInfo` (version, algorithm, OCTET STRING key).
pub fn pkcs8_private_key(b: &[u8]) -> Option<KeySize> {
    let s = seq(b)?;
    let alg = s.get(1).filter(|t| t.tag == SEQUENCE)?;
    let key = s.get(2).filter(|t| t.tag == OCTET_STRING)?;
    sized(alg, key.content, true)
}

/// X.509 `SubjectPublicKeyInfo` (algorithm, BIT STRING key).
pub fn public_key_info(b: &[u8]) -> Option<KeySize> {
    let s = seq(b)?;
    let alg = s.first().filter(|t| t.tag == SEQUENCE)?;
    let key = s.get(1).filter(|t| t.tag == BIT_STRING)?;
    // The first content byte of a BIT STRING counts unused bits.
    sized(alg, key.content.get(1..)?, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_are_checked() {
        assert_eq!(read(&[]), None);
        assert_eq!(read(&[0x30]), None);
        assert_eq!(read(&[0x30, 0x05, 0x00]), None);
        assert_eq!(read(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]), None);
        assert_eq!(read(&[0x30, 0x89, 0, 0, 0, 0, 0, 0, 0, 0, 0]), None);
        let (t, rest) = read(&[0x02, 0x81, 0x01, 0x7f, 0xaa]).unwrap();
        assert_eq!(
            (t.tag, t.content, rest),
            (INTEGER, &[0x7f][..], &[0xaa][..])
        );
        assert_eq!(bits(&[0x00, 0x80, 0x00]), 16);
        assert_eq!(bits(&[0x01, 0x00]), 9);
        assert_eq!(bits(&[]), 0);
        // p = 0x00ff (8 bits), g = 2.
        assert_eq!(
            dh_parameters(&[0x30, 0x07, 0x02, 0x02, 0x00, 0xff, 0x02, 0x01, 0x02]),
            Some(KeySize {
                algorithm: "DH",
                bits: 8
            })
        );
        assert_eq!(rsa_private_key(&[0x30, 0x00]), None);
        assert_eq!(pkcs8_private_key(&[0x30, 0x03, 0x02, 0x01, 0x00]), None);
    }
}
