//! Builds of one thing for several platforms, side by side, as packagers lay them out: what
//! the path of a file says about the platform it was built for, and which files are
//! alternatives of each other (the loader of the target picks one of them, or none).
//!
//! Layouts recognised (names only; nothing is read):
//! - a directory named for a platform below a Node.js package: prebuildify's and
//!   node-gyp-build's `prebuilds/linux-x64/`, `prebuilds/darwin-x64+arm64/`,
//!   `prebuilds/linuxmusl-x64/`, sharp's `vendor/8.14.5/linuxmusl-x64/`; in a `prebuilds`
//!   directory the file name's `musl`/`glibc` tags (`node.napi.musl.node`) say the C library.
//!   Alternatives: every platform directory of the same parent, plus the package's own
//!   `build/` output (node-gyp-build loads `build/Release` before any prebuild);
//! - npm packages named for a platform, as esbuild, swc, rollup, sharp (`@img/`), parcel and
//!   napi-rs publish them as optional dependencies: `@esbuild/linux-x64`,
//!   `@swc/core-linux-x64-musl`, `@img/sharp-linuxmusl-x64`, `lightningcss-linux-arm-gnueabihf`.
//!   Alternatives: the packages of the same scope and prefix in the same project (below its
//!   first `node_modules`, so pnpm's `.pnpm/` store counts too);
//! - Python extension modules tagged with a platform triplet:
//!   `NAME.cpython-312-x86_64-linux-musl.so`, `NAME.cpython-312-aarch64-linux-gnu.so`.
//!   Alternatives: the modules of the same name in the same directory (`NAME.abi3.so`,
//!   `NAME.so` and untagged builds count as builds for the running platform).

use super::{file_name, parent_dir};

/// The C library a build is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Libc {
    Glibc,
    Musl,
}

/// The platform a path says a build is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Platform {
    /// `linux`, `darwin`, `win32`, `android`, `freebsd` ... (Node.js's `process.platform` names).
    pub os: String,
    /// Architectures in the pack's naming (`x86_64`, `aarch64`, `arm`, `i686` ...); a
    /// universal build names several.
    pub arches: Vec<String>,
    /// The C library, when the name says it.
    pub libc: Option<Libc>,
    /// The platform as the path writes it (`linux-x64`, `node.napi.musl`, `x86_64-linux-musl`).
    pub label: String,
}

/// One file's place among alternative builds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tag {
    /// Files with the same group are alternatives of each other.
    pub group: String,
    /// What the group is, for people (`classic-level prebuilds`, `@parcel/watcher-linux-*`).
    pub what: String,
    /// `None`: a build without a platform in its name (built for the platform it sits on).
    pub platform: Option<Platform>,
}

const OSES: &[&str] = &[
    "linux",
    "linuxmusl",
    "darwin",
    "win32",
    "windows",
    "android",
    "freebsd",
    "openbsd",
    "netbsd",
    "sunos",
    "aix",
    "openharmony",
];

/// Node.js's `process.arch` names (and old esbuild's `64`/`32`) in the pack's naming.
fn node_arch(a: &str) -> Option<&'static str> {
    Some(match a {
        "x64" | "64" | "amd64" | "x86_64" => "x86_64",
        "arm64" | "aarch64" => "aarch64",
        "arm" | "armv6" | "armv7" | "armv7l" => "arm",
        "ia32" | "32" | "x86" | "i386" | "i686" => "i686",
        "ppc64" | "ppc64le" => "ppc64le",
        "s390x" => "s390x",
        "riscv64" => "riscv64",
        "loong64" => "loongarch64",
        "mips64el" => "mips64el",
        "universal" => "universal",
        _ => return None,
    })
}

/// `linux-x64`, `linuxmusl-x64`, `linux-x64-musl`, `linux-arm-gnueabihf`, `darwin-x64+arm64`,
/// `win32-x64-msvc`: a platform written the Node.js way.
pub fn parse_node_platform(s: &str) -> Option<Platform> {
    let mut parts = s.split('-');
    let os = parts.next()?;
    if !OSES.contains(&os) {
        return None;
    }
    let arches: Option<Vec<String>> = parts
        .next()?
        .split('+')
        .map(|a| node_arch(a).map(str::to_string))
        .collect();
    let arches = arches?;
    let mut libc = (os == "linuxmusl").then_some(Libc::Musl);
    match parts.next() {
        None => {}
        Some("gnu" | "glibc" | "gnueabihf" | "gnueabi") => libc = Some(Libc::Glibc),
        Some("musl" | "musleabihf" | "musleabi") => libc = Some(Libc::Musl),
        Some("msvc" | "gnullvm" | "eabi" | "androideabi") => {}
        Some(_) => return None,
    }
    if parts.next().is_some() {
        return None;
    }
    let os = match os {
        "linuxmusl" => "linux",
        "windows" => "win32",
        o => o,
    };
    Some(Platform {
        os: os.to_string(),
        arches,
        libc,
        label: s.to_string(),
    })
}

/// `x86_64-linux-gnu`, `aarch64-linux-musl`, `arm-linux-gnueabihf`: a GNU triplet (as CPython
/// writes it in extension suffixes).
fn parse_triplet(s: &str) -> Option<Platform> {
    let (arch, rest) = s.split_once("-linux-")?;
    let arch = match arch {
        "x86_64" => "x86_64",
        "aarch64" => "aarch64",
        "i386" | "i686" => "i686",
        "arm" | "armv7l" => "arm",
        "powerpc64le" => "ppc64le",
        "s390x" => "s390x",
        "riscv64" => "riscv64",
        "loongarch64" => "loongarch64",
        _ => return None,
    };
    let libc = match rest {
        "gnu" | "gnueabihf" | "gnueabi" => Libc::Glibc,
        "musl" | "musleabihf" | "musleabi" => Libc::Musl,
        _ => return None,
    };
    Some(Platform {
        os: "linux".into(),
        arches: vec![arch.into()],
        libc: Some(libc),
        label: s.to_string(),
    })
}

/// Where a file stands among alternative builds, from its path alone.
pub fn tag(path: &str) -> Option<Tag> {
    if let Some(t) = archive_tag(path) {
        return Some(t);
    }
    if let Some(t) = node_tag(path) {
        return Some(t);
    }
    python_tag(path)
}

fn node_tag(path: &str) -> Option<Tag> {
    let first = path.find("/node_modules/")?;
    let last = path.rfind("/node_modules/")?;
    let project = &path[..first];
    let rest = &path[last + "/node_modules/".len()..];
    let comps: Vec<&str> = rest.split('/').collect();
    // The package: `name` or `@scope/name`.
    let (scope, name, inner) = if comps[0].starts_with('@') && comps.len() > 2 {
        (Some(comps[0]), comps[1], &comps[2..])
    } else if comps.len() > 1 {
        (None, comps[0], &comps[1..])
    } else {
        return None;
    };
    let pkg_dir = format!(
        "{}/node_modules/{}{name}",
        &path[..last],
        scope.map(|s| format!("{s}/")).unwrap_or_default()
    );
    let pkg_name = match scope {
        Some(s) => format!("{s}/{name}"),
        None => name.to_string(),
    };
    // A package named for a platform: `[prefix-]os-arch[-libc]`.
    let mut starts = vec![0];
    starts.extend(name.match_indices('-').map(|(i, _)| i + 1));
    for s in starts {
        if let Some(p) = parse_node_platform(&name[s..]) {
            let prefix = name[..s].trim_end_matches('-');
            let stem = match scope {
                Some(sc) => format!("{sc}/{prefix}"),
                None => prefix.to_string(),
            };
            return Some(Tag {
                group: format!("npm:{project}\0{stem}"),
                what: format!("the {} packages", stem_display(&stem)),
                platform: Some(p),
            });
        }
    }
    // A directory named for a platform inside the package.
    let dirs = &inner[..inner.len() - 1];
    for (i, d) in dirs.iter().enumerate() {
        let Some(mut p) = parse_node_platform(d) else {
            continue;
        };
        let parent = if i == 0 {
            pkg_dir.clone()
        } else {
            format!("{pkg_dir}/{}", dirs[..i].join("/"))
        };
        if i > 0 && dirs[i - 1] == "prebuilds" {
            let file = inner[inner.len() - 1];
            let tags: Vec<&str> = file.split('.').collect();
            if tags.contains(&"musl") {
                p.libc = Some(Libc::Musl);
            } else if tags.contains(&"glibc") {
                p.libc = Some(Libc::Glibc);
            }
            p.label = format!("{d}/{file}");
        }
        return Some(Tag {
            group: format!("dir:{parent}"),
            what: format!("the builds of {pkg_name} in {parent}"),
            platform: Some(p),
        });
    }
    // The package's own build output: the build node-gyp-build prefers to any prebuild.
    if inner.first() == Some(&"build") && file_name(path).ends_with(".node") {
        return Some(Tag {
            group: format!("dir:{pkg_dir}/prebuilds"),
            what: format!("the builds of {pkg_name} in {pkg_dir}/prebuilds"),
            platform: None,
        });
    }
    None
}

/// A shared library inside a Java archive (`ARCHIVE!/MEMBER`, see `inventory::archives`): the
/// native libraries of one archive are alternatives of each other (netty's
/// `libnetty_transport_native_epoll_x86_64.so` beside `..._aarch_64.so`, sqlite-jdbc's
/// `org/sqlite/native/Linux/x86_64/` beside `Linux-Musl/`, `Linux-Android/`, `Mac/`). The
/// member's path gives the OS and the C library when it names them (`Mac`, `osx`, `darwin`,
/// `windows`, `android`, `musl`, `alpine`); its architecture is left empty here: the ELF
/// header says it, and `checks::alternatives` fills it in.
pub fn archive_tag(path: &str) -> Option<Tag> {
    let archive = super::archives::archive_of(path)?;
    let member = &path[archive.len() + super::archives::SEP.len()..];
    let lower = member.to_ascii_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let has = |ws: &[&str]| words.iter().any(|w| ws.contains(w));
    let os = if has(&["android"]) {
        "android"
    } else if has(&["darwin", "mac", "macos", "macosx", "osx"]) {
        "darwin"
    } else if has(&["windows", "win32", "win64", "win"]) {
        "win32"
    } else if has(&["freebsd"]) {
        "freebsd"
    } else {
        "linux"
    };
    let libc = has(&["musl", "alpine", "linuxmusl"]).then_some(Libc::Musl);
    Some(Tag {
        group: format!("jar:{archive}"),
        what: format!("the native libraries in {archive}"),
        platform: Some(Platform {
            os: os.to_string(),
            arches: Vec::new(),
            libc,
            label: format!("{os}{}", if libc.is_some() { " musl" } else { "" }),
        }),
    })
}

fn stem_display(stem: &str) -> String {
    if stem.ends_with('/') {
        format!("{stem}*")
    } else {
        format!("{stem}-*")
    }
}

fn python_tag(path: &str) -> Option<Tag> {
    let name = file_name(path);
    let stem = name.strip_suffix(".so")?;
    let (module, tag) = match stem.split_once('.') {
        Some((m, t)) => (m, Some(t)),
        None => (stem, None),
    };
    if module.is_empty() || tag.is_some_and(|t| t.contains('.')) {
        return None;
    }
    let dir = parent_dir(path);
    let platform = match tag {
        // `cpython-312-x86_64-linux-gnu`, `cpython-314t-aarch64-linux-musl`, `pypy39-pp73-...`.
        Some(t) => t
            .match_indices('-')
            .find_map(|(i, _)| parse_triplet(&t[i + 1..])),
        None => None,
    };
    Some(Tag {
        group: format!("py:{dir}/{module}"),
        what: format!("the builds of the Python module {module} in {dir}"),
        platform,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plat(path: &str) -> (String, Vec<String>, Option<Libc>) {
        let t = tag(path).unwrap_or_else(|| panic!("{path}: no tag"));
        let p = t.platform.unwrap_or_else(|| panic!("{path}: no platform"));
        (p.os, p.arches, p.libc)
    }

    fn v(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn prebuild_directories_and_file_tags() {
        let nm = "/app/node_modules/classic-level/prebuilds";
        assert_eq!(
            plat(&format!("{nm}/linux-x64/node.napi.musl.node")),
            ("linux".into(), v(&["x86_64"]), Some(Libc::Musl))
        );
        assert_eq!(
            plat(&format!("{nm}/linux-x64/node.napi.glibc.node")),
            ("linux".into(), v(&["x86_64"]), Some(Libc::Glibc))
        );
        assert_eq!(
            plat(&format!("{nm}/darwin-x64+arm64/node.napi.node")),
            ("darwin".into(), v(&["x86_64", "aarch64"]), None)
        );
        assert_eq!(
            plat(&format!("{nm}/linux-arm/node.napi.armv7.node")),
            ("linux".into(), v(&["arm"]), None)
        );
        assert_eq!(
            plat("/app/node_modules/sharp/vendor/8.14.5/linuxmusl-x64/lib/libvips-cpp.so.42"),
            ("linux".into(), v(&["x86_64"]), Some(Libc::Musl))
        );
        let a = tag(&format!("{nm}/linux-x64/node.napi.musl.node")).unwrap();
        let b = tag(&format!("{nm}/android-arm64/node.napi.armv8.node")).unwrap();
        let own = tag("/app/node_modules/classic-level/build/Release/classic_level.node").unwrap();
        assert_eq!(a.group, b.group);
        assert_eq!(a.group, own.group);
        assert_eq!(own.platform, None);
    }

    #[test]
    fn platform_packages() {
        assert_eq!(
            plat("/app/node_modules/@parcel/watcher-linux-x64-musl/watcher.node"),
            ("linux".into(), v(&["x86_64"]), Some(Libc::Musl))
        );
        assert_eq!(
            plat("/app/node_modules/@esbuild/linux-arm64/bin/esbuild"),
            ("linux".into(), v(&["aarch64"]), None)
        );
        assert_eq!(
            plat("/app/node_modules/@img/sharp-libvips-linuxmusl-x64/lib/libvips-cpp.so.42"),
            ("linux".into(), v(&["x86_64"]), Some(Libc::Musl))
        );
        assert_eq!(
            plat(
                "/app/node_modules/lightningcss-linux-arm-gnueabihf/lightningcss.linux-arm-gnueabihf.node"
            ),
            ("linux".into(), v(&["arm"]), Some(Libc::Glibc))
        );
        // One group per scope and prefix in one project, pnpm's store included.
        let g = |p: &str| tag(p).unwrap().group;
        assert_eq!(
            g("/app/node_modules/@parcel/watcher-linux-x64-musl/watcher.node"),
            g(
                "/app/node_modules/.pnpm/@parcel+watcher-linux-x64-glibc@2.4.1/node_modules/@parcel/watcher-linux-x64-glibc/watcher.node"
            )
        );
        assert_ne!(
            g("/app/node_modules/@img/sharp-linuxmusl-x64/lib/sharp.node"),
            g("/app/node_modules/@img/sharp-libvips-linuxmusl-x64/lib/libvips-cpp.so.42")
        );
        assert_ne!(
            g("/app/node_modules/@parcel/watcher-linux-x64-musl/watcher.node"),
            g("/other/node_modules/@parcel/watcher-linux-x64-glibc/watcher.node")
        );
        // Not platforms.
        assert!(tag("/app/node_modules/linux-utils/index.node").is_none());
        assert!(tag("/app/node_modules/foo/build/Release/obj/x.o").is_none());
    }

    #[test]
    fn java_archive_members() {
        let j = "/opt/app/lib/sqlite-jdbc.jar!/org/sqlite/native";
        let p = |m: &str| tag(&format!("{j}/{m}")).unwrap().platform.unwrap();
        assert_eq!(p("Linux/x86_64/libsqlitejdbc.so").os, "linux");
        assert_eq!(p("Linux/x86_64/libsqlitejdbc.so").libc, None);
        assert_eq!(
            p("Linux-Musl/x86_64/libsqlitejdbc.so").libc,
            Some(Libc::Musl)
        );
        assert_eq!(p("Linux-Android/aarch64/libsqlitejdbc.so").os, "android");
        assert_eq!(p("Mac/aarch64/libsqlitejdbc.so").os, "darwin");
        assert_eq!(p("Windows/x86_64/sqlitejdbc.so").os, "win32");
        let t = tag("/a/w.war!/WEB-INF/lib/netty.jar!/META-INF/native/libnetty_transport_native_epoll_x86_64.so").unwrap();
        assert_eq!(t.group, "jar:/a/w.war!/WEB-INF/lib/netty.jar");
        assert_eq!(t.platform.unwrap().os, "linux");
        // Python's own layout does not apply inside an archive.
        assert_eq!(
            tag("/w.jar!/x/_ext.cpython-312-x86_64-linux-musl.so")
                .unwrap()
                .group,
            "jar:/w.jar"
        );
    }

    #[test]
    fn python_extension_triplets() {
        assert_eq!(
            plat("/sp/pkg/_ext.cpython-312-x86_64-linux-musl.so"),
            ("linux".into(), v(&["x86_64"]), Some(Libc::Musl))
        );
        assert_eq!(
            plat("/sp/pkg/_ext.cpython-314t-aarch64-linux-gnu.so"),
            ("linux".into(), v(&["aarch64"]), Some(Libc::Glibc))
        );
        assert_eq!(
            plat("/sp/pkg/_ext.pypy39-pp73-x86_64-linux-gnu.so"),
            ("linux".into(), v(&["x86_64"]), Some(Libc::Glibc))
        );
        let g = |p: &str| tag(p).unwrap();
        assert_eq!(g("/sp/pkg/_ext.abi3.so").platform, None);
        assert_eq!(
            g("/sp/pkg/_ext.abi3.so").group,
            g("/sp/pkg/_ext.cpython-312-x86_64-linux-musl.so").group
        );
        assert!(tag("/usr/lib/libfoo.so.1").is_none());
    }
}
