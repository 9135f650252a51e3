//! The one builder of the findings that say "this comes from a target package": from-package,
//! sdk only, weak evidence. The library, script and unit checks call it with what they resolved;
//! the texts name the target, its package manager and the package from the pack.

use crate::findings::{Code, Finding};
use crate::knowledge::{Channel, Confidence, Pack, Provider};

/// What a package provides, as the finding names it.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Provided<'a> {
    /// A needed library (`soname`): `elf-library-*`; carries the channel and the alternatives.
    Library { soname: &'a str },
    /// A script's interpreter (`shown`): `script-interpreter-*`.
    Interpreter { shown: &'a str },
    /// A program a unit starts (`key`= runs `word`): `unit-exec-*`.
    Program { key: &'a str, word: &'a str },
    /// The program a container image starts (its `key`, Entrypoint or Cmd, runs `word`):
    /// `image-entrypoint-*`.
    ImageProgram { key: &'a str, word: &'a str },
}

impl Provided<'_> {
    fn codes(self) -> (Code, Code) {
        match self {
            Provided::Library { .. } => (Code::ElfLibrarySdkOnly, Code::ElfLibraryFromPackage),
            Provided::Interpreter { .. } => (
                Code::ScriptInterpreterSdkOnly,
                Code::ScriptInterpreterFromPackage,
            ),
            Provided::Program { .. } => (Code::UnitExecSdkOnly, Code::UnitExecFromPackage),
            Provided::ImageProgram { .. } => (
                Code::ImageEntrypointSdkOnly,
                Code::ImageEntrypointFromPackage,
            ),
        }
    }
}

/// Whether the provider fact is weak: a file-list glob or a low-confidence derived fact.
pub(crate) fn weak(best: &Provider) -> bool {
    best.glob || best.confidence == Confidence::Low
}

/// The findings for `what`, provided by `providers[0]` (the best; the others are alternatives):
/// sdk only when the package is in an sdk channel; for a library, weak evidence as its own
/// finding, for the others a hedge in the message; from-package otherwise. `base` makes a
/// finding of a code with the check's path, subject and evidence.
pub(crate) fn package_findings(
    pack: &Pack,
    what: Provided<'_>,
    providers: &[Provider],
    base: impl Fn(Code) -> Finding,
) -> Vec<Finding> {
    let Some(best) = providers.first() else {
        return Vec::new();
    };
    let t = &pack.target;
    let target = pack.name_version();
    let p = best.package;
    let pkg = pack.package(p);
    let evr = pkg.map(|p| p.evr()).unwrap_or_default();
    let channel = pkg.map(|p| p.channel);
    let sdk = matches!(channel, Some(Channel::Sdk | Channel::SdkException));
    let weak = weak(best);
    // `dnf install P`, or on an image without a package manager the build step that adds P.
    let install = pack.install_step(&[p]);
    let with = |f: Finding| {
        let f = f
            .evidence("package", p)
            .evidence("evr", &evr)
            .evidence("method", best.method)
            .evidence("confidence", best.confidence.as_str());
        match what {
            Provided::Library { .. } => f
                .evidence("channel", channel.map(|c| c.as_str()).unwrap_or("unknown"))
                .evidence("alternatives", names(&providers[1..])),
            _ => f,
        }
    };
    // Scripts and units say weak evidence in the message; libraries get a finding of it.
    let hedge = match what {
        Provided::Library { .. } => "",
        _ if weak => " (weak evidence: a file-list glob or low-confidence derived fact)",
        _ => "",
    };
    let (sdk_code, from_code) = what.codes();
    let mut out = Vec::new();
    if sdk {
        let (message, why, fix) = match what {
            Provided::Library { soname } => (
                format!("{soname} comes from {p} ({evr}), which is built but not supported"),
                format!(
                    "{target} builds {p} in its sdk channel: installable, but without support or security commitment"
                ),
                format!(
                    "{install} (unsupported), or bundle {soname} with the application, or rebuild against a supported library"
                ),
            ),
            Provided::Interpreter { shown } => (
                format!(
                    "interpreter {shown} comes from {p} ({evr}), built but not supported{hedge}"
                ),
                format!("{target} builds {p} in its sdk channel: installable, without support"),
                format!("{install} (unsupported), or port the script to a supported interpreter"),
            ),
            Provided::Program { key, word } => (
                format!("{key}= runs {word}, from {p} ({evr}), built but not supported{hedge}"),
                format!("{target} builds {p} in its sdk channel: installable, without support"),
                format!("{install} (unsupported), or carry the program"),
            ),
            Provided::ImageProgram { key, word } => (
                format!(
                    "the image's {key} runs {word}, from {p} ({evr}), built but not supported{hedge}"
                ),
                format!("{target} builds {p} in its sdk channel: installable, without support"),
                format!("{install} (unsupported), or carry the program in the image"),
            ),
        };
        out.push(with(base(sdk_code)).message(message).why(why).fix(fix));
        // Scripts and units: sdk only says it all.
        if !matches!(what, Provided::Library { .. }) {
            return out;
        }
    }
    if let (true, Provided::Library { soname }) = (weak, what) {
        let basis = if best.glob {
            format!("a file-list glob of {p} ({})", best.method)
        } else {
            format!("a low-confidence derived fact ({})", best.method)
        };
        out.push(
            with(base(Code::ElfLibraryWeakEvidence))
                .message(format!("{soname} is probably provided by {p}, but only {basis} says so"))
                .why(format!(
                    "the knowledge pack could not see {soname} itself in {p}; the match rests on {basis}, so the exact soname is not certain"
                ))
                .fix(format!("{install} and confirm that it ships {soname}")),
        );
    }
    if out.is_empty() {
        let name = &t.name;
        let (message, why) = match what {
            Provided::Library { soname } => (
                format!("{soname} comes from {name} package {p} ({evr})"),
                format!("{soname} is not bundled in the tree; on {target} it is provided by {p}"),
            ),
            Provided::Interpreter { shown } => (
                format!("interpreter {shown} comes from {name} package {p} ({evr}){hedge}"),
                format!("{shown} is not carried in the tree; on {target} it is installed by {p}"),
            ),
            Provided::Program { key, word } => (
                format!("{key}= runs {word}, from {name} package {p} ({evr}){hedge}"),
                format!("{word} is not carried in the tree; on {target} it is installed by {p}"),
            ),
            Provided::ImageProgram { key, word } => (
                format!("the image's {key} runs {word}, from {name} package {p} ({evr}){hedge}"),
                format!("{word} is not carried in the image; on {target} it is installed by {p}"),
            ),
        };
        out.push(
            with(base(from_code))
                .message(message)
                .why(why)
                .fix(install.clone()),
        );
    }
    out
}

/// `a, b` of the providers' packages (repeats next to each other said once).
pub(crate) fn names(providers: &[Provider]) -> String {
    let mut v: Vec<&str> = providers.iter().map(|p| p.package).collect();
    v.dedup();
    v.join(", ")
}
