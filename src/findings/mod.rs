//! The findings model: stable codes, severities, evidence and fixes.
//!
//! Every check emits [`Finding`]s; every renderer reads them. Codes are stable
//! identifiers (kebab-case) documented in `docs/findings.md`; a test keeps the
//! documentation and [`Code::ALL`] in step.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How bad a finding is for the migration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; nothing breaks.
    Info,
    /// May break or needs attention; not certain to break.
    Warning,
    /// Will break on Azure Linux 4.0 unless fixed.
    Blocker,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Blocker => "blocker",
        }
    }
}

/// What happens to one binary or script on the target.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Runs as it is.
    Ok,
    /// Runs once the named Azure Linux packages are installed.
    NeedsPackages,
    /// Cannot be decided from the tree alone (e.g. a bundled library off the search path).
    Unknown,
    /// Will not run.
    Breaks,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Ok => "ok",
            Verdict::NeedsPackages => "needs-packages",
            Verdict::Unknown => "unknown",
            Verdict::Breaks => "breaks",
        }
    }
}

macro_rules! codes {
    ($( $(#[$doc:meta])* $variant:ident = $name:literal, $sev:ident, $title:literal; )*) => {
        /// Stable finding codes. Never rename one: add a new code instead.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code { $( $(#[$doc])* $variant, )* }

        impl Code {
            /// Every code, in documentation order.
            pub const ALL: &'static [Code] = &[ $( Code::$variant, )* ];

            /// The stable kebab-case identifier.
            pub fn as_str(self) -> &'static str {
                match self { $( Code::$variant => $name, )* }
            }

            /// The default severity of the code.
            pub fn severity(self) -> Severity {
                match self { $( Code::$variant => Severity::$sev, )* }
            }

            /// A one-line title, with the target's facts as placeholders (`{target}`,
            /// `{systemd}` ...): [`Code::title`] fills them.
            pub fn title_template(self) -> &'static str {
                match self { $( Code::$variant => $title, )* }
            }
        }
    };
}

codes! {
    /// A needed library is neither bundled on the loader's search path nor shipped by Azure Linux 4.0.
    ElfLibraryMissing = "elf-library-missing", Blocker, "needed library not found on the target";
    /// A needed library comes from an Azure Linux 4.0 package that must be installed.
    ElfLibraryFromPackage = "elf-library-from-package", Info, "needed library comes from {a_name} package";
    /// A needed library is only built in the unsupported `sdk` channel.
    ElfLibrarySdkOnly = "elf-library-sdk-only", Warning, "needed library only in the unsupported sdk channel";
    /// A needed library matched only weak evidence (a file-list glob or a low-confidence derived row).
    ElfLibraryWeakEvidence = "elf-library-weak-evidence", Warning, "needed library matched on weak evidence";
    /// A needed library is in the tree but not on the loader's search path.
    ElfLibraryOffSearchPath = "elf-library-off-search-path", Warning, "bundled library not on the loader's search path";
    /// The path where the loader would find a needed library could not be read by the scan.
    ElfLibraryUnreadable = "elf-library-unreadable", Warning, "bundled library could not be read";
    /// A bundled library is found only through LD_LIBRARY_PATH that the tree sets (a unit, a launcher).
    ElfLibraryViaLdLibraryPath = "elf-library-via-ld-library-path", Info, "bundled library found only through LD_LIBRARY_PATH the tree sets";
    /// A needed symbol version node is not defined by the library that satisfies it.
    ElfVersionMissing = "elf-version-missing", Blocker, "needed symbol version not provided";
    /// Nothing is known about the symbol versions of the library that satisfies a versioned need.
    ElfVersionsUnknown = "elf-versions-unknown", Info, "symbol versions of a library are not known";
    /// The object uses GLIBC_PRIVATE symbols, tied to one glibc build.
    ElfGlibcPrivate = "elf-glibc-private", Warning, "uses GLIBC_PRIVATE symbols";
    /// The program interpreter (PT_INTERP) does not exist on the target.
    ElfInterpreterMissing = "elf-interpreter-missing", Blocker, "program interpreter missing on the target";
    /// The object's architecture, class or OS ABI has no runtime on Azure Linux 4.0.
    ElfUnsupportedArch = "elf-unsupported-arch", Blocker, "architecture not supported by {target}";
    /// A bundled library that the object loads would break.
    ElfDependencyBreaks = "elf-dependency-breaks", Blocker, "a bundled library it loads would break";
    /// A script's interpreter does not exist on the target.
    ScriptInterpreterMissing = "script-interpreter-missing", Blocker, "script interpreter missing on the target";
    /// A script's interpreter is at a path of the tree the scan could not read.
    ScriptInterpreterUnreadable = "script-interpreter-unreadable", Warning, "script interpreter could not be read";
    /// A script's interpreter comes from an Azure Linux 4.0 package that must be installed.
    ScriptInterpreterFromPackage = "script-interpreter-from-package", Info, "script interpreter comes from {a_name} package";
    /// A script's interpreter is only built in the unsupported `sdk` channel.
    ScriptInterpreterSdkOnly = "script-interpreter-sdk-only", Warning, "script interpreter only in the unsupported sdk channel";
    /// A script's interpreter is carried in the tree and would itself break.
    ScriptInterpreterBreaks = "script-interpreter-breaks", Blocker, "the bundled interpreter of a script would break";
    /// An installed source-distribution package has no counterpart in Azure Linux 4.0.
    PkgNotShipped = "pkg-not-shipped", Warning, "package has no {name} counterpart";
    /// An installed package's counterpart is built by Azure Linux but not published.
    PkgNotPublished = "pkg-not-published", Warning, "package counterpart is not published";
    /// An installed package's counterpart is only in the unsupported sdk channel.
    PkgSdkOnly = "pkg-sdk-only", Warning, "package counterpart only in the unsupported sdk channel";
    /// An installed package is replaced by another package (Provides/Obsoletes or a mapping).
    PkgReplaced = "pkg-replaced", Info, "package replaced by another {name} package";
    /// The Azure Linux package of the same name is another major version.
    PkgMajorVersionChange = "pkg-major-version-change", Warning, "package changes major version";
    /// A Debian/Ubuntu package maps to Azure Linux packages only with low confidence.
    PkgMappingUncertain = "pkg-mapping-uncertain", Warning, "package mapping is uncertain";
    /// A requirement of a third-party package cannot be satisfied on the target.
    PkgRequirementUnsatisfied = "pkg-requirement-unsatisfied", Blocker, "third-party package requirement unsatisfiable";
    /// A third-party package needs an rpmlib() feature the target's RPM lacks.
    PkgRpmlibUnsupported = "pkg-rpmlib-unsupported", Blocker, "package needs an RPM feature the target lacks";
    /// A cgroup v1 resource-control setting of a unit is ignored on systemd 258: the limit is lost.
    UnitLimitIgnored = "unit-limit-ignored", Warning, "unit resource limit silently ignored";
    /// A unit relies on a directive systemd 258 no longer supports: its effect is lost or reversed.
    UnitDirectiveRemoved = "unit-directive-removed", Blocker, "unit directive removed";
    /// A unit directive is deprecated, converted or already without effect.
    UnitDirectiveDeprecated = "unit-directive-deprecated", Info, "unit directive deprecated or obsolete";
    /// A unit uses a legacy path (/var/run, /run/lock) that systemd rewrites or deprecates.
    UnitLegacyPath = "unit-legacy-path", Info, "legacy path in a unit or the scripts it runs";
    /// A unit, its environment or the scripts it runs use cgroup v1, which systemd 258 removed.
    UnitLegacyCgroup = "unit-legacy-cgroup", Blocker, "cgroup v1 interface used";
    /// A unit is installed into or depends on a runlevelN.target, which systemd 258 removed.
    UnitRunlevelTarget = "unit-runlevel-target", Blocker, "unit hooked to a removed runlevel target";
    /// A SysV init script runs through systemd-sysv-generator, which systemd 260 removes.
    UnitSysvScript = "unit-sysv-script", Warning, "SysV init script (generator removed in systemd {systemd_sysv_removal})";
    /// rc.local runs through rc-local.service, which systemd 260 removes.
    UnitRcLocal = "unit-rc-local", Warning, "rc.local (removed in systemd {systemd_sysv_removal})";
    /// A unit or script runs telinit, runlevel, initctl, `init N` or `systemctl reboot ARG`.
    UnitRemovedCommand = "unit-removed-command", Blocker, "runs a command systemd {systemd} removed";
    /// A program a unit starts exists neither in the tree nor in an Azure Linux package.
    UnitExecMissing = "unit-exec-missing", Blocker, "program a unit starts is missing on the target";
    /// A program a unit starts comes from an Azure Linux package that must be installed.
    UnitExecFromPackage = "unit-exec-from-package", Info, "program a unit starts comes from {a_name} package";
    /// A program a unit starts is only in the unsupported sdk channel.
    UnitExecSdkOnly = "unit-exec-sdk-only", Warning, "program a unit starts only in the unsupported sdk channel";
    /// A carried-over program a unit starts would break.
    UnitExecBreaks = "unit-exec-breaks", Blocker, "program a unit starts would break";
    /// The program a container image starts (Entrypoint, else Cmd) is missing on the target.
    ImageEntrypointMissing = "image-entrypoint-missing", Blocker, "program the image starts is missing on the target";
    /// The program a container image starts comes from an Azure Linux package.
    ImageEntrypointFromPackage = "image-entrypoint-from-package", Info, "program the image starts comes from {a_name} package";
    /// The program a container image starts is only in the unsupported sdk channel.
    ImageEntrypointSdkOnly = "image-entrypoint-sdk-only", Warning, "program the image starts only in the unsupported sdk channel";
    /// The carried-over program a container image starts would break.
    ImageEntrypointBreaks = "image-entrypoint-breaks", Blocker, "program the image starts would break";
    /// A Containerfile's final stage is based on an image that is not the target's.
    ContainerfileBaseImage = "containerfile-base-image", Warning, "Containerfile base image is not the target's";
    /// A Containerfile build stage: a build-time need, not what runs on the target.
    ContainerfileBuildStage = "containerfile-build-stage", Info, "Containerfile build stage is a build-time need";
    /// A Containerfile RUN line calls a source package manager.
    ContainerfilePackageManager = "containerfile-package-manager", Warning, "Containerfile RUN line uses a source package manager";
    /// A package a Containerfile installs is not in the target.
    ContainerfilePackageUnmapped = "containerfile-package-unmapped", Blocker, "package the Containerfile installs is not in the target";
    /// A smaller target image profile would do for a Containerfile's final stage.
    ContainerfileSmallerProfile = "containerfile-smaller-profile", Info, "a smaller target image would do for the Containerfile";
    /// A unit requires (or is installed into) a unit Azure Linux 4.0 does not ship.
    UnitDependencyMissing = "unit-dependency-missing", Blocker, "unit depends on a unit the target lacks";
    /// A unit orders against or wants a unit Azure Linux 4.0 does not ship.
    UnitWeakDependencyMissing = "unit-weak-dependency-missing", Warning, "unit orders against a unit the target lacks";
    /// An enabled unit's Azure Linux package is disabled by the default presets.
    UnitPresetDisabled = "unit-preset-disabled", Warning, "enabled service disabled by {name} presets";
    /// An enabled unit of a distro package has no Azure Linux counterpart.
    UnitNotShipped = "unit-not-shipped", Info, "enabled service not shipped by {name}";
    /// A boot flag file or hook systemd 258 ignores (/forcefsck, /fastboot, halt.local ...).
    SystemdLegacyFile = "systemd-legacy-file", Warning, "boot flag file or hook systemd ignores";
    /// Behaviour that changed in systemd 258 (uaccess rules, user managers, tty permissions).
    SystemdBehaviourChange = "systemd-behaviour-change", Warning, "systemd {systemd} behaviour change";
    /// The source host runs in FIPS mode; the target's FIPS 140-3 validation is not established.
    HostFipsMode = "host-fips-mode", Warning, "source host in FIPS mode";
    /// The crypto policy (LEGACY, a subpolicy, a custom policy) allows what the target rejects or does not exist there.
    HostCryptoPolicy = "host-crypto-policy", Warning, "crypto policy does not carry over";
    /// A certificate, key or DH parameter set is shorter than the target's security level allows.
    HostCertWeakKey = "host-cert-weak-key", Warning, "key shorter than the target accepts";
    /// A certificate is signed with SHA-1 or MD5, which the target rejects.
    HostCertWeakSignature = "host-cert-weak-signature", Warning, "certificate signature the target rejects";
    /// A certificate has expired or expires soon.
    HostCertExpiry = "host-cert-expiry", Warning, "certificate expired or expiring";
    /// A Java keystore or PKCS#12 file is named but its contents are not checked.
    HostKeystoreNotChecked = "host-keystore-not-checked", Info, "keystore not checked";
    /// An openssl.cnf setting the target ignores or that lowers its security level.
    HostOpensslConfig = "host-openssl-config", Warning, "openssl.cnf setting the target ignores";
    /// A yum/dnf or apt repository of the host, named with what exists for the target.
    HostPackageSource = "host-package-source", Warning, "package repository does not carry over";
    /// A dnf/yum plugin, option or version lock that dnf5 does not read.
    HostDnfConfig = "host-dnf-config", Warning, "dnf or yum setting dnf5 ignores";
    /// An AppArmor profile: no AppArmor on the target, the program runs unconfined.
    HostApparmorProfile = "host-apparmor-profile", Warning, "AppArmor profile has no effect";
    /// /etc/selinux/config that means something else on the target (SELINUX=disabled, a policy type it lacks).
    HostSelinuxConfig = "host-selinux-config", Warning, "SELinux configuration does not carry over";
    /// A local SELinux module, boolean, file context or port that must be applied again.
    HostSelinuxLocal = "host-selinux-local", Warning, "local SELinux customization to re-apply";
    /// A service's configuration lives elsewhere on the target (other package, path, user or unit).
    HostServiceConfig = "host-service-config", Warning, "service configuration moves";
    /// A PostgreSQL data directory of another major version than the target's.
    HostPostgresqlData = "host-postgresql-data", Warning, "PostgreSQL data needs a dump or upgrade";
    /// A cron job, sudoers rule, logrotate script or profile.d script runs a program the target lacks.
    HostProgramMissing = "host-program-missing", Warning, "host configuration runs a missing program";
    /// Interface configuration the target does not read (ifcfg, ifupdown, netplan, NetworkManager profiles).
    HostNetworkConfig = "host-network-config", Warning, "network configuration the target does not read";
    /// Name resolution set up in a way the target does not follow (static resolv.conf, resolvconf, removed options).
    HostDnsConfig = "host-dns-config", Warning, "name resolution configuration does not carry over";
    /// Firewall rules the target does not load (ufw, iptables-persistent, iptables-services, nftables.conf).
    HostFirewallRules = "host-firewall-rules", Warning, "firewall rules the target does not load";
    /// A Python extension module or distribution is built for a CPython ABI the Python that would load it on the target does not have.
    PythonExtensionAbiMismatch = "python-extension-abi-mismatch", Blocker, "Python extension built for another CPython";
    /// A Python extension module or distribution loads only with a Python of the unsupported sdk channel.
    PythonExtensionSdkPython = "python-extension-sdk-python", Warning, "Python extension needs a Python of the sdk channel";
    /// A virtual environment's interpreter becomes another Python version on the target.
    PythonVenvVersionChange = "python-venv-version-change", Blocker, "virtual environment runs another Python version on the target";
    /// A virtual environment's interpreter exists neither in the tree nor in an Azure Linux package.
    PythonVenvInterpreterMissing = "python-venv-interpreter-missing", Blocker, "virtual environment's Python missing on the target";
    /// A virtual environment's interpreter is only in the unsupported sdk channel.
    PythonVenvSdkPython = "python-venv-sdk-python", Warning, "virtual environment's Python only in the sdk channel";
    /// A console script runs the interpreter of a virtual environment that breaks.
    PythonVenvScript = "python-venv-script", Blocker, "script runs a virtual environment that breaks";
    /// An installed wheel needs a newer glibc than the target's.
    PythonWheelGlibcTooNew = "python-wheel-glibc-too-new", Blocker, "wheel needs a newer glibc";
    /// An installed wheel is built for musl libc.
    PythonWheelMusllinux = "python-wheel-musllinux", Blocker, "musllinux wheel on a glibc system";
    /// Python source imports a standard-library module the target's Python removed.
    PythonRemovedModule = "python-removed-module", Blocker, "imports a removed standard-library module";
    /// A Node.js native addon is built for a NODE_MODULE_VERSION no Node.js of the target has.
    NodeAddonAbiMismatch = "node-addon-abi-mismatch", Blocker, "Node.js addon built for another Node.js ABI";
    /// A package.json's engines.node range excludes every Node.js of the target.
    NodeEnginesUnsatisfied = "node-engines-unsatisfied", Warning, "package does not support the target's Node.js";
    /// A Perl XS module is installed for another Perl version than the target's.
    PerlXsAbiMismatch = "perl-xs-abi-mismatch", Blocker, "Perl XS module built for another Perl";
    /// A Ruby native extension is installed for another Ruby ABI than the target's.
    RubyExtensionAbiMismatch = "ruby-extension-abi-mismatch", Blocker, "Ruby extension built for another Ruby";
    /// A carried Java runtime predates cgroup v2 support: it does not see its memory and CPU limits.
    JavaRuntimeCgroupV1 = "java-runtime-cgroup-v1", Warning, "Java runtime without cgroup v2 support";
    /// A JAVA_HOME set by a unit or script names a Java runtime neither carried nor shipped.
    JavaHomeMissing = "java-home-missing", Blocker, "JAVA_HOME names a Java runtime the target lacks";
    /// A build for another platform (musl, another architecture or OS) beside the build the target loads.
    RuntimeBuildNotUsed = "runtime-build-not-used", Info, "build for another platform, not loaded on the target";
    /// A package carries builds for other platforms only: nothing the target can load.
    RuntimeBuildOtherPlatformOnly = "runtime-build-other-platform-only", Blocker, "only builds for other platforms";
}

/// The documentation of every code (docs/findings.md), one `## code` section each.
const FINDINGS_DOC: &str = include_str!("../../docs/findings.md");

impl Code {
    /// The one-line title for a target (its facts from the pack or the report).
    pub fn title(self, target: &crate::knowledge::format::TargetFacts) -> String {
        target.fill(self.title_template())
    }

    /// The full explanation of the code: its section of docs/findings.md.
    pub fn explanation(self) -> String {
        let head = format!("## `{}`", self.as_str());
        let Some(start) = FINDINGS_DOC.find(&head) else {
            return self.title_template().to_string();
        };
        let body = &FINDINGS_DOC[start + head.len()..];
        let end = body.find("\n## ").unwrap_or(body.len());
        body[..end].trim().to_string()
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Code {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Code::ALL
            .iter()
            .copied()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| format!("unknown finding code `{s}`"))
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Code {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// One thing that would break or needs attention, with its evidence and fix.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Finding {
    pub code: Code,
    pub severity: Severity,
    /// The file the finding concerns, as it would be on the target.
    pub path: String,
    /// What in that file it is about (a soname, a version node, an interpreter).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    pub message: String,
    pub why: String,
    pub fix: String,
    /// Facts behind the finding: soname, version node, search path tried, package, confidence ...
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub evidence: BTreeMap<String, String>,
    /// The check's own severity, when a policy override changed `severity` (docs/reports.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overridden_from: Option<Severity>,
    /// The policy waiver that matched this finding; an expired one says so and does not apply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiver: Option<Waiver>,
    /// The 1-based line of `path` the finding is about, for findings about one line of a file
    /// (last, so that it does not change the order of findings).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
}

/// Whether a matched waiver applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WaiverStatus {
    /// The finding is waived: it does not count towards verdicts, summary or exit status.
    Active,
    /// The waiver's expiry date has passed: the finding counts again.
    Expired,
}

/// A policy waiver as recorded on the finding it matched (docs/reports.md).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Waiver {
    pub status: WaiverStatus,
    pub owner: String,
    pub justification: String,
    /// Last day the waiver applies (YYYY-MM-DD).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    /// Set when the finding is waived because the file it follows from (the bundled library or
    /// interpreter in `subject`) no longer breaks under the policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
}

impl Finding {
    /// A finding with the code's default severity.
    pub fn new(code: Code, path: impl Into<String>) -> Self {
        Finding {
            code,
            severity: code.severity(),
            path: path.into(),
            subject: None,
            message: String::new(),
            why: String::new(),
            fix: String::new(),
            evidence: BTreeMap::new(),
            overridden_from: None,
            waiver: None,
            line: None,
        }
    }

    /// Whether an active waiver takes this finding out of verdicts, counts and exit status.
    pub fn is_waived(&self) -> bool {
        self.waiver
            .as_ref()
            .is_some_and(|w| w.status == WaiverStatus::Active)
    }

    pub fn subject(mut self, s: impl Into<String>) -> Self {
        self.subject = Some(s.into());
        self
    }
    pub fn message(mut self, s: impl Into<String>) -> Self {
        self.message = s.into();
        self
    }
    pub fn why(mut self, s: impl Into<String>) -> Self {
        self.why = s.into();
        self
    }
    pub fn fix(mut self, s: impl Into<String>) -> Self {
        self.fix = s.into();
        self
    }
    /// Add an evidence entry; `line` (1-based) also sets the top-level [`Finding::line`].
    pub fn evidence(mut self, k: &str, v: impl Into<String>) -> Self {
        self.evidence.insert(k.to_string(), v.into());
        if k == "line" {
            self.fill_line();
        }
        self
    }

    /// Set [`Finding::line`] from `evidence.line` when it is a 1-based line number (reports
    /// saved before `line` existed get it when loaded).
    pub fn fill_line(&mut self) {
        if let Some(n) = self
            .evidence
            .get("line")
            .and_then(|l| l.parse::<u32>().ok())
            .filter(|&n| n >= 1)
        {
            self.line = Some(n);
        }
    }

    /// `path:line`, or the path when the finding is not about one line.
    pub fn location(&self) -> String {
        match self.line {
            Some(n) => format!("{}:{n}", self.path),
            None => self.path.clone(),
        }
    }
    pub fn severity(mut self, s: Severity) -> Self {
        self.severity = s;
        self
    }

    /// The stable key of a finding (code plus subject) used for de-duplication and waivers.
    pub fn key(&self) -> (Code, &str, Option<&str>) {
        (self.code, self.path.as_str(), self.subject.as_deref())
    }
}

/// A file or directory that could not be read or parsed. Never fatal.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Diagnostic {
    pub path: String,
    pub reason: String,
    /// Set when the path could not be read at all (permissions, an I/O error, a path too
    /// long): what it holds was not judged, so the verdict is incomplete (docs/reports.md).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unread: bool,
}

/// Longest diagnostic reason kept: content quoted from a hostile file is cut there.
pub const MAX_DIAGNOSTIC_REASON: usize = 1024;

impl Diagnostic {
    /// A diagnostic; a reason longer than [`MAX_DIAGNOSTIC_REASON`] bytes is cut (at a
    /// character boundary) and says how much was cut.
    pub fn new(path: impl Into<String>, reason: impl Into<String>) -> Self {
        let mut reason = reason.into();
        if reason.len() > MAX_DIAGNOSTIC_REASON {
            let mut end = MAX_DIAGNOSTIC_REASON;
            while !reason.is_char_boundary(end) {
                end -= 1;
            }
            let cut = reason.len() - end;
            reason.truncate(end);
            reason.push_str(&format!("… ({cut} more bytes not shown)"));
        }
        Diagnostic {
            path: path.into(),
            reason,
            unread: false,
        }
    }

    /// A path that could not be read at all: `what` (e.g. "cannot read directory") and the
    /// error, said once. Makes the verdict incomplete.
    pub fn unread(path: impl Into<String>, what: &str, error: &std::io::Error) -> Self {
        Diagnostic {
            path: path.into(),
            reason: format!("{what}: {error}"),
            unread: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diagnostic_reasons_are_cut_at_a_character_boundary() {
        let d = Diagnostic::new("/x", "é".repeat(4000));
        assert!(
            d.reason.len() < MAX_DIAGNOSTIC_REASON + 64,
            "{}",
            d.reason.len()
        );
        assert!(
            d.reason.ends_with("(6976 more bytes not shown)"),
            "{}",
            d.reason
        );
        assert_eq!(Diagnostic::new("/x", "short").reason, "short");
    }

    #[test]
    fn codes_are_unique_kebab_case_and_round_trip() {
        let mut seen = std::collections::HashSet::new();
        for c in Code::ALL {
            let s = c.as_str();
            assert!(seen.insert(s), "duplicate code {s}");
            assert!(
                s.chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '-'),
                "{s} is not kebab-case"
            );
            assert_eq!(s.parse::<Code>().unwrap(), *c);
        }
        assert!("no-such-code".parse::<Code>().is_err());
    }

    #[test]
    fn every_code_is_documented_and_nothing_else() {
        let doc = super::FINDINGS_DOC;
        for c in Code::ALL {
            let head = format!("## `{}`", c.as_str());
            assert!(
                doc.contains(&head),
                "docs/findings.md lacks a section for {c}"
            );
            let sev = format!("Severity: {}", c.severity().as_str());
            assert!(
                c.explanation().contains(&sev),
                "{c}: section must say `{sev}`"
            );
        }
        let documented = doc.matches("\n## `").count();
        assert_eq!(
            documented,
            Code::ALL.len(),
            "docs/findings.md documents codes that do not exist"
        );
    }
}
