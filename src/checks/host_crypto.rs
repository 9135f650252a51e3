//! Crypto configuration that does not carry over (issue 14): a source host in FIPS mode, a
//! crypto policy weaker than the target's default, certificates and keys that OpenSSL 3.5's
//! security level or the target's policy rejects, certificates about to expire, keystores that
//! are not read, and `openssl.cnf` settings the target ignores. Every fact comes from
//! knowledge/host-config/crypto.tsv; findings carry its source and confidence.

use super::host_ctx::{HostCtx, WithFact, fact, fact_value};
use super::interface::{Area, Check, Input, Meta, Needs, Sink};
use crate::findings::{Code, Finding, Severity};
use crate::inventory::file_name;
use crate::inventory::hostconf::certs::{self, Kind};
use crate::inventory::hostconf::{MAX_CERT_FILE, config_lines, crypto};
use crate::knowledge::host_config;

/// Where certificates and keys are looked for (and below): configuration and the workload.
pub const CERT_ROOTS: &[&str] = &["/etc", "/opt", "/srv", "/usr/local", "/home", "/root"];
/// Directory names whose certificates are test data of a library or runtime, not workload
/// configuration (Python's test/certdata, crates' and packages' test fixtures).
const TEST_DIRS: &[&str] = &["test", "tests", "testdata", "test_data", "certdata"];
/// Most directories listed, and most files read, for certificates.
const MAX_CERT_DIRS: usize = 50_000;
const MAX_CERT_FILES: usize = 10_000;

const FIPS_FIX: &str = "for a regulated workload, establish the FIPS 140-3 status of {target}'s crypto modules with Microsoft before moving; on the target, enable FIPS mode (fips=1 on the kernel command line, crypto policy FIPS) and test the workload in it";

/// The check (issue 14): FIPS mode, crypto policies, certificates and keys, keystores and openssl.cnf of the host.
pub static CHECK: Check = Check {
    meta: Meta {
        id: "host-crypto",
        summary: "FIPS mode, crypto policies, certificates and keys, keystores and openssl.cnf of the host",
        area: Area::Host,
        needs: Needs::Host,
        codes: &[
            Code::HostFipsMode,
            Code::HostCryptoPolicy,
            Code::HostCertWeakKey,
            Code::HostCertWeakSignature,
            Code::HostCertExpiry,
            Code::HostKeystoreNotChecked,
            Code::HostOpensslConfig,
        ],
        reuses: &[],
        file: "src/checks/host_crypto.rs",
    },
    run,
};

fn run(input: &Input, out: &mut Sink) {
    if let Input::Host { host } = input {
        out.extend(check(host).into_iter().map(|f| host.fill(f)));
    }
}

pub fn check(h: &HostCtx) -> Vec<Finding> {
    let mut out = Vec::new();
    fips(h, &mut out);
    crypto_policy(h, &mut out);
    certificates(h, &mut out);
    openssl_cnf(h, &mut out);
    out.sort();
    out.dedup_by(|a, b| a.key() == b.key());
    super::aggregate::fold(out)
}

fn fips_finding(h: &HostCtx, path: &str, subject: &str, how: &str) -> Finding {
    let mut f = Finding::new(Code::HostFipsMode, path)
        .subject(subject)
        .message(format!(
            "the source host runs in FIPS mode ({how}); whether {{target}} has a finished FIPS 140-3 validation cannot be established"
        ))
        .fix(FIPS_FIX)
        .with_fact(fact("crypto.fips-validation"))
        .evidence("blocker_for", "workloads that must run on FIPS 140-3 validated crypto");
    if let Some(p) = h.package_evr("crypto-policies") {
        f = f.evidence("package", p);
    }
    f
}

fn fips(h: &HostCtx, out: &mut Vec<Finding>) {
    let f = h.files;
    let mut paths: Vec<String> = [
        "/etc/default/grub",
        "/etc/kernel/cmdline",
        "/boot/grub2/grubenv",
    ]
    .iter()
    .filter(|p| f.is_file(p))
    .map(|p| p.to_string())
    .collect();
    paths.extend(f.files_in("/etc/default/grub.d", ".cfg"));
    paths.extend(f.files_in("/boot/loader/entries", ".conf"));
    for p in paths {
        let Some(text) = f.read_text(&p) else {
            continue;
        };
        if let Some((line, t)) = config_lines(&text, false).find(|(_, t)| crypto::sets_fips(t)) {
            out.push(
                fips_finding(h, &p, "fips=1", "fips=1 on the kernel command line")
                    .evidence("line", line.to_string())
                    .evidence("text", t),
            );
        }
    }
    if let Some(cmdline) = f.live_cmdline()
        && crypto::sets_fips(&cmdline)
    {
        out.push(
            fips_finding(
                h,
                "/proc/cmdline",
                "fips=1",
                "fips=1 on the running kernel's command line",
            )
            .evidence("text", cmdline.trim()),
        );
    }
    if f.is_file("/etc/system-fips") {
        out.push(fips_finding(
            h,
            "/etc/system-fips",
            "/etc/system-fips",
            "/etc/system-fips marks the system as FIPS",
        ));
    }
    if let Some(p) = f
        .read_text("/etc/crypto-policies/config")
        .and_then(|t| crypto::crypto_policy(&t))
        && p.policy.eq_ignore_ascii_case("FIPS")
    {
        out.push(
            fips_finding(
                h,
                "/etc/crypto-policies/config",
                &p.text,
                "crypto policy FIPS",
            )
            .evidence("line", p.line.to_string())
            .evidence("text", &p.text),
        );
    }
}

fn crypto_policy(h: &HostCtx, out: &mut Vec<Finding>) {
    let f = h.files;
    const CONFIG: &str = "/etc/crypto-policies/config";
    let package = h.package_evr("crypto-policies");
    let with_pkg = |x: Finding| match &package {
        Some(p) => x.evidence("package", p),
        None => x,
    };
    let custom_modules = f.files_in("/etc/crypto-policies/policies/modules", ".pmod");
    let custom_policies = f.files_in("/etc/crypto-policies/policies", ".pol");
    let is_custom = |list: &[String], name: &str, ext: &str| {
        list.iter()
            .any(|p| file_name(p).eq_ignore_ascii_case(&format!("{name}{ext}")))
    };
    if let Some(p) = f.read_text(CONFIG).and_then(|t| crypto::crypto_policy(&t)) {
        let base = |x: Finding| {
            with_pkg(
                x.evidence("line", p.line.to_string())
                    .evidence("text", &p.text)
                    .evidence("policy", &p.text),
            )
        };
        if p.policy.eq_ignore_ascii_case("LEGACY") {
            out.push(base(
                Finding::new(Code::HostCryptoPolicy, CONFIG)
                    .subject("LEGACY")
                    .message(format!("the source host's crypto policy is {}: what it allows (SHA-1 signatures, keys shorter than 2048 bits, TLS 1.0/1.1) is rejected under the target's DEFAULT policy", p.text))
                    .fix("re-issue SHA-1-signed certificates and short keys (the certificate findings list those in the tree) and move peers to TLS 1.2+, then run under DEFAULT; only as a stopgap set the policy on the target (update-crypto-policies --set LEGACY) and confirm the target offers it")
                    .with_fact(fact_value("crypto.policy-legacy", "LEGACY")),
            ));
        } else if is_custom(&custom_policies, &p.policy, ".pol") {
            out.push(base(
                Finding::new(Code::HostCryptoPolicy, CONFIG)
                    .subject(&p.policy)
                    .message(format!("the source host uses a custom crypto policy {}; it does not exist on the target until it is copied and set", p.policy))
                    .fix(format!("copy /etc/crypto-policies/policies/{}.pol to the target, check it against the target's crypto-policies, and run update-crypto-policies --set {}", p.policy, p.text))
                    .with_fact(fact_value("crypto.policy-default", "DEFAULT")),
            ));
        }
        for sub in &p.subpolicies {
            let known = fact_value("crypto.policy-subpolicy", sub);
            let custom = is_custom(&custom_modules, sub, ".pmod");
            let (message, fix, row) = if let Some(row) = known {
                (
                    format!("the crypto policy {} adds subpolicy {sub}, which re-allows what the target's DEFAULT policy rejects", p.text),
                    "re-issue SHA-1-signed certificates and signatures with SHA-256 and drop the subpolicy; only as a stopgap set the same policy on the target (update-crypto-policies --set ...)".to_string(),
                    Some(row),
                )
            } else if custom {
                (
                    format!(
                        "the crypto policy {} uses the custom subpolicy {sub}, defined on the source host only",
                        p.text
                    ),
                    format!(
                        "copy /etc/crypto-policies/policies/modules/{sub}.pmod to the target, check it against the target's crypto-policies, and set the policy again (update-crypto-policies --set {})",
                        p.text
                    ),
                    None,
                )
            } else {
                (
                    format!(
                        "the crypto policy {} uses subpolicy {sub}; whether the target's crypto-policies ships it is not in the knowledge pack",
                        p.text
                    ),
                    format!(
                        "on the target, run update-crypto-policies --set {} and check that it is accepted",
                        p.text
                    ),
                    None,
                )
            };
            let mut x = Finding::new(Code::HostCryptoPolicy, CONFIG)
                .subject(sub.to_string())
                .message(message)
                .fix(fix);
            x = match row {
                Some(r) => x.with_fact(Some(r)),
                None => x
                    .why("a subpolicy changes what the system-wide crypto policy allows; it has to be set again on the target, and its module has to exist there")
                    .evidence("confidence", "unknown")
                    .evidence("source", "platform/fedora-changes.md #4 (subpolicies); the target's module list is not in the knowledge sources"),
            };
            out.push(base(x));
        }
    }
    for m in custom_modules.iter().chain(&custom_policies) {
        out.push(with_pkg(
            Finding::new(Code::HostCryptoPolicy, m)
                .subject(file_name(m))
                .message("a custom crypto-policies module or policy: it moves only if copied, and it applies only once set again".to_string())
                .severity(Severity::Info)
                .fix("copy the file to the same place on the target and check it with update-crypto-policies --check after setting the policy")
                .with_fact(fact_value("crypto.policy-default", "DEFAULT")),
        ));
    }
}

/// Whether a path is a trust store the source distribution generates (the table's rows: an
/// exact path, or a directory ending in `/`).
fn generated_trust_store(path: &str) -> bool {
    host_config::rows("certs.generated-trust-store").any(|r| {
        if r.value.ends_with('/') {
            path.starts_with(r.value)
        } else {
            path == r.value
        }
    })
}

fn certificates(h: &HostCtx, out: &mut Vec<Finding>) {
    let f = h.files;
    let excluded: Vec<&str> = f
        .inv
        .stats
        .excluded
        .iter()
        .map(|e| e.path.as_str())
        .collect();
    let under = |p: &str, d: &str| p == d || (p.starts_with(d) && p[d.len()..].starts_with('/'));
    let dirs: Vec<String> = f
        .dirs_below(CERT_ROOTS)
        .into_iter()
        .filter(|d| !excluded.iter().any(|e| under(d, e)))
        .filter(|d| !d.split('/').any(|c| TEST_DIRS.contains(&c)))
        .take(MAX_CERT_DIRS)
        .collect();
    let mut read = 0usize;
    for d in dirs {
        for p in f.plain_files_in(&d) {
            let name = file_name(&p);
            let cert = certs::is_cert_name(name);
            let keystore = !cert && certs::is_keystore_name(name);
            if !(cert || keystore) || f.distro_owned(&p) || generated_trust_store(&p) {
                continue;
            }
            if excluded.iter().any(|e| under(&p, e)) {
                continue;
            }
            if keystore {
                out.push(
                    Finding::new(Code::HostKeystoreNotChecked, &p)
                        .subject(name)
                        .message("a Java keystore or PKCS#12 file: its certificates and keys are not read by this scan")
                        .why("the certificate and key rules of the target (keys of 2048 bits or more, no SHA-1 or MD5 signatures) apply to what it holds as well")
                        .fix(format!("list it with keytool -list -v -keystore {p} (or openssl pkcs12 -info -in {p}) and check key sizes, signature algorithms and expiry dates"))
                        .with_fact(fact("openssl.min-key-bits")),
                );
                continue;
            }
            if read >= MAX_CERT_FILES {
                continue;
            }
            read += 1;
            let Some(bytes) = f.read_bytes(&p, MAX_CERT_FILE) else {
                continue;
            };
            let items = certs::parse(&bytes);
            let bundle = items
                .iter()
                .filter(|i| matches!(i.kind, Kind::Certificate(_)))
                .count()
                > 1;
            for item in &items {
                judge_item(h, &p, item, bundle, out);
            }
        }
    }
}

/// `bundle`: the file holds several certificates (a trust bundle or a chain).
fn judge_item(h: &HostCtx, path: &str, item: &certs::Item, bundle: bool, out: &mut Vec<Finding>) {
    let min_bits = host_config::number("openssl.min-key-bits", 2048) as usize;
    let at = |x: Finding| match item.line {
        Some(l) => x.evidence("line", l.to_string()),
        None => x,
    };
    let (what, key) = match &item.kind {
        Kind::Certificate(c) => (format!("certificate {}", c.subject), c.key),
        Kind::PrivateKey(k) => ("private key".to_string(), *k),
        Kind::PublicKey(k) => ("public key".to_string(), *k),
        Kind::DhParameters(k) => ("DH parameters".to_string(), Some(*k)),
        Kind::EncryptedKey | Kind::NotRead => return,
        Kind::Malformed(reason) => {
            let at_line = item
                .line
                .map(|l| format!(" (line {l})"))
                .unwrap_or_default();
            h.files
                .diagnose(path, format!("{}{at_line}: {reason}", item.label));
            return;
        }
    };
    let subject = match &item.kind {
        Kind::Certificate(c) => c.subject.clone(),
        _ => match item.line {
            Some(l) => format!("{} at line {l}", item.label),
            None => item.label.clone(),
        },
    };
    if let Some(k) = key
        && matches!(k.algorithm, "RSA" | "DSA" | "DH")
        && k.bits < min_bits
    {
        let row = if k.algorithm == "DSA" {
            fact("openssl.min-key-bits-dsa")
        } else {
            fact("openssl.min-key-bits")
        };
        out.push(at(Finding::new(Code::HostCertWeakKey, path)
            .subject(&subject)
            .message(format!("{what}: {} key of {} bits; OpenSSL {{openssl}} at its default security level rejects keys shorter than {min_bits} bits", k.algorithm, k.bits))
            .fix(match k.algorithm {
                "DH" => format!("generate new parameters of {min_bits} bits or more (openssl dhparam -out FILE 3072) or use ECDHE"),
                _ => format!("replace it with a key of {min_bits} bits or more (RSA 3072, or ECDSA P-256) and re-issue the certificates that use it"),
            })
            .with_fact(row)
            .evidence("algorithm", k.algorithm)
            .evidence("bits", k.bits.to_string())));
    }
    let Kind::Certificate(c) = &item.kind else {
        return;
    };
    if let Some(hash) = certs::weak_signature_hash(&c.signature_oid) {
        // A self-signed certificate is a trust anchor: its own signature is not verified.
        if !c.self_signed {
            let row = if hash == "SHA-1" {
                fact("openssl.signature-sha1")
            } else {
                fact("openssl.signature-md5")
            };
            out.push(at(Finding::new(Code::HostCertWeakSignature, path)
                .subject(&subject)
                .message(format!(
                    "{what} is signed with {hash}; the target rejects {hash} certificate signatures"
                ))
                .fix("have it re-issued with a SHA-256 (or stronger) signature")
                .with_fact(row)
                .evidence("signature_algorithm", &c.signature_oid)
                .evidence("hash", hash)));
        }
    }
    let window = host_config::number("certs.expiry-window-days", 90);
    let left = c.not_after - h.now;
    // An expired root in a trust bundle is simply not used; it breaks nothing that works today.
    if left < window * 86_400 && !(bundle && c.self_signed) {
        let when = certs::date(c.not_after);
        let message = if left < 0 {
            format!("{what} expired on {when}")
        } else {
            format!("{what} expires on {when}, within {window} days")
        };
        out.push(at(Finding::new(Code::HostCertExpiry, path)
            .subject(&subject)
            .message(message)
            .fix("renew it before the move, and move the renewed certificate")
            .with_fact(fact("certs.expiry-window-days"))
            .evidence("not_after", when)
            .evidence("expired", (left < 0).to_string())));
    }
}

fn openssl_cnf(h: &HostCtx, out: &mut Vec<Finding>) {
    let f = h.files;
    let mut paths: Vec<String> = ["/etc/pki/tls/openssl.cnf", "/etc/ssl/openssl.cnf"]
        .iter()
        .filter_map(|p| f.file(p))
        .collect();
    paths.extend(f.files_in("/etc/pki/tls/openssl.d", ".cnf"));
    paths.extend(f.files_in("/etc/ssl/openssl.cnf.d", ".cnf"));
    paths.sort();
    paths.dedup();
    for p in paths {
        let Some(text) = f.read_text(&p) else {
            continue;
        };
        for d in crypto::openssl_directives(&text) {
            let key = d.key.to_ascii_lowercase();
            let base = |x: Finding| {
                x.evidence("line", d.line.to_string())
                    .evidence("section", &d.section)
                    .evidence("directive", format!("{} = {}", d.key, d.value))
            };
            match key.as_str() {
                "minprotocol" => {
                    if let Some(row) = fact_value("openssl.old-protocol", &d.value) {
                        out.push(base(Finding::new(Code::HostOpensslConfig, &p)
                            .subject(format!("{} = {}", d.key, d.value))
                            .message(format!("{} = {} asks for a protocol that OpenSSL {{openssl}} allows only at security level 0: peers that need it fail to connect", d.key, d.value))
                            .fix("move the peers to TLS 1.2 or later and set MinProtocol = TLSv1.2")
                            .with_fact(Some(row))));
                    }
                }
                "cipherstring" | "ciphersuites" => {
                    let upper = d.value.to_ascii_uppercase();
                    let legacy: Vec<&str> = host_config::rows("openssl.legacy-algorithm")
                        .map(|r| r.value)
                        .filter(|alg| cipher_names(&upper, alg))
                        .collect();
                    if let Some(first) = legacy.first() {
                        out.push(base(Finding::new(Code::HostOpensslConfig, &p)
                            .subject(format!("{} = {}", d.key, d.value))
                            .message(format!("{} names {}, which OpenSSL {{openssl}} does not offer by default: those ciphers are not available", d.key, legacy.join(", ")))
                            .fix("remove them from the cipher list and move the peers to AES-GCM or ChaCha20-Poly1305 suites")
                            .with_fact(fact_value("openssl.legacy-algorithm", first))));
                    }
                    let default = host_config::number("openssl.security-level", 2);
                    if let Some(level) = crypto::seclevel(&d.value)
                        && i64::from(level) < default
                    {
                        out.push(base(Finding::new(Code::HostOpensslConfig, &p)
                            .subject(format!("@SECLEVEL={level}"))
                            .severity(Severity::Info)
                            .message(format!("{} lowers OpenSSL's security level to {level} (the target's default is {default}): what works here because of it (short keys, SHA-1, old protocols) only works on the target if the setting moves too", d.key))
                            .fix("replace short keys and SHA-1 certificates, then drop the @SECLEVEL setting")
                            .with_fact(fact("openssl.security-level"))));
                    }
                }
                _ => {}
            }
        }
    }
}

/// Whether a cipher list selects (not excludes) a cipher of an algorithm: its tokens (`:`,
/// `,`, space) that do not start with `!` or `-`, split at `-`, `+` and `@`.
fn cipher_names(list: &str, alg: &str) -> bool {
    list.split([':', ',', ' '])
        .filter(|t| !t.starts_with('!') && !t.starts_with('-'))
        .flat_map(|t| t.split(['-', '+', '@']))
        .any(|part| part == alg || (alg == "DES" && part == "3DES"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cipher_lists() {
        assert!(cipher_names("DEFAULT:RC4-SHA", "RC4"));
        assert!(cipher_names("DES-CBC3-SHA", "DES"));
        assert!(cipher_names("HIGH:3DES@SECLEVEL=1", "DES"));
        assert!(!cipher_names("HIGH:!RC4:!DES:-IDEA", "RC4"));
        assert!(!cipher_names("HIGH:!RC4:!DES:-IDEA", "IDEA"));
        assert!(!cipher_names("ECDHE-RSA-AES128-GCM-SHA256", "DES"));
        assert!(generated_trust_store(
            "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem"
        ));
        assert!(generated_trust_store("/etc/ssl/certs/ca-certificates.crt"));
        assert!(!generated_trust_store("/etc/ssl/certs/acme.pem"));
    }
}
