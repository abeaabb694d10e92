//! `--injector` values: an injector this project ships, by name (`otel`, `istio@1.31`), or a
//! user's own profile, by path (`./my-injector.yaml`). A path is read like every other input
//! (bounded, UTF-8), the manifests its `file:` entries name are read from beside it, and the
//! profile is kept for the rest of the process, so cells, recordings and `verify` name it by its
//! `name:` as they name a shipped one.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use super::errors::ExpectedError;
use super::input::{InputKind, InputLimits, read_text};
use sidecar_e2e_core::error_chain::error_chain;
use sidecar_e2e_core::plan::{BadInjector, InjectorSpec, ProfileId, Profiles, files_beside};

/// One `--injector` value, resolved once the input limits are known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum InjectorArg {
    /// `name` or `name@<major>.<minor>` of a loaded profile.
    Named(String),
    /// A profile file (its default version).
    File(PathBuf),
}

impl FromStr for InjectorArg {
    type Err = String;

    /// A value with a `/` or ending in `.yaml`/`.yml` is a file; anything else a name.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let text = s.trim();
        if text.is_empty() {
            return Err(
                "an empty injector: give a name (builtin, istio, otel) or a profile file".into(),
            );
        }
        let is_file = text.contains('/')
            || text.ends_with(".yaml")
            || text.ends_with(".yml")
            || text.contains(std::path::MAIN_SEPARATOR);
        Ok(if is_file {
            InjectorArg::File(PathBuf::from(text))
        } else {
            InjectorArg::Named(text.to_owned())
        })
    }
}

impl std::fmt::Display for InjectorArg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InjectorArg::Named(name) => f.write_str(name),
            InjectorArg::File(path) => write!(f, "{}", path.display()),
        }
    }
}

/// The injectors `choices` name, profile files loaded first (so `name@version` may name a
/// profile a file in the same list brings).
///
/// # Errors
/// [`ExpectedError::Input`] for a profile that cannot be read, [`ExpectedError::Profile`] for
/// one that is wrong (its file, line and field), [`ExpectedError::BadFlag`] for an unknown name.
pub(super) fn resolve_injectors(
    choices: &[InjectorArg],
    limits: InputLimits,
) -> Result<Vec<InjectorSpec>, ExpectedError> {
    // Files first: a name anywhere in the list may then be one a file brought.
    let from_files = choices
        .iter()
        .map(|choice| match choice {
            InjectorArg::File(path) => {
                load_profile(path, limits).map(|id| Some(InjectorSpec::of_profile(id)))
            }
            InjectorArg::Named(_) => Ok(None),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut injectors = Vec::new();
    for (choice, from_file) in choices.iter().zip(from_files) {
        // A file gave its spec already; a name is parsed now.
        let injector =
            match from_file {
                Some(injector) => injector,
                None => choice.to_string().parse().map_err(|err: BadInjector| {
                    ExpectedError::BadFlag {
                        flag: "--injector",
                        reason: err.to_string(),
                    }
                })?,
            };
        if !injectors.contains(&injector) {
            injectors.push(injector);
        }
    }
    Ok(injectors)
}

/// Loads the profile at `path` and the manifests beside it that it names.
///
/// # Errors
/// As [`resolve_injectors`].
pub(super) fn load_profile(path: &Path, limits: InputLimits) -> Result<ProfileId, ExpectedError> {
    let text = read_text(path, InputKind::Profile, limits).map_err(ExpectedError::Input)?;
    let files = files_beside(path, &text, |file| {
        read_text(file, InputKind::Profile, limits).map_err(|err| error_chain(&err))
    })
    .map_err(ExpectedError::Profile)?;
    Profiles::load(path, &text, files).map_err(ExpectedError::Profile)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_is_a_file_and_a_bare_word_a_name() {
        assert_eq!(
            "otel@0.153".parse(),
            Ok(InjectorArg::Named("otel@0.153".to_owned()))
        );
        assert_eq!(
            "mine.yaml".parse(),
            Ok(InjectorArg::File(PathBuf::from("mine.yaml")))
        );
        assert_eq!(
            "./profiles/mine".parse(),
            Ok(InjectorArg::File(PathBuf::from("./profiles/mine")))
        );
        assert!("  ".parse::<InjectorArg>().is_err());
    }

    #[test]
    fn an_unknown_name_is_a_bad_flag_listing_the_known_ones() {
        let err = resolve_injectors(
            &[InjectorArg::Named("linkerd".to_owned())],
            InputLimits::default(),
        )
        .expect_err("unknown");
        let text = err.to_string();
        assert!(text.contains("linkerd") && text.contains("otel"), "{text}");
        assert_eq!(err.exit_code(), super::super::errors::exit_codes::BAD_INPUT);
    }

    #[test]
    fn a_profile_file_loads_with_the_manifests_beside_it_and_names_its_mistakes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let profile = dir.path().join("mine.yaml");
        let body = "name: cli-test-mine\nsummary: a test\n\
                    sidecar: {container: my-agent, role: agent}\n\
                    layout:\n  native: {injects: native}\n  legacy: {injects: legacy}\n  auto: {injects: follows-gate}\n\
                    install:\n  manifests:\n    manifests: [{file: webhook.yaml}]\n";
        std::fs::write(&profile, body).expect("write");
        let err = load_profile(&profile, InputLimits::default()).expect_err("no webhook.yaml");
        assert!(err.to_string().contains("webhook.yaml"), "{err}");
        std::fs::write(dir.path().join("webhook.yaml"), "kind: List\n").expect("write");
        let id = load_profile(&profile, InputLimits::default()).expect("loads");
        assert_eq!(id.get().sidecar.container, "my-agent");
        assert_eq!(id.get().file("webhook.yaml"), Some("kind: List\n"));
        let injectors = resolve_injectors(
            &[
                InjectorArg::File(profile.clone()),
                InjectorArg::Named("cli-test-mine".to_owned()),
            ],
            InputLimits::default(),
        )
        .expect("the file, then its name");
        assert_eq!(injectors.len(), 1, "the same injector once");

        std::fs::write(&profile, format!("{body}colour: blue\n")).expect("write");
        let err = load_profile(&profile, InputLimits::default()).expect_err("unknown field");
        assert_eq!(err.exit_code(), super::super::errors::exit_codes::BAD_INPUT);
        let text = err.to_string();
        assert!(
            text.contains(&format!(
                "{}:11: not an injector profile: unknown field `colour`",
                profile.display()
            )),
            "{text}"
        );
    }
}
