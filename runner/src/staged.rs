//! Files written whole or not at all. Each output is written to a temporary file in its
//! destination's directory and renamed into place only when every output of the set has been
//! written, so a report that fails (or a run that is killed) leaves every file, new or old, as it
//! was: never a half-written one. `verify`'s and `run`'s reports, and `run`'s recordings, are
//! written through it.
//!
//! A destination that exists and is not a regular file (`/dev/null`, `/dev/stdout`, a FIFO) is
//! written in place: it has no old content to keep, and renaming over a device would replace it.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

/// An output could not be written.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {path}")]
pub struct StageError {
    /// The file, as given.
    pub path: String,
    /// Why.
    #[source]
    pub source: std::io::Error,
}

/// One output of a set.
#[derive(Debug)]
enum Output {
    /// A regular file, new or replaced: its temporary file and where it goes.
    Staged {
        temp: NamedTempFile,
        dest: PathBuf,
        label: String,
    },
    /// A device or pipe, written in place.
    InPlace,
}

/// A set of outputs that land together: [`Staged::create`] each, write them, then
/// [`Staged::commit`]. Dropped without a commit, it removes its temporary files and changes
/// nothing.
#[derive(Debug, Default)]
pub struct Staged {
    outputs: Vec<Output>,
}

impl Staged {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// A writer for `path`: a temporary file beside it (the same directory, so the rename at
    /// [`Staged::commit`] cannot cross file systems), with the old file's permissions if it has
    /// one. The directory must exist.
    ///
    /// # Errors
    /// [`StageError`] when `path` is a directory or its temporary file cannot be created.
    pub fn create(&mut self, path: &Path) -> Result<BufWriter<File>, StageError> {
        let label = path.display().to_string();
        let fail = |source| StageError {
            path: label.clone(),
            source,
        };
        let dest = resolved(path);
        let existing = std::fs::metadata(&dest).ok();
        if let Some(meta) = &existing {
            if meta.is_dir() {
                return Err(fail(std::io::Error::new(
                    std::io::ErrorKind::IsADirectory,
                    "it is a directory",
                )));
            }
            if !meta.is_file() {
                let file = std::fs::OpenOptions::new()
                    .write(true)
                    .open(path)
                    .map_err(fail)?;
                self.outputs.push(Output::InPlace);
                return Ok(BufWriter::new(file));
            }
        }
        let dir = match dest.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        let name = dest
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        // Created as `File::create` creates (0666 less the umask), not tempfile's private 0600:
        // the file is a report others read. A replaced file keeps its own permissions.
        let temp = tempfile::Builder::new()
            .prefix(&format!(".{name}."))
            .suffix(".tmp")
            .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666))
            .tempfile_in(dir)
            .map_err(|err| fail(without_temporary_name(err)))?;
        if let Some(meta) = &existing {
            std::fs::set_permissions(temp.path(), meta.permissions()).map_err(fail)?;
        }
        let writer = temp.as_file().try_clone().map_err(fail)?;
        self.outputs.push(Output::Staged { temp, dest, label });
        Ok(BufWriter::new(writer))
    }

    /// Puts every output in place: each temporary file synced, then renamed over its
    /// destination. Call it once every writer has been flushed and dropped.
    ///
    /// # Errors
    /// [`StageError`] for the first output that cannot be put in place.
    ///
    /// # Caveats
    /// Renames within a directory the temporary file was created in fail only in rare cases (the
    /// directory's permissions changed meanwhile, a full disk on sync); when one does, the
    /// outputs renamed before it stay in place and those after it are removed.
    pub fn commit(self) -> Result<(), StageError> {
        let mut staged = Vec::new();
        for output in self.outputs {
            if let Output::Staged { temp, dest, label } = output {
                temp.as_file().sync_all().map_err(|source| StageError {
                    path: label.clone(),
                    source,
                })?;
                staged.push((temp, dest, label));
            }
        }
        for (temp, dest, label) in staged {
            temp.persist(&dest).map_err(|err| StageError {
                path: label,
                source: err.error,
            })?;
        }
        Ok(())
    }
}

/// tempfile's error names the temporary file (`… at path "/dir/.x.a1b2.tmp"`); the user named the
/// destination, which the error already carries.
fn without_temporary_name(err: std::io::Error) -> std::io::Error {
    let text = err.to_string();
    match text.split_once(" at path ") {
        Some((cause, _)) => std::io::Error::new(err.kind(), cause.to_owned()),
        None => err,
    }
}

/// Writes `bytes` to `path` whole or not at all (a set of one).
///
/// # Errors
/// [`StageError`].
pub fn write_whole(path: &Path, bytes: &[u8]) -> Result<(), StageError> {
    let mut staged = Staged::new();
    let mut writer = staged.create(path)?;
    writer
        .write_all(bytes)
        .and_then(|()| writer.flush())
        .map_err(|source| StageError {
            path: path.display().to_string(),
            source,
        })?;
    drop(writer);
    staged.commit()
}

/// Where `path` really is: symlinks followed and made absolute when it exists; else its
/// directory's real path and its name. Two paths that resolve alike are one file.
pub fn resolved(path: &Path) -> PathBuf {
    if let Ok(real) = std::fs::canonicalize(path) {
        return real;
    }
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
    match (absolute.parent(), absolute.file_name()) {
        (Some(dir), Some(name)) => std::fs::canonicalize(dir)
            .map(|dir| dir.join(name))
            .unwrap_or(absolute),
        _ => absolute,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .expect("listed")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn nothing_lands_until_the_commit_and_nothing_at_all_without_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        let old = dir.path().join("old.json");
        std::fs::write(&old, "old\n").expect("written");
        let mut staged = Staged::new();
        let mut a = staged.create(&old).expect("staged");
        let mut b = staged.create(&dir.path().join("new.md")).expect("staged");
        a.write_all(b"new\n").expect("written");
        b.write_all(b"# new\n").expect("written");
        drop((a, b));
        assert_eq!(std::fs::read_to_string(&old).expect("read"), "old\n");
        assert!(!dir.path().join("new.md").exists());
        // A failure now (another output cannot be created) drops the set: nothing changes.
        let err = staged
            .create(Path::new("/proc/x"))
            .expect_err("not writable");
        assert_eq!(
            sidecar_e2e_core::error_chain::error_chain(&err),
            "cannot write /proc/x: No such file or directory (os error 2)"
        );
        drop(staged);
        assert_eq!(names(dir.path()), ["old.json"], "temporary files removed");
        assert_eq!(std::fs::read_to_string(&old).expect("read"), "old\n");
    }

    #[test]
    fn a_commit_puts_every_output_in_place_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("a.txt"), "old").expect("written");
        let mut staged = Staged::new();
        for name in ["a.txt", "b.txt"] {
            let mut writer = staged.create(&dir.path().join(name)).expect("staged");
            writer.write_all(name.as_bytes()).expect("written");
        }
        staged.commit().expect("committed");
        assert_eq!(names(dir.path()), ["a.txt", "b.txt"]);
        assert_eq!(
            std::fs::read_to_string(dir.path().join("a.txt")).expect("read"),
            "a.txt"
        );
    }

    #[test]
    fn writes_through_a_symlink_and_into_a_device_in_place() {
        let dir = tempfile::tempdir().expect("temp dir");
        let real = dir.path().join("real.txt");
        std::fs::write(&real, "old").expect("written");
        let link = dir.path().join("link.txt");
        std::os::unix::fs::symlink(&real, &link).expect("symlink");
        write_whole(&link, b"new").expect("written");
        assert!(
            std::fs::symlink_metadata(&link)
                .expect("still there")
                .file_type()
                .is_symlink(),
            "the link is kept"
        );
        assert_eq!(std::fs::read_to_string(&real).expect("read"), "new");
        assert_eq!(resolved(&link), resolved(&real));
        write_whole(Path::new("/dev/null"), b"gone").expect("written in place");
        assert!(
            !std::fs::metadata("/dev/null").expect("there").is_file(),
            "/dev/null is still a device"
        );
    }

    #[test]
    fn a_directory_is_not_an_output() {
        let dir = tempfile::tempdir().expect("temp dir");
        let err = write_whole(dir.path(), b"x").expect_err("a directory");
        assert!(
            sidecar_e2e_core::error_chain::error_chain(&err).ends_with("it is a directory"),
            "{err}"
        );
    }

    #[test]
    fn paths_that_name_one_file_resolve_alike() {
        let dir = tempfile::tempdir().expect("temp dir");
        let base = resolved(dir.path());
        std::fs::create_dir(dir.path().join("sub")).expect("made");
        assert_eq!(
            resolved(&dir.path().join("sub/../x.json")),
            resolved(&dir.path().join("x.json")),
            "not there yet"
        );
        assert_eq!(resolved(&dir.path().join("x.json")), base.join("x.json"));
    }
}
