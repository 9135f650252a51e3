//! Parsing of the crypto configuration of a host: kernel command lines (`fips=1`), the
//! crypto-policies setting, and `openssl.cnf` directives with their sections and lines.

/// Whether a kernel command line (or a line of /etc/default/grub) sets `fips=1`.
pub fn sets_fips(line: &str) -> bool {
    line.split(|c: char| c.is_whitespace() || c == '"' || c == '\'' || c == '=')
        .collect::<Vec<_>>()
        .windows(2)
        .any(|w| w[0] == "fips" && w[1] == "1")
}

/// The crypto-policies setting of /etc/crypto-policies/config: its line, the policy and its
/// subpolicies (`DEFAULT:SHA1` -> `DEFAULT`, [`SHA1`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    pub line: usize,
    pub text: String,
    pub policy: String,
    pub subpolicies: Vec<String>,
}

pub fn crypto_policy(text: &str) -> Option<Policy> {
    let (line, t) = super::config_lines(text, false).next()?;
    let mut parts = t.split(':').map(str::trim);
    let policy = parts.next()?.to_string();
    if policy.is_empty() {
        return None;
    }
    Some(Policy {
        line,
        text: t.to_string(),
        policy,
        subpolicies: parts
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
    })
}

/// One `key = value` of an OpenSSL configuration file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Directive {
    pub line: usize,
    pub section: String,
    pub key: String,
    pub value: String,
}

/// The directives of an OpenSSL configuration file (comments after `#` removed; the section
/// before the first header is `default`).
pub fn openssl_directives(text: &str) -> Vec<Directive> {
    let mut section = "default".to_string();
    let mut out = Vec::new();
    for (line, t) in super::config_lines(text, false) {
        let t = t.split('#').next().unwrap_or("").trim();
        if let Some(s) = t.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
            section = s.trim().to_string();
            continue;
        }
        if let Some((k, v)) = t.split_once('=') {
            out.push(Directive {
                line,
                section: section.clone(),
                key: k.trim().to_string(),
                value: v.trim().trim_matches('"').to_string(),
            });
        }
    }
    out
}

/// The `@SECLEVEL=N` a cipher string sets, if any.
pub fn seclevel(cipher_string: &str) -> Option<u32> {
    let i = cipher_string.find("@SECLEVEL=")?;
    cipher_string[i + "@SECLEVEL=".len()..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fips_policy_and_openssl() {
        assert!(sets_fips("GRUB_CMDLINE_LINUX=\"rhgb quiet fips=1\""));
        assert!(sets_fips("BOOT_IMAGE=/vmlinuz fips=1 boot=UUID=x"));
        assert!(!sets_fips("GRUB_CMDLINE_LINUX=\"fips=0\""));
        assert!(!sets_fips("nofips=1"));
        let p = crypto_policy("# set by admin\n\nDEFAULT:SHA1:AD-SUPPORT\n").unwrap();
        assert_eq!(p.line, 3);
        assert_eq!(p.policy, "DEFAULT");
        assert_eq!(p.subpolicies, ["SHA1", "AD-SUPPORT"]);
        assert_eq!(crypto_policy("# nothing\n"), None);
        let d = openssl_directives(
            "openssl_conf = init\n[ system_default_sect ]\nMinProtocol = TLSv1 # old\nCipherString = DEFAULT@SECLEVEL=1\n",
        );
        assert_eq!(d.len(), 3);
        assert_eq!(d[1].section, "system_default_sect");
        assert_eq!((d[1].line, d[1].value.as_str()), (3, "TLSv1"));
        assert_eq!(seclevel(&d[2].value), Some(1));
        assert_eq!(seclevel("DEFAULT"), None);
    }
}
