//! The plan: which cells (Kubernetes version × gate × injector × mode) run, whether each can, on
//! and on which node image. Pure data; every rule cites
//! docs/sidecar-semantics.md. The node-image table lives here: later stages read resolved plans.

mod build;
mod cell;
mod cluster_spec;
mod groups;
mod images;
mod injector;
mod k8s;
mod minors;
mod profile;
mod profile_rules;

pub use build::{Plan, PlanError, PlanRequest, PlannedCell, plan_cell};
pub use cell::{Cell, EffectiveMode, Resolution};
pub use cluster_spec::{ClusterSpec, ClusterSpecError, WorkerNode, cluster_spec};
pub use groups::{CellGroup, group_cells, longest_first, same_cluster_groups};
pub use images::{
    BuiltInjector, ImageMap, ImageMapError, ImageTable, IstioImages, ToolBinary, UPSTREAM_ENVOY,
    UnknownImageVariable, WorkloadImages, WorkloadOverrides,
};
pub use injector::{
    BadInjector, BadMode, InjectorChoice, InjectorSpec, RequestedMode, injector_choice,
};
pub use k8s::{BadGate, BadVersion, Gate, GateEffect, GateSupport, K8sVersion, gate_effect};
pub use minors::{
    GateState, KubeletFacts, Minor, Minors, OFFLINE_NODE_IMAGE_REPO, OfflinePins, PrinterFacts,
    Stage, TableError, Upstream,
};
pub use profile::{
    AutoRule, Certificate, ImageKey, InitTraffic, InjectorProfile, InjectorVersion, Injects,
    Install, IstioctlInstall, Layout, LegacyQuirks, ManifestInstall, ManifestSource, ModeRule,
    NO_TRAFFIC, NamedCheck, OptIn, Placement, ProfileError, ProfileId, Profiles, Proof,
    ShutdownTraffic, Sidecar, SidecarRole, Traffic, VersionRules, Workload, files_beside,
};
pub use profile_rules::rule_lines;
