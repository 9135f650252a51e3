//! ELF facts the loader model needs, read without executing anything.
//!
//! This module is the only place that knows the ELF parser. (Implementation pending.)

use serde::Serialize;

/// ELF class.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum ElfClass {
    #[serde(rename = "ELF32")]
    Elf32,
    #[serde(rename = "ELF64")]
    Elf64,
}

/// ELF object type (e_type).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ElfType {
    /// ET_EXEC
    Exec,
    /// ET_DYN (shared library or PIE)
    Dyn,
    /// ET_REL
    Rel,
    /// ET_CORE
    Core,
    Other,
}

/// A needed library with the version nodes required from it (DT_VERNEED).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VersionNeed {
    /// The library file name as recorded (normally the soname).
    pub file: String,
    /// Version node names (e.g. `GLIBC_2.34`), in file order.
    pub versions: Vec<String>,
}

/// What the dynamic loader would need to know about one ELF file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ElfInfo {
    pub class: ElfClass,
    pub big_endian: bool,
    /// e_machine.
    pub machine: u16,
    /// e_ident[EI_OSABI].
    pub os_abi: u8,
    pub elf_type: ElfType,
    /// PT_INTERP.
    pub interpreter: Option<String>,
    /// DT_NEEDED, in order.
    pub needed: Vec<String>,
    /// DT_RPATH (raw, colon-separated), if present.
    pub rpath: Option<String>,
    /// DT_RUNPATH (raw, colon-separated), if present.
    pub runpath: Option<String>,
    /// DT_SONAME.
    pub soname: Option<String>,
    /// DT_VERNEED entries.
    pub version_needs: Vec<VersionNeed>,
    /// DT_VERDEF names (excluding the base entry that names the file itself).
    pub version_defs: Vec<String>,
    /// Whether the object has a dynamic segment at all (static binaries have none).
    pub dynamic: bool,
}

impl ElfInfo {
    /// A short name for the machine, as Azure Linux names its architectures where it can.
    pub fn arch_name(&self) -> String {
        machine_name(self.machine, self.class)
    }

    /// The Azure Linux architecture this object runs on, if any (`x86_64` / `aarch64`).
    pub fn azl_arch(&self) -> Option<&'static str> {
        match (self.machine, self.class) {
            (EM_X86_64, ElfClass::Elf64) => Some("x86_64"),
            (EM_AARCH64, ElfClass::Elf64) if !self.big_endian => Some("aarch64"),
            _ => None,
        }
    }
}

pub const EM_386: u16 = 3;
pub const EM_ARM: u16 = 40;
pub const EM_X86_64: u16 = 62;
pub const EM_AARCH64: u16 = 183;

/// A readable architecture name for e_machine.
pub fn machine_name(machine: u16, class: ElfClass) -> String {
    let name = match machine {
        0 => "none",
        2 => "sparc",
        EM_386 => "i386",
        8 => "mips",
        20 => "ppc",
        21 => "ppc64",
        22 => "s390",
        EM_ARM => "arm",
        43 => "sparcv9",
        EM_X86_64 if class == ElfClass::Elf32 => "x32",
        EM_X86_64 => "x86_64",
        EM_AARCH64 => "aarch64",
        243 if class == ElfClass::Elf32 => "riscv32",
        243 => "riscv64",
        247 => "bpf",
        258 => "loongarch",
        _ => return format!("machine-{machine}"),
    };
    name.to_string()
}

/// Why an ELF file could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ElfError(pub String);

/// Parse an ELF file's loader-relevant facts from its bytes.
pub fn parse(_data: &[u8]) -> Result<ElfInfo, ElfError> {
    Err(ElfError("ELF parsing not implemented yet".into()))
}
