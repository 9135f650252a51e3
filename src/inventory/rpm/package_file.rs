//! `.rpm` files: a 96-byte lead, the signature header (magic, region 62, padded to 8
//! bytes), the main header (magic, region 63), then the compressed payload (not read).
//! Formats v3 (no regions), v4 and v6 (lead major 4, reduced signature header) share this
//! layout.

use super::header::{Header, Kind};
use super::tags;
use crate::inventory::packages::{Dependency, InstalledPackage, Manager, Op};

pub const LEAD_MAGIC: [u8; 4] = [0xed, 0xab, 0xee, 0xdb];
pub const LEAD_SIZE: usize = 96;
/// `RPMSIGTYPE_HEADERSIG`: the only signature type rpm accepts.
pub const SIGTYPE_HEADERSIG: u16 = 5;

/// Read the package a `.rpm` file describes. `bytes` is the file or a prefix of it holding
/// the headers; `file_size` is the size of the whole file.
pub fn read(bytes: &[u8], file_size: u64, location: &str) -> Result<InstalledPackage, String> {
    if bytes.len() < LEAD_SIZE {
        return Err(format!(
            "not an rpm package: {} bytes, shorter than the 96-byte lead",
            bytes.len()
        ));
    }
    if bytes[..4] != LEAD_MAGIC {
        return Err("not an rpm package (no lead magic)".into());
    }
    let major = bytes[4];
    if !(3..=4).contains(&major) {
        return Err(format!("unsupported RPM package version {major}"));
    }
    let sigtype = u16::from_be_bytes([bytes[78], bytes[79]]);
    if sigtype != SIGTYPE_HEADERSIG {
        return Err(format!("illegal signature type {sigtype}"));
    }
    let sig = Header::parse(&bytes[LEAD_SIZE..], Kind::Signature)
        .map_err(|e| format!("signature header: {e}"))?;
    let main_at = LEAD_SIZE + sig.size.div_ceil(8) * 8;
    let rest = bytes
        .get(main_at..)
        .ok_or("truncated after the signature header")?;
    let main = Header::parse(rest, Kind::Main).map_err(|e| format!("header: {e}"))?;
    let mut pkg = super::package_from_header(&main, Manager::RpmFile, location)?;
    pkg.signed |= tags::SIGNATURE_TAGS.iter().any(|t| sig.has(*t));
    // A header without an immutable region is a v3 package: rpm retrofits the explicit
    // `Provides: name = [epoch:]version-release` (rpm 4.18 appends it even when an equal
    // provide is already there; so does this reader, to give the same dependency set).
    if main.region.is_none() && main.has(tags::SOURCERPM) {
        pkg.provides.push(Dependency {
            name: pkg.name.clone(),
            op: Some(Op::Eq),
            version: Some(pkg.evr()),
            flags: tags::SENSE_EQUAL,
        });
    }

    let header_end = (main_at + main.size) as u64;
    let header_and_payload = file_size.saturating_sub(main_at as u64);
    if file_size <= header_end {
        pkg.problems
            .push("no payload: the file ends after the header".into());
    }
    let declared = sig
        .ints(tags::SIGTAG_LONGSIZE)
        .or_else(|| sig.ints(tags::SIGTAG_SIZE))
        .and_then(|v| v.first().copied());
    if let Some(d) = declared
        && d != header_and_payload
    {
        pkg.problems.push(format!(
                "size mismatch: the signature header says {d} bytes of header and payload, the file has {header_and_payload}"
            ));
    }
    Ok(pkg)
}
