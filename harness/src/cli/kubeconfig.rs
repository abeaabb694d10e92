//! `--kubeconfig`, checked before anything starts: read like every input, and holding a context
//! a run can use.

use super::errors::ExpectedError;
use super::input::{InputKind, InputLimits, read_text};
use sidecar_e2e_runner::cluster::ClusterAccess;

/// Reads `access`'s kubeconfig (bounded, as every input) and checks it names a context a run can
/// use, with no connection: a bad `--kubeconfig` is refused in one line before anything starts.
///
/// # Errors
/// [`ExpectedError::Kubeconfig`], bad input whatever the cause: the flag is what is wrong.
pub(super) fn check_kubeconfig(
    access: &ClusterAccess,
    limits: InputLimits,
) -> Result<(), ExpectedError> {
    let fail =
        |source: Box<dyn std::error::Error + Send + Sync>| ExpectedError::Kubeconfig { source };
    let text = read_text(&access.kubeconfig, InputKind::Kubeconfig, limits)
        .map_err(|err| fail(Box::new(err)))?;
    access.check(&text).map_err(|err| fail(Box::new(err)))
}
