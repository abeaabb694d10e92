//! The scenarios: each is one file here with its manifest beside it (`<name>.rs`, `<name>.yaml`),
//! holding everything about it: what it runs, what it expects per version × gate × mode, the
//! checks a recording must pass and when the recorder has seen enough. The [`registry!`] below is
//! the one list of them: the enum, [`Scenario::ALL`], `run --scenario`'s values, the plan's
//! columns and the suites' cases all come from it, so a scenario added there cannot be forgotten
//! anywhere else. The checklist for adding one is in `harness/ARCHITECTURE.md`.

mod check;
mod end;
mod expectation;
pub mod file;
mod known_bug;
mod target;
mod traffic;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::plan::InjectorSpec;
use crate::pod::PodRoles;
use file::{FileScenario, FileScenarioId, ScenarioFiles};

pub use check::{Check, ProxyPlace};
pub use end::{EndCondition, Progress};
pub use expectation::{ScenarioExpectation, proxied_checks, proxy_expectation};
pub use file::{SCENARIO_FILE_SUFFIX, ScenarioFileError};
pub use known_bug::{KnownBug, Patch};
pub use known_bug::{PatchRange, PendingFix};
pub use restart_all_containers::RulesAnswer;
pub use target::{Target, patch_of_image, proxy_name};
pub use traffic::{marker, needs_upstream, render_workload, send_function};

/// Everything the harness knows about one scenario. Each scenario file defines one `DEF`.
#[derive(Debug)]
pub struct ScenarioDef {
    /// The name used in flags, reports, namespaces and the pods' `app` label.
    pub name: &'static str,
    /// One line for `--help` and the docs.
    pub summary: &'static str,
    /// What to look for in its figure of `timeline.html`.
    pub caption: &'static str,
    /// The workload's manifest (`<name>.yaml` beside the scenario's file), embedded.
    pub manifest: &'static str,
    /// Whether its namespace is labelled for injection: the four proxy scenarios are; the
    /// known-bug scenarios write their sidecars themselves, so the kubelet's behaviour is seen
    /// without a proxy in the way.
    pub injected: bool,
    /// What it does to the node beyond running pods: whether it can share the node with the
    /// cell's other scenarios. Every definition must say (there is no default), so one that acts
    /// on the node cannot be added without the runner knowing.
    pub node: NodeUse,
    /// What it should show on a target, or `None` where it does not run (with why, for the
    /// plan's note).
    pub expectation: fn(&Target) -> Result<ScenarioExpectation, &'static str>,
    /// The checks a recording must pass, from the expectation.
    pub checks: fn(&ScenarioExpectation, &Target) -> Vec<Check>,
    /// When the recorder has seen enough; `None`: the scenario has no rule yet for what it sees.
    pub end: fn(&Progress<'_>) -> Option<EndCondition>,
    /// Its column in `plan`'s table, if it has one.
    pub plan_column: Option<PlanColumn>,
}

/// What a scenario does to the node it runs on, beyond running pods.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeUse {
    /// It only runs pods: it shares the node with the cell's other scenarios, all at once.
    Shared,
    /// It acts on the node itself, which disturbs every scenario beside it (a kubelet restart
    /// makes the others' log reads fail): the runner runs it after the cell's other scenarios,
    /// one at a time, and only it gets a shell on the node.
    Alone {
        /// What it does to the node, for the plan and the progress lines.
        acts: &'static str,
    },
}

impl NodeUse {
    /// Whether the scenario needs the node to itself.
    pub fn is_alone(self) -> bool {
        matches!(self, NodeUse::Alone { .. })
    }
}

/// A yes/no column of `plan`'s table.
#[derive(Debug)]
pub struct PlanColumn {
    /// The header.
    pub header: &'static str,
    /// The cell's value: yes, no, or not asserted.
    pub value: fn(&ScenarioExpectation) -> Option<bool>,
}

/// Declares every scenario once: `Variant = "name" => module`. The module's file is
/// `<module>.rs`; the name is what flags, recordings and reports say, and its `DEF` must carry it
/// (a unit test holds each to it).
macro_rules! registry {
    ($($variant:ident = $name:literal => $module:ident),+ $(,)?) => {
        $(mod $module;)+

        /// A scenario (see the module docs): a built-in one, or one loaded from a file.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Scenario {
            $(
                #[doc = concat!("`", $name, "`: see `scenario/", stringify!($module), ".rs`.")]
                $variant,
            )+
            /// A scenario file this process loaded ([`ScenarioFiles`]).
            File(FileScenarioId),
        }

        impl Scenario {
            /// Every built-in scenario, in report order.
            pub const ALL: [Scenario; [$(stringify!($variant)),+].len()] =
                [$(Scenario::$variant),+];

            /// Its definition: a built-in one's, or the file's.
            fn source(self) -> Source {
                match self {
                    $(Scenario::$variant => Source::BuiltIn(&$module::DEF),)+
                    Scenario::File(id) => Source::File(ScenarioFiles::get(id)),
                }
            }
        }
    };
}

registry! {
    Sleep = "sleep" => sleep,
    InitTraffic = "init-traffic" => init_traffic,
    Job = "job" => job,
    ShutdownTraffic = "shutdown-traffic" => shutdown_traffic,
    TwoSidecarsTermination = "two-sidecars-termination" => two_sidecars_termination,
    FlakyStartupProbe = "flaky-startup-probe" => flaky_startup_probe,
    DeleteBeforeSidecarStarted = "delete-before-sidecar-started" => delete_before_sidecar_started,
    SidecarCrashRestart = "sidecar-crash-restart" => sidecar_crash_restart,
    JobSidecarExit143 = "job-sidecar-exit-143" => job_sidecar_exit_143,
    KubeletRestart = "kubelet-restart" => kubelet_restart,
    StartedAfterLiveness = "started-after-liveness" => started_after_liveness,
    ReadinessAtShutdown = "readiness-at-shutdown" => readiness_at_shutdown,
    HostportConflict = "hostport-conflict" => hostport_conflict,
    NamedPortOnSidecar = "named-port-on-sidecar" => named_port_on_sidecar,
    EphemeralStorageSidecar = "ephemeral-storage-sidecar" => ephemeral_storage_sidecar,
    RestartAllContainers = "restart-all-containers" => restart_all_containers,
    RebootInitOrder = "reboot-init-order" => reboot_init_order,
}

/// Where a scenario's definition comes from.
#[derive(Clone, Copy)]
enum Source {
    BuiltIn(&'static ScenarioDef),
    File(&'static FileScenario),
}

impl Scenario {
    /// The name used in flags, reports and file names.
    pub fn name(self) -> &'static str {
        match self.source() {
            Source::BuiltIn(def) => def.name,
            Source::File(file) => file.name,
        }
    }

    /// One line for `--help`, the plan and the docs.
    pub fn summary(self) -> &'static str {
        match self.source() {
            Source::BuiltIn(def) => def.summary,
            Source::File(file) => file.summary,
        }
    }

    /// What to look for in its figure of `timeline.html`.
    pub fn caption(self) -> &'static str {
        match self.source() {
            Source::BuiltIn(def) => def.caption,
            Source::File(file) => file.caption,
        }
    }

    /// The workload's manifest, embedded at build time or read from its file.
    pub fn manifest(self) -> &'static str {
        match self.source() {
            Source::BuiltIn(def) => def.manifest,
            Source::File(file) => file.manifest,
        }
    }

    /// Where the manifest lives, for messages.
    pub fn manifest_path(self) -> String {
        match self.source() {
            Source::BuiltIn(def) => format!("core/src/scenario/{}.yaml", def.name),
            Source::File(file) => file.manifest_source.clone(),
        }
    }

    /// The scenario file it was loaded from; `None` for a built-in one.
    pub fn file(self) -> Option<&'static FileScenario> {
        match self.source() {
            Source::BuiltIn(_) => None,
            Source::File(file) => Some(file),
        }
    }

    /// Whether its namespace gets the injection label.
    pub fn injected(self) -> bool {
        match self.source() {
            Source::BuiltIn(def) => def.injected,
            Source::File(file) => file.injected,
        }
    }

    /// What it does to the node (a scenario file only runs pods).
    pub fn node(self) -> NodeUse {
        match self.source() {
            Source::BuiltIn(def) => def.node,
            Source::File(_) => NodeUse::Shared,
        }
    }

    /// Its column in `plan`'s table, if it has one.
    pub fn plan_column(self) -> Option<&'static PlanColumn> {
        match self.source() {
            Source::BuiltIn(def) => def.plan_column.as_ref(),
            Source::File(_) => None,
        }
    }

    /// Which containers of its pods are sidecars, with `injector` installed.
    pub fn roles(self, injector: InjectorSpec) -> PodRoles {
        match self.source() {
            Source::BuiltIn(_) => PodRoles::proxy(proxy_name(injector)),
            Source::File(file) => file.roles(injector),
        }
    }

    /// What it should show on `target`, or why it does not run there.
    ///
    /// # Errors
    /// The reason it does not run on `target` (e.g. it needs native sidecars and the gate is off).
    pub fn expectation(self, target: &Target) -> Result<ScenarioExpectation, &'static str> {
        match self.source() {
            Source::BuiltIn(def) => (def.expectation)(target),
            Source::File(file) => file.expectation(target),
        }
    }

    /// The checks a recording of it on `target` must pass (none where it does not run).
    pub fn checks(self, target: &Target) -> Vec<Check> {
        let Ok(expected) = self.expectation(target) else {
            return Vec::new();
        };
        let mut checks = match self.source() {
            Source::BuiltIn(def) => (def.checks)(&expected, target),
            Source::File(file) => file.checks(target),
        };
        // Every Istio proxy the scenario runs must take istiod's config; one that refuses it
        // is never ready, and every other check would fail for a reason they cannot name.
        if expected.pod_created && self.runs_istio_proxy(target.injector) {
            checks.push(Check::ProxyConfigAccepted);
        }
        checks
    }

    /// Whether this scenario's pods get Istio's proxy from `injector`: in Istio cells, the
    /// scenarios an injector adds its proxy to. The recorder then asks istiod what the proxies
    /// refused, and the judge holds the recording to it.
    pub fn runs_istio_proxy(self, injector: InjectorSpec) -> bool {
        self.injected()
            && injector
                .profile()
                .checks
                .contains(&crate::plan::NamedCheck::ProxyConfigAccepted)
    }

    /// What the recorder does next, given what it has seen.
    pub fn end_condition(self, progress: &Progress<'_>) -> EndCondition {
        let own = match self.source() {
            Source::BuiltIn(def) => (def.end)(progress),
            Source::File(file) => file.next(progress),
        };
        end::end_condition(own, progress)
    }

    /// The turns a cell runs `scenarios` in: first every one that shares the node, all at
    /// once; then each that needs the node alone ([`NodeUse::Alone`]), one per turn, in
    /// registry order. Empty turns are left out.
    pub fn node_turns(scenarios: &[Scenario]) -> Vec<Vec<Scenario>> {
        let (alone, shared): (Vec<Scenario>, Vec<Scenario>) =
            scenarios.iter().copied().partition(|s| s.node().is_alone());
        let mut turns = Vec::new();
        if !shared.is_empty() {
            turns.push(shared);
        }
        turns.extend(alone.into_iter().map(|s| vec![s]));
        turns
    }

    /// Every scenario this process knows: the built-in ones (but those a loaded file of the same
    /// name replaces), then the loaded files.
    pub fn every() -> Vec<Scenario> {
        let mut all: Vec<Scenario> = Scenario::ALL
            .into_iter()
            .filter(|s| ScenarioFiles::named(s.name()).is_none())
            .collect();
        all.extend(ScenarioFiles::all());
        all
    }

    /// The built-in scenario a loaded file of the same name replaces, if this is such a file.
    pub fn replaces(self) -> Option<Scenario> {
        self.file()?;
        Scenario::ALL.into_iter().find(|s| s.name() == self.name())
    }

    /// Every scenario's name, for help texts and errors.
    pub fn names() -> String {
        Scenario::every()
            .into_iter()
            .map(Scenario::name)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The upstream every proxy scenario calls (`httpbin.yaml` here).
pub const HTTPBIN_MANIFEST: &str = include_str!("httpbin.yaml");

impl fmt::Display for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A scenario name that does not exist.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("unknown scenario {given:?}: expected one of {expected}")]
pub struct BadScenario {
    /// What was given.
    pub given: String,
    /// The names that exist.
    pub expected: String,
}

impl FromStr for Scenario {
    type Err = BadScenario;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        // A loaded file first: one named as a built-in replaces it.
        ScenarioFiles::named(s.trim())
            .or_else(|| {
                Scenario::ALL
                    .into_iter()
                    .find(|scenario| scenario.name() == s.trim())
            })
            .ok_or_else(|| BadScenario {
                given: s.to_owned(),
                expected: Scenario::names(),
            })
    }
}

/// A scenario is stored by its name (recordings, plans, reports).
impl Serialize for Scenario {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

/// A stored name is a built-in scenario or a loaded file's; a recording of a scenario file is
/// read after its file is loaded (`--scenarios DIR`).
impl<'de> Deserialize<'de> for Scenario {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        name.parse().map_err(|err: BadScenario| {
            serde::de::Error::custom(format!(
                "{err} (a scenario from a file is known once its file is loaded: --scenarios DIR)"
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The registry's names and the serde names (what recordings store) must agree, or a
    /// recording would name a scenario the flags cannot.
    #[test]
    fn every_definition_carries_its_variants_name() {
        for scenario in Scenario::ALL {
            let serde_name = serde_json::to_value(scenario).expect("serialises");
            assert_eq!(serde_name, scenario.name(), "{scenario:?}");
            assert_eq!(scenario.name().parse::<Scenario>(), Ok(scenario));
        }
    }

    #[test]
    fn names_are_unique_and_manifests_label_their_pods() {
        let mut names: Vec<&str> = Scenario::ALL.map(Scenario::name).to_vec();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Scenario::ALL.len());
        for scenario in Scenario::ALL {
            let label = format!("app: {}", scenario.name());
            assert!(
                scenario.manifest().contains(&label),
                "{scenario}: its pods must carry `{label}`"
            );
        }
    }

    #[test]
    fn a_scenario_that_acts_on_the_node_runs_alone_after_the_others() {
        assert!(Scenario::KubeletRestart.node().is_alone());
        let turns = Scenario::node_turns(&Scenario::ALL);
        let alone: Vec<Scenario> = Scenario::ALL
            .into_iter()
            .filter(|s| s.node().is_alone())
            .collect();
        assert_eq!(turns.len(), 1 + alone.len(), "{turns:?}");
        assert!(turns[0].iter().all(|s| !s.node().is_alone()));
        for (turn, scenario) in turns[1..].iter().zip(alone) {
            assert_eq!(turn, &vec![scenario]);
        }
        assert_eq!(
            Scenario::node_turns(&[Scenario::KubeletRestart, Scenario::Sleep]),
            vec![vec![Scenario::Sleep], vec![Scenario::KubeletRestart]]
        );
        assert!(Scenario::node_turns(&[]).is_empty());
    }

    #[test]
    fn an_unknown_name_lists_the_known_ones() {
        let err = "nope".parse::<Scenario>().expect_err("unknown");
        assert!(err.to_string().contains("sleep, init-traffic"), "{err}");
    }
}
