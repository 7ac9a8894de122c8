//! Gives the binary an identity that changes with its code: the digest of
//! its sources, its manifest and lock file and the compiler. A build's
//! stamps record it, so outputs made by another binary of the same version
//! number are never trusted as up to date.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};

fn main() {
    let mut hasher = DefaultHasher::new();
    for path in inputs() {
        println!("cargo:rerun-if-changed={}", path.display());
        path.hash(&mut hasher);
        std::fs::read(&path).unwrap_or_default().hash(&mut hasher);
    }
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned());
    let version = std::process::Command::new(rustc)
        .arg("-vV")
        .output()
        .map(|o| o.stdout)
        .unwrap_or_default();
    version.hash(&mut hasher);
    std::env::var("PROFILE")
        .unwrap_or_default()
        .hash(&mut hasher);
    println!("cargo:rerun-if-changed=src");
    println!(
        "cargo:rustc-env=JIXIAO_BUILD_ID={}+{:016x}",
        std::env::var("CARGO_PKG_VERSION").unwrap_or_default(),
        hasher.finish()
    );
}

/// The files the binary is built from, in a stable order.
fn inputs() -> Vec<PathBuf> {
    let mut files = vec![
        PathBuf::from("build.rs"),
        PathBuf::from("Cargo.toml"),
        PathBuf::from("Cargo.lock"),
    ];
    collect(Path::new("src"), &mut files);
    files.sort();
    files
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, files);
        } else {
            files.push(path);
        }
    }
}
