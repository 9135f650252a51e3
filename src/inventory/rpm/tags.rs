//! The rpm tag numbers this crate reads (from rpm's `rpmtag.h`).

pub const NAME: u32 = 1000;
pub const VERSION: u32 = 1001;
pub const RELEASE: u32 = 1002;
pub const EPOCH: u32 = 1003;
pub const SUMMARY: u32 = 1004;
pub const VENDOR: u32 = 1011;
pub const PACKAGER: u32 = 1015;
pub const ARCH: u32 = 1022;
pub const OLDFILENAMES: u32 = 1027;
pub const SOURCERPM: u32 = 1044;
pub const PROVIDENAME: u32 = 1047;
pub const REQUIREFLAGS: u32 = 1048;
pub const REQUIRENAME: u32 = 1049;
pub const REQUIREVERSION: u32 = 1050;
pub const OBSOLETENAME: u32 = 1090;
pub const SOURCEPACKAGE: u32 = 1106;
pub const PROVIDEFLAGS: u32 = 1112;
pub const PROVIDEVERSION: u32 = 1113;
pub const OBSOLETEFLAGS: u32 = 1114;
pub const OBSOLETEVERSION: u32 = 1115;
pub const DIRINDEXES: u32 = 1116;
pub const BASENAMES: u32 = 1117;
pub const DIRNAMES: u32 = 1118;

/// Signatures copied into an installed package's header (`RPMTAG_SIG_BASE` + n).
pub const SIGPGP: u32 = 259;
pub const SIGGPG: u32 = 262;
pub const SIGPGP5: u32 = 263;
pub const DSAHEADER: u32 = 267;
pub const RSAHEADER: u32 = 268;
/// rpm 6's multi-signature tag.
pub const OPENPGP: u32 = 278;

/// Signature-header tags of a `.rpm` file (`RPMSIGTAG_*`).
pub const SIGTAG_SIZE: u32 = 1000;
pub const SIGTAG_PGP: u32 = 1002;
pub const SIGTAG_GPG: u32 = 1005;
pub const SIGTAG_PGP5: u32 = 1006;
pub const SIGTAG_LONGSIZE: u32 = 270;

/// Tags whose presence means the package carries an OpenPGP signature (RSA, DSA, EdDSA or
/// ECDSA: rpm stores all of them under the RSA/DSA tags), in a database header or in the
/// signature header of a `.rpm` file.
pub const SIGNATURE_TAGS: &[u32] = &[
    SIGPGP,
    SIGGPG,
    SIGPGP5,
    DSAHEADER,
    RSAHEADER,
    OPENPGP,
    SIGTAG_PGP,
    SIGTAG_GPG,
    SIGTAG_PGP5,
];

/// `RPMSENSE_*` comparison bits.
pub const SENSE_LESS: u32 = 1 << 1;
pub const SENSE_GREATER: u32 = 1 << 2;
pub const SENSE_EQUAL: u32 = 1 << 3;
