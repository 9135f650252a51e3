//! Choosing the pack a command answers from: `--target ID[:PROFILE]` (an embedded pack, and
//! optionally one of its profiles) or `--knowledge DIR` (a pack directory). docs/knowledge.md,
//! "Targets and profiles".

use super::{Pack, PackError};
use std::path::Path;

/// The target when `--target` is not given (knowledge/targets/default).
pub const DEFAULT_TARGET: &str = super::DEFAULT_TARGET_ID;

/// `ID[:PROFILE]`, as `--target` takes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TargetSpec<'a> {
    pub id: &'a str,
    pub profile: Option<&'a str>,
}

impl<'a> TargetSpec<'a> {
    /// `azurelinux-4.0` or `azurelinux-4.0:distroless-base`.
    pub fn parse(s: &'a str) -> TargetSpec<'a> {
        match s.split_once(':') {
            Some((id, profile)) => TargetSpec {
                id,
                profile: Some(profile),
            },
            None => TargetSpec {
                id: s,
                profile: None,
            },
        }
    }
}

/// Why a target could not be chosen (the command line exits 2).
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    #[error("unknown target `{id}`; known targets: {}", .known.join(", "))]
    UnknownTarget { id: String, known: Vec<String> },
    #[error("target `{target}` has no profile `{profile}`; its profiles: {}",
        if .known.is_empty() { "none".to_string() } else { .known.join(", ") })]
    UnknownProfile {
        target: String,
        profile: String,
        known: Vec<String>,
    },
    #[error("the knowledge pack in {dir} is `{found}`, not `{wanted}`")]
    Mismatch {
        dir: String,
        found: String,
        wanted: String,
    },
    #[error(transparent)]
    Pack(#[from] PackError),
}

/// The chosen pack: an embedded one shared by the process, or one of its own (loaded from a
/// directory, or with a profile applied).
#[derive(Debug)]
pub enum SelectedPack {
    Builtin(&'static Pack),
    Owned(Box<Pack>),
}

impl std::ops::Deref for SelectedPack {
    type Target = Pack;
    fn deref(&self) -> &Pack {
        match self {
            SelectedPack::Builtin(p) => p,
            SelectedPack::Owned(p) => p,
        }
    }
}

/// The pack for `--target` (default [`DEFAULT_TARGET`]) and `--knowledge DIR`. With a
/// directory, the target's id (when given) must be the pack's id, and its profile applies.
pub fn select(target: Option<&str>, knowledge: Option<&Path>) -> Result<SelectedPack, TargetError> {
    let spec = TargetSpec::parse(target.unwrap_or(DEFAULT_TARGET));
    let pack = match knowledge {
        Some(dir) => {
            let pack = Pack::load(dir)?;
            if target.is_some() && pack.id != spec.id {
                return Err(TargetError::Mismatch {
                    dir: dir.display().to_string(),
                    found: pack.id,
                    wanted: spec.id.to_string(),
                });
            }
            pack
        }
        None => {
            let Some(contents) = super::builtin_contents(spec.id) else {
                return Err(TargetError::UnknownTarget {
                    id: spec.id.to_string(),
                    known: Pack::targets().iter().map(|s| s.to_string()).collect(),
                });
            };
            let Some(profile) = spec.profile else {
                return Ok(SelectedPack::Builtin(
                    Pack::builtin_by_id(spec.id).expect("embedded"),
                ));
            };
            // A profile changes the baseline, so the pack is parsed into one of its own
            // (a scan or query uses one target per process).
            let pack = Pack::parse_deferred(&format!("builtin:{}", spec.id), &contents)?;
            return Ok(SelectedPack::Owned(Box::new(pack.with_profile(profile)?)));
        }
    };
    Ok(SelectedPack::Owned(Box::new(match spec.profile {
        Some(p) => pack.with_profile(p)?,
        None => pack,
    })))
}

/// Only the id of `--target` (for commands that take a whole pack, such as `knowledge lint`):
/// the embedded pack's id, or an error listing the known ones.
pub fn builtin_id(target: Option<&str>) -> Result<&'static str, TargetError> {
    let id = target.unwrap_or(DEFAULT_TARGET);
    Pack::targets()
        .into_iter()
        .find(|t| *t == id)
        .ok_or_else(|| TargetError::UnknownTarget {
            id: id.to_string(),
            known: Pack::targets().iter().map(|s| s.to_string()).collect(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse() {
        assert_eq!(
            TargetSpec::parse("azurelinux-4.0"),
            TargetSpec {
                id: "azurelinux-4.0",
                profile: None
            }
        );
        assert_eq!(
            TargetSpec::parse("azurelinux-4.0:core").profile,
            Some("core")
        );
    }

    #[test]
    fn unknown_targets_and_profiles_list_the_known_ones() {
        let e = select(Some("fedora-43"), None).unwrap_err().to_string();
        assert!(e.contains("unknown target `fedora-43`"), "{e}");
        assert!(e.contains(DEFAULT_TARGET), "{e}");
        assert!(builtin_id(Some("nope")).is_err());
        assert_eq!(builtin_id(None).unwrap(), DEFAULT_TARGET);
    }
}
