//! Reading the files a user names (recordings, image maps, kubeconfigs, env files): whole, as
//! UTF-8 text, and never past a limit no real file reaches, so `/dev/zero` or a file of the
//! wrong kind fails fast instead of taking the machine's memory.
//!
//! The limits: 64 MiB for recordings (the largest committed here, a whole Istio cell's scenario
//! with every pod version and log, is 0.46 MiB), 1 MiB for image maps, kubeconfigs and env files
//! (a few KiB each), 4 MiB for injector profiles and the manifests beside them (the OpenTelemetry
//! Operator's whole install, CRDs included, is 0.72 MiB). `--max-input-mib` (or
//! `SIDECAR_E2E_MAX_INPUT_MIB`) sets one limit for every kind instead.

use std::path::Path;

use sidecar_e2e_runner::bounded_read::read_at_most;

/// One mebibyte.
const MIB: u64 = 1024 * 1024;

/// What a file is: its default limit, and the word the messages use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum InputKind {
    /// A recording `verify` judges.
    Recording,
    /// An image map (`--image-map`).
    ImageMap,
    /// The env file `cluster up` wrote.
    EnvFile,
    /// A kubeconfig (`--kubeconfig`).
    Kubeconfig,
    /// An injector profile, or a manifest beside it (`--injector path/to/profile.yaml`).
    Profile,
    /// A scenario file, or the manifest it names (`--scenarios DIR`).
    Scenario,
}

impl InputKind {
    fn default_mib(self) -> u64 {
        match self {
            InputKind::Recording => 64,
            InputKind::ImageMap => 1,
            InputKind::EnvFile | InputKind::Kubeconfig => 1,
            InputKind::Profile | InputKind::Scenario => 4,
        }
    }

    fn plural(self) -> &'static str {
        match self {
            InputKind::Recording => "recordings",
            InputKind::ImageMap => "image maps",
            InputKind::EnvFile => "env files",
            InputKind::Kubeconfig => "kubeconfigs",
            InputKind::Profile => "injector profiles and their manifests",
            InputKind::Scenario => "scenario files and their manifests",
        }
    }
}

/// The size limits of a command's inputs: each kind's default, or `--max-input-mib` for all.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct InputLimits {
    /// `--max-input-mib`, when given.
    max_mib: Option<u64>,
}

impl InputLimits {
    /// The defaults, or `max_mib` for every kind.
    pub(super) fn new(max_mib: Option<u64>) -> Self {
        InputLimits { max_mib }
    }

    fn mib(self, kind: InputKind) -> u64 {
        self.max_mib.unwrap_or(kind.default_mib())
    }
}

/// An input file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// Opening or reading failed (I/O, exit 3).
    #[error("cannot read {path}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file is larger than its limit (bad input, exit 2).
    #[error(
        "{path} is larger than the {limit_mib} MiB limit for {kind} (raise it with \
         --max-input-mib or SIDECAR_E2E_MAX_INPUT_MIB)"
    )]
    TooLarge {
        /// The file.
        path: String,
        /// The limit it passed.
        limit_mib: u64,
        /// What kind of file: `recordings`, `image maps`.
        kind: &'static str,
    },
    /// The file is not UTF-8 text (bad input, exit 2).
    #[error("{path} is not UTF-8 text (byte offset {offset})")]
    NotUtf8 {
        /// The file.
        path: String,
        /// The first byte that is not part of a UTF-8 character.
        offset: usize,
    },
}

impl InputError {
    /// Whether the content is at fault (bad input) rather than the reading (I/O).
    pub(super) fn is_bad_content(&self) -> bool {
        !matches!(self, InputError::Read { .. })
    }
}

/// Reads `path` as UTF-8 text of at most `limits`' bytes for `kind`.
///
/// At most the limit plus one byte is read, and the buffer never grows past that, whatever the
/// file claims or streams (`/dev/zero`, a FIFO).
///
/// # Errors
/// [`InputError`]: the file cannot be read, is larger than the limit, or is not UTF-8.
pub(super) fn read_text(
    path: &Path,
    kind: InputKind,
    limits: InputLimits,
) -> Result<String, InputError> {
    let label = path.display().to_string();
    let limit_mib = limits.mib(kind);
    let limit = limit_mib.saturating_mul(MIB);
    let io = |source| InputError::Read {
        path: label.clone(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    // A regular file says its size: allocate once. Devices and pipes say 0 and grow the buffer.
    let hint = file.metadata().map(|m| m.len()).unwrap_or(0);
    let bytes = read_at_most(file, limit, hint).map_err(io)?;
    if bytes.len() as u64 > limit {
        return Err(InputError::TooLarge {
            path: label,
            limit_mib,
            kind: kind.plural(),
        });
    }
    String::from_utf8(bytes).map_err(|err| InputError::NotUtf8 {
        path: label,
        offset: err.utf8_error().valid_up_to(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn too_large_and_not_utf8_are_bad_content_naming_the_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let big = dir.path().join("big.yaml");
        std::fs::write(&big, vec![b' '; (MIB + 1) as usize]).expect("written");
        let err =
            read_text(&big, InputKind::ImageMap, InputLimits::default()).expect_err("past 1 MiB");
        assert!(err.is_bad_content());
        assert_eq!(
            err.to_string(),
            format!(
                "{} is larger than the 1 MiB limit for image maps (raise it with \
                 --max-input-mib or SIDECAR_E2E_MAX_INPUT_MIB)",
                big.display()
            )
        );
        let raised = read_text(&big, InputKind::ImageMap, InputLimits::new(Some(2)));
        assert_eq!(raised.expect("within 2 MiB").len(), (MIB + 1) as usize);

        let latin1 = dir.path().join("latin1.yaml");
        std::fs::write(&latin1, b"k: caf\xe9\n").expect("written");
        let err =
            read_text(&latin1, InputKind::ImageMap, InputLimits::default()).expect_err("not UTF-8");
        assert!(err.is_bad_content());
        assert!(
            err.to_string()
                .ends_with("is not UTF-8 text (byte offset 6)"),
            "{err}"
        );

        let err = read_text(
            &dir.path().join("missing"),
            InputKind::Recording,
            InputLimits::default(),
        )
        .expect_err("missing");
        assert!(!err.is_bad_content(), "a file that cannot be read is I/O");
    }
}
