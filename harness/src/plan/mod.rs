//! The plan: which cells (Kubernetes version × gate × injector × mode) run, whether each can, and
//! what each should show. Pure data; every rule cites docs/sidecar-semantics.md.

mod build;
mod cell;
mod images;
mod injector;
mod k8s;
mod outcome;

pub use build::{Plan, PlanError, PlanRequest, PlannedCell};
pub use cell::{Cell, EffectiveMode, Resolution};
pub use images::{
    ImageMap, ImageMapError, ImageTable, ToolBinary, UnknownImageVariable, WorkloadImages,
    WorkloadOverrides,
};
pub use injector::{
    BadInjector, BadMode, InjectorChoice, InjectorSpec, ModeRequest, injector_choice,
};
pub use k8s::{BadGate, BadVersion, Gate, GateOutcome, GateSupport, K8sVersion, gate_outcome};
pub use outcome::{ProxyPlace, ScenarioOutcome, expected_outcome};
