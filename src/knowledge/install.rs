//! How to install target packages: `dnf install ...`, or, on a profile whose image has no
//! package manager (the distroless images), the image build step that adds them.

use super::Pack;

impl Pack {
    /// Whether the selected profile's image has no package manager (`false` without a profile:
    /// a full system has dnf).
    pub fn profile_lacks_package_manager(&self) -> bool {
        self.profile()
            .is_some_and(|p| !self.profile_has_package_manager(p))
    }

    /// Whether the image of `profile` has one of the target's package managers: its package
    /// list has one, or its description does not say it has none (the builder writes
    /// [`super::profiles::NO_PACKAGE_MANAGER`] for images whose build removes it). The core
    /// image's list names only filesystem, bash and the release package, yet the image keeps
    /// the dnf its bootstrap installed; the distroless images remove it ("no package manager").
    pub fn profile_has_package_manager(&self, profile: &super::profiles::Profile) -> bool {
        // The package manager's commands (the manifest's `[package_manager] commands`); a
        // profile that has none of them installed cannot install anything at run time.
        self.target.package_manager_commands.iter().any(|c| {
            self.path_providers(c)
                .iter()
                .any(|p| profile.packages.iter().any(|x| x.package == p.package))
        }) || !profile
            .description
            .contains(super::profiles::NO_PACKAGE_MANAGER)
    }

    /// The target's install command for `packages` (`dnf install A B`, from the pack's
    /// `target`); `None` when there is nothing to install. The only builder of that line.
    pub fn install_command(&self, packages: &[String]) -> Option<String> {
        (!packages.is_empty()).then(|| self.target.install(packages))
    }

    /// The step that installs `packages` on the target: `dnf install A B`, or on an image
    /// without a package manager the build step that adds them to the image.
    pub fn install_step(&self, packages: &[impl AsRef<str>]) -> String {
        let list = packages
            .iter()
            .map(|p| p.as_ref())
            .collect::<Vec<_>>()
            .join(" ");
        match self.profile() {
            Some(p) if self.profile_lacks_package_manager() => format!(
                "add {list} in the image build: the {} image has no package manager, so install them in the build stage that assembles its root (e.g. `{} --installroot=/rootfs install {list}`) and copy them into the image",
                p.name, self.target.package_manager
            ),
            _ => self.target.install(packages),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::knowledge::target::select;

    #[test]
    fn distroless_profiles_name_the_image_build() {
        let full = select(Some("azurelinux-4.0"), None).unwrap();
        assert_eq!(
            full.install_step(&["jq"]),
            format!("{} jq", full.target.install_command)
        );
        // The core image keeps its bootstrap's dnf although its package list does not name it.
        let core = select(Some("azurelinux-4.0:core"), None).unwrap();
        assert!(!core.profile_lacks_package_manager());
        assert_eq!(
            core.install_step(&["jq"]),
            format!("{} jq", core.target.install_command)
        );
        let distroless = select(Some("azurelinux-4.0:distroless-base"), None).unwrap();
        assert!(distroless.profile_lacks_package_manager());
        let s = distroless.install_step(&["jq"]);
        assert!(s.starts_with("add jq in the image build"), "{s}");
        assert!(s.contains("distroless-base"), "{s}");
    }

    #[test]
    fn the_package_manager_commands_come_from_the_pack() {
        use crate::knowledge::profiles::{NO_PACKAGE_MANAGER, Profile, ProfilePackage};
        use crate::knowledge::target::SelectedPack;
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("knowledge")
            .join(crate::knowledge::target::DEFAULT_TARGET);
        let SelectedPack::Owned(mut pack) = select(None, Some(&dir)).unwrap() else {
            panic!("a pack read from a directory is owned");
        };
        let command = pack.target.package_manager_commands[0].clone();
        let package = pack.path_providers(&command)[0].package.to_string();
        // A profile whose description says it has none, but whose list has the package that
        // ships the manager's command: the list wins while the pack names that command.
        let profile = Profile {
            name: "p".into(),
            description: format!("an image with {NO_PACKAGE_MANAGER}"),
            packages: vec![ProfilePackage {
                package: package.clone(),
                arch: "*".into(),
                entry: package,
                source: "test".into(),
            }],
        };
        assert!(pack.profile_has_package_manager(&profile));
        pack.target.package_manager_commands = vec!["/usr/bin/no-such-manager".into()];
        assert!(!pack.profile_has_package_manager(&profile));
    }
}
