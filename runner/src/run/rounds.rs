//! The runner's entry: a run of the matrix, `repeat` rounds of it (fresh clusters, run id and
//! directory each), that a signal may interrupt. On a signal, everything the round created is
//! removed before it returns.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;

use futures::FutureExt;

use super::{
    CellOutcome, Created, Progress, ProgressEvent, Provider, RunConfig, new_run_id, run_all,
};

/// One round's outcome: its artifacts directory and every cell's outcome, in plan order.
#[derive(Debug, Clone)]
pub struct Round {
    /// Where its recordings and reports go.
    pub dir: PathBuf,
    /// Its cells.
    pub outcomes: Vec<CellOutcome>,
}

/// A signal stopped the run; what could not be removed is listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interrupted {
    /// `SIGINT` or `SIGTERM`.
    pub signal: &'static str,
    /// What the run created and could not remove.
    pub left: Vec<String>,
}

/// `config` run `repeat` times. With one round, its run id and directory are `config`'s own;
/// with more, each round gets a new run id and `<artifacts>/run-<i>/`.
#[derive(Debug, Clone)]
pub struct Rounds {
    config: RunConfig,
    repeat: usize,
}

impl Rounds {
    /// `config`, run `repeat` times (at least once).
    pub fn new(config: RunConfig, repeat: usize) -> Self {
        Rounds {
            config,
            repeat: repeat.max(1),
        }
    }

    /// Runs every round unless `signal` resolves first; then removes what the current round
    /// created and says what could not be.
    ///
    /// # Errors
    /// [`Interrupted`] when the signal came.
    pub async fn run(
        &self,
        signal: impl Future<Output = &'static str>,
        progress: &Progress,
    ) -> Result<Vec<Round>, Interrupted> {
        let mut signal = std::pin::pin!(signal);
        let mut rounds = Vec::new();
        for round in 1..=self.repeat {
            let config = self.round_config(round);
            progress(ProgressEvent::RoundStarted {
                run_id: config.run_id.clone(),
                round,
                of: self.repeat,
                cells: config.cells.len(),
                scenarios: config.scenarios.len(),
                parallel: config.parallel,
                dir: config.artifacts.clone(),
            });
            let created = Created::default();
            // A signal that has come wins over work that is ready too: stopping is never late.
            tokio::select! {
                biased;
                signal = &mut signal => {
                    progress(ProgressEvent::Stopping {
                        signal,
                        removing: created.describe(),
                    });
                    let left = created.remove_all(config.provider.kind()).await;
                    return Err(Interrupted { signal, left });
                }
                outcomes = removing_on_panic(
                    run_all(&config, &created, progress),
                    &created,
                    &config.provider,
                    progress,
                ) => rounds.push(Round {
                    dir: config.artifacts.clone(),
                    outcomes,
                }),
            }
        }
        Ok(rounds)
    }

    /// Round `round`'s configuration: its own run id (cluster names, labels) and directory.
    fn round_config(&self, round: usize) -> RunConfig {
        if self.repeat == 1 {
            return self.config.clone();
        }
        RunConfig {
            run_id: new_run_id(k8s_openapi::jiff::Timestamp::now(), std::process::id()),
            artifacts: self.config.artifacts.join(format!("run-{round}")),
            ..self.config.clone()
        }
    }
}

/// `work`'s output; if it panics (a bug of the harness), what the round created is removed
/// first, so its clusters do not outlive it, and then the panic goes on (exit 101, with its
/// message and backtrace).
async fn removing_on_panic<T>(
    work: impl Future<Output = T>,
    created: &Created,
    provider: &Provider,
    progress: &Progress,
) -> T {
    match AssertUnwindSafe(work).catch_unwind().await {
        Ok(output) => output,
        Err(panic) => {
            progress(ProgressEvent::Stopping {
                signal: "a panic of the harness",
                removing: created.describe(),
            });
            created.remove_all(provider.kind()).await;
            std::panic::resume_unwind(panic)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::ClusterAccess;
    use sidecar_e2e_core::plan::ImageTable;

    fn config() -> RunConfig {
        RunConfig::new(
            "261206120000-abcd",
            Vec::new(),
            ImageTable::upstream([]),
            Provider::Existing(ClusterAccess {
                kubeconfig: "/nowhere".into(),
                context: None,
            }),
            "target/sidecar-e2e/x".into(),
        )
    }

    #[test]
    fn one_round_keeps_the_run_id_and_several_get_their_own() {
        let one = Rounds::new(config(), 1);
        assert_eq!(one.round_config(1).run_id, "261206120000-abcd");
        assert_eq!(
            one.round_config(1).artifacts,
            PathBuf::from("target/sidecar-e2e/x")
        );
        let three = Rounds::new(config(), 3);
        let second = three.round_config(2);
        assert_ne!(second.run_id, "261206120000-abcd");
        assert_eq!(
            second.artifacts,
            PathBuf::from("target/sidecar-e2e/x/run-2")
        );
        assert_eq!(Rounds::new(config(), 0).repeat, 1);
    }

    #[tokio::test]
    async fn a_panic_removes_what_the_round_created_and_goes_on() {
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = seen.clone();
        let progress: Progress = std::sync::Arc::new(move |event| {
            if let ProgressEvent::Stopping { signal, removing } = event {
                log.lock().expect("lock").push((signal, removing));
            }
        });
        let created = Created::default();
        created.kind_cluster("se2e-x-1-32-on-builtin-auto");
        let provider = config().provider;
        let work = async {
            tokio::task::yield_now().await;
            panic!("planted");
        };
        let outcome = AssertUnwindSafe(removing_on_panic::<()>(
            work, &created, &provider, &progress,
        ))
        .catch_unwind()
        .await;
        let panic = outcome.expect_err("the panic goes on");
        assert_eq!(panic.downcast_ref::<&str>(), Some(&"planted"));
        assert_eq!(
            *seen.lock().expect("lock"),
            vec![(
                "a panic of the harness",
                vec!["kind cluster se2e-x-1-32-on-builtin-auto".to_owned()]
            )]
        );
        // Work that does not panic is passed through, and nothing is removed.
        let created = Created::default();
        created.kind_cluster("kept");
        assert_eq!(
            removing_on_panic(async { 7 }, &created, &provider, &progress).await,
            7
        );
        assert_eq!(created.describe().len(), 1);
    }

    #[tokio::test]
    async fn a_signal_before_anything_is_created_removes_nothing() {
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = seen.clone();
        let progress: Progress = std::sync::Arc::new(move |event| {
            if let ProgressEvent::Stopping { signal, removing } = event {
                log.lock().expect("lock").push((signal, removing));
            }
        });
        // The interrupted round writes its artifacts: keep them out of the source tree.
        let dir = tempfile::tempdir().expect("tempdir");
        let mut config = config();
        config.artifacts = dir.path().join("x");
        // A cell that never finishes: no valid cluster to reach.
        config.cells = sidecar_e2e_core::plan::PlanRequest {
            k8s: vec![sidecar_e2e_core::plan::K8sVersion::new(32)],
            gates: vec![sidecar_e2e_core::plan::Gate::On],
            injectors: vec![sidecar_e2e_core::plan::InjectorSpec::builtin()],
            modes: vec![sidecar_e2e_core::plan::RequestedMode::Auto],
            workers: Vec::new(),
        }
        .resolve()
        .expect("plans")
        .cells;
        let err = Rounds::new(config, 2)
            .run(std::future::ready("SIGINT"), &progress)
            .await
            .expect_err("interrupted");
        assert_eq!(err.signal, "SIGINT");
        assert!(err.left.is_empty(), "{:?}", err.left);
        assert_eq!(seen.lock().expect("lock").len(), 1);
    }
}
