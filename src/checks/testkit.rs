//! Test support for the checks: tiny ELF files built in code and a scan of an in-memory tree
//! ([`MemorySource`]) against the built-in pack, so each check has fast tests next to it
//! without gcc or temporary directories.

use crate::findings::{Code, Finding};
use crate::inventory::exclude::Exclusions;
use crate::inventory::walk::NoProgress;
use crate::knowledge::Pack;
use crate::report::Report;
use crate::source::MemorySource;

/// A little-endian ELF64 file with program headers only (PT_LOAD, PT_INTERP, PT_DYNAMIC), the
/// way a section-stripped binary is: what the inventory reads of a real one.
#[derive(Clone)]
pub struct Elf {
    exec: bool,
    machine: u16,
    os_abi: u8,
    interp: Option<String>,
    needed: Vec<String>,
    soname: Option<String>,
    runpath: Option<String>,
    dynamic: bool,
}

const X86_64: u16 = 62;
const VADDR: u64 = 0x40_0000;

impl Elf {
    /// A dynamically linked x86_64 PIE with the standard interpreter.
    pub fn exe() -> Self {
        Elf {
            exec: true,
            machine: X86_64,
            os_abi: 0,
            interp: Some("/lib64/ld-linux-x86-64.so.2".into()),
            needed: Vec::new(),
            soname: None,
            runpath: None,
            dynamic: true,
        }
    }

    /// An x86_64 shared library with this soname.
    pub fn lib(soname: &str) -> Self {
        Elf {
            exec: false,
            interp: None,
            soname: Some(soname.into()),
            ..Elf::exe()
        }
    }

    pub fn needs(mut self, soname: &str) -> Self {
        self.needed.push(soname.into());
        self
    }
    pub fn runpath(mut self, r: &str) -> Self {
        self.runpath = Some(r.into());
        self
    }
    pub fn interp(mut self, i: &str) -> Self {
        self.interp = Some(i.into());
        self
    }
    pub fn machine(mut self, m: u16) -> Self {
        self.machine = m;
        self
    }
    pub fn bytes(&self) -> Vec<u8> {
        let phnum = 1 + usize::from(self.interp.is_some()) + usize::from(self.dynamic);
        let phoff = 64usize;
        let mut off = phoff + 56 * phnum;
        let interp_off = off;
        let interp = self
            .interp
            .as_ref()
            .map(|i| format!("{i}\0").into_bytes())
            .unwrap_or_default();
        off += interp.len();
        let strtab_off = off;
        let mut strtab = vec![0u8];
        let mut add = |s: &str| {
            let at = strtab.len() as u64;
            strtab.extend_from_slice(s.as_bytes());
            strtab.push(0);
            at
        };
        let mut dyns: Vec<(u64, u64)> = Vec::new();
        for n in &self.needed {
            dyns.push((1, add(n))); // DT_NEEDED
        }
        if let Some(s) = &self.soname {
            dyns.push((14, add(s))); // DT_SONAME
        }
        if let Some(r) = &self.runpath {
            dyns.push((29, add(r))); // DT_RUNPATH
        }
        off += strtab.len();
        let dyn_off = off.next_multiple_of(8);
        dyns.push((5, VADDR + strtab_off as u64)); // DT_STRTAB
        dyns.push((10, strtab.len() as u64)); // DT_STRSZ
        dyns.push((0, 0)); // DT_NULL
        let end = dyn_off + 16 * dyns.len();

        let mut b: Vec<u8> = Vec::with_capacity(end);
        b.extend_from_slice(&[0x7f, b'E', b'L', b'F', 2, 1, 1, self.os_abi]);
        b.extend_from_slice(&[0; 8]);
        let u16_ = |b: &mut Vec<u8>, v: u16| b.extend_from_slice(&v.to_le_bytes());
        let u32_ = |b: &mut Vec<u8>, v: u32| b.extend_from_slice(&v.to_le_bytes());
        let u64_ = |b: &mut Vec<u8>, v: u64| b.extend_from_slice(&v.to_le_bytes());
        // ET_DYN for both (a PIE has PT_INTERP); e_machine, e_version.
        u16_(&mut b, 3);
        u16_(&mut b, self.machine);
        u32_(&mut b, 1);
        u64_(&mut b, if self.exec { VADDR + 0x100 } else { 0 });
        u64_(&mut b, phoff as u64);
        u64_(&mut b, 0); // e_shoff
        u32_(&mut b, 0); // e_flags
        u16_(&mut b, 64);
        u16_(&mut b, 56);
        u16_(&mut b, phnum as u16);
        u16_(&mut b, 64);
        u16_(&mut b, 0);
        u16_(&mut b, 0);
        let phdr = |b: &mut Vec<u8>, ty: u32, flags: u32, o: usize, sz: usize, align: u64| {
            u32_(b, ty);
            u32_(b, flags);
            u64_(b, o as u64);
            u64_(b, VADDR + o as u64);
            u64_(b, VADDR + o as u64);
            u64_(b, sz as u64);
            u64_(b, sz as u64);
            u64_(b, align);
        };
        phdr(&mut b, 1, 5, 0, end, 0x1000); // PT_LOAD
        if self.interp.is_some() {
            phdr(&mut b, 3, 4, interp_off, interp.len(), 1); // PT_INTERP
        }
        if self.dynamic {
            phdr(&mut b, 2, 6, dyn_off, 16 * dyns.len(), 8); // PT_DYNAMIC
        }
        b.extend_from_slice(&interp);
        b.extend_from_slice(&strtab);
        b.resize(dyn_off, 0);
        for (tag, val) in dyns {
            u64_(&mut b, tag);
            u64_(&mut b, val);
        }
        b
    }
}

/// Scan an in-memory tree against the built-in pack, as `azl-compat scan` would.
pub fn scan(src: &MemorySource) -> Report {
    crate::scan::scan_source(src, "/", &Exclusions::none(), Pack::builtin(), &NoProgress)
}

/// The findings of one code, sorted by path.
pub fn with_code(r: &Report, code: Code) -> Vec<&Finding> {
    r.findings.iter().filter(|f| f.code == code).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_elf_files_parse_as_their_spec_says() {
        let e = crate::inventory::elf::parse(
            &Elf::exe()
                .needs("libfoo.so.1")
                .runpath("$ORIGIN/../lib")
                .bytes(),
        )
        .unwrap();
        assert_eq!(
            e.interpreter.as_deref(),
            Some("/lib64/ld-linux-x86-64.so.2")
        );
        assert_eq!(e.needed, ["libfoo.so.1"]);
        assert_eq!(e.runpath.as_deref(), Some("$ORIGIN/../lib"));
        assert!(e.dynamic);
        let l = crate::inventory::elf::parse(&Elf::lib("libfoo.so.1").bytes()).unwrap();
        assert_eq!(l.soname.as_deref(), Some("libfoo.so.1"));
        assert!(l.interpreter.is_none());
    }
}
