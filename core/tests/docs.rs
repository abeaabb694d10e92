//! The documents a clone gets are whole: every `docs/*.md` the code and the documents cite exists,
//! and no document names a path of one machine (a home directory, this workplace's checkout).

use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every file of the repository with one of `extensions`, but build output and recordings.
fn files(dir: &Path, extensions: &[&str], into: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable") {
        let path = entry.expect("entry").path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if path.is_dir() {
            if !matches!(name, "target" | ".git" | ".cache" | "testdata") {
                files(&path, extensions, into);
            }
        } else if extensions
            .iter()
            .any(|e| path.extension().is_some_and(|x| x == *e))
        {
            into.push(path);
        }
    }
}

#[test]
fn every_cited_document_exists() {
    let mut sources = Vec::new();
    files(
        &repo(),
        &["rs", "md", "sh", "yml", "yaml", "toml"],
        &mut sources,
    );
    let mut missing = Vec::new();
    for file in &sources {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        let mut rest = text.as_str();
        while let Some(at) = rest.find("docs/") {
            let cited: String = rest[at..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '-' | '_' | '.'))
                .collect();
            rest = &rest[at + 5..];
            let cited = cited.trim_end_matches('.');
            if cited.ends_with(".md") && !repo().join(cited).is_file() {
                missing.push(format!("{} cites {cited}", file.display()));
            }
        }
    }
    assert!(missing.is_empty(), "{missing:#?}");
}

#[test]
fn no_document_names_a_path_of_one_machine() {
    let mut documents = Vec::new();
    files(&repo(), &["md"], &mut documents);
    assert!(documents.len() > 5, "{documents:?}");
    for doc in documents {
        let text = std::fs::read_to_string(&doc).expect("readable");
        for machine in ["/root/", "/home/", "/work/", "/Users/"] {
            assert!(
                !text.contains(machine),
                "{} names a path of one machine ({machine})",
                doc.display()
            );
        }
    }
}
