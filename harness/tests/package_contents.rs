//! The crates `cargo install` builds the harness from — sidecar-e2e, sidecar-e2e-runner,
//! sidecar-e2e-core and sidecar-injector — each carry, in the package `cargo package` makes, every
//! file their library and binaries embed (`include_str!`/`include_bytes!` under `src/`): a file
//! outside the crate, or one the package leaves out, would build here and fail for anyone who
//! installs the packaged crate. The full proof, `cargo install --locked --path` of the packaged
//! harness from a fresh clone, is scripts/check-package.sh (too slow to run with every test).

use std::path::{Path, PathBuf};
use std::process::Command;

/// The crates the harness is built from, with their directories.
const CRATES: [(&str, &str); 4] = [
    ("sidecar-e2e", "harness"),
    ("sidecar-e2e-runner", "runner"),
    ("sidecar-e2e-core", "core"),
    ("sidecar-injector", "injector"),
];

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace root")
        .to_path_buf()
}

fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|err| panic!("{}: {err}", dir.display())) {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

/// Every file `source` embeds, as (the macro's argument, the file it names).
fn embedded(source: &Path) -> Vec<(String, PathBuf)> {
    let text = std::fs::read_to_string(source).expect("a source file");
    let mut files = Vec::new();
    for mac in ["include_str!(", "include_bytes!("] {
        for (at, _) in text.match_indices(mac) {
            let rest = text[at + mac.len()..].trim_start();
            let literal = rest
                .strip_prefix('"')
                .and_then(|r| r.split_once('"'))
                .map(|(path, _)| path)
                .unwrap_or_else(|| {
                    panic!(
                        "{}: {mac}…) must name its file with a string literal",
                        source.display()
                    )
                });
            let dir = source.parent().expect("a file's directory");
            files.push((literal.to_owned(), normalise(&dir.join(literal))));
        }
    }
    files
}

/// `a/b/../c` as `a/c`, without touching the file system.
fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// `cargo package --list` of one crate: the files its package holds, relative to the crate.
fn package_list(package: &str) -> Vec<String> {
    let out = Command::new(env!("CARGO"))
        .args([
            "package",
            "--list",
            "--allow-dirty",
            "--offline",
            "-p",
            package,
        ])
        .current_dir(workspace())
        .output()
        .expect("cargo runs");
    assert!(
        out.status.success(),
        "cargo package --list -p {package} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_file_the_harness_embeds_is_inside_its_crate_and_in_its_package() {
    let mut problems = Vec::new();
    let mut checked = 0;
    for (package, dir) in CRATES {
        let root = workspace().join(dir);
        let listed = package_list(package);
        let mut sources = Vec::new();
        rust_files(&root.join("src"), &mut sources);
        for source in sources {
            for (literal, file) in embedded(&source) {
                checked += 1;
                let shown = source
                    .strip_prefix(workspace())
                    .unwrap_or(&source)
                    .display()
                    .to_string();
                let Ok(inside) = file.strip_prefix(&root) else {
                    problems.push(format!(
                        "{shown}: embeds {literal:?}, outside the {package} crate ({dir}/): move \
                         or copy it into {dir}/"
                    ));
                    continue;
                };
                let inside = inside.display().to_string();
                if !file.is_file() {
                    problems.push(format!("{shown}: embeds {literal:?}, which does not exist"));
                } else if !listed.contains(&inside) {
                    problems.push(format!(
                        "{shown}: embeds {dir}/{inside}, which `cargo package -p {package}` \
                         leaves out (an `exclude` in {dir}/Cargo.toml, or .gitignore?)"
                    ));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(
        checked >= 20,
        "found only {checked} embedded files: the scan is broken"
    );
}

/// The workspace's path dependencies name a version, as `cargo package` needs, and it is the
/// workspace's own.
#[test]
fn path_dependencies_carry_the_workspace_version() {
    let manifest =
        std::fs::read_to_string(workspace().join("Cargo.toml")).expect("the workspace manifest");
    let version = env!("CARGO_PKG_VERSION");
    for (package, dir) in CRATES {
        let line = manifest
            .lines()
            .find(|l| l.starts_with(&format!("{package} = ")))
            .unwrap_or_else(|| panic!("[workspace.dependencies] has no {package}"));
        assert!(
            line.contains(&format!("path = \"{dir}\""))
                && line.contains(&format!("version = \"{version}\"")),
            "{line}: needs path = \"{dir}\", version = \"{version}\""
        );
    }
}
