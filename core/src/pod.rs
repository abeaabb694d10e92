//! What a pod's status says, decided in one place: the verdicts read recorded snapshots with these
//! predicates, and the live wait conditions will read watched pods with the same ones, so each
//! word means one thing everywhere. Pure functions of a k8s-openapi [`Pod`].
//!
//! Two words that are easy to mix up, kept apart:
//! - **started** — the kubelet's `started` flag on a container status: its startup probe (if any)
//!   has passed. For a native sidecar this is the moment the kubelet moves on to the next
//!   container (sidecar-semantics.md §3), so it is what "the proxy has started" means.
//! - **has run** — the container's process was launched: it is running or has terminated. This is
//!   what "an app container started" means for ordering: it did something.

use k8s_openapi::api::core::v1::{ContainerStatus, Pod};
use k8s_openapi::jiff::Timestamp;

/// `status.phase`, or `""` while the API server has not set it.
pub fn phase(pod: &Pod) -> &str {
    pod.status
        .as_ref()
        .and_then(|s| s.phase.as_deref())
        .unwrap_or("")
}

/// The pod's phase is `Succeeded`: every regular container exited 0 (sidecars do not count, §3).
pub fn is_succeeded(pod: &Pod) -> bool {
    phase(pod) == "Succeeded"
}

/// The pod's phase is `Running`.
pub fn is_running(pod: &Pod) -> bool {
    phase(pod) == "Running"
}

/// The status of the container named `name`, looked up among init containers (where a native
/// sidecar lives) and then regular containers (where a legacy one does).
pub fn container_status<'p>(pod: &'p Pod, name: &str) -> Option<&'p ContainerStatus> {
    let status = pod.status.as_ref()?;
    status
        .init_container_statuses
        .iter()
        .flatten()
        .chain(status.container_statuses.iter().flatten())
        .find(|c| c.name == name)
}

/// Which of a pod's containers are sidecars and which are apps. A native sidecar is an init
/// container with `restartPolicy: Always`, whatever its name; a legacy one is a regular container,
/// told apart only by name: the injector's proxy, or one the scenario declares as its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PodRoles {
    /// The injector's proxy container.
    pub proxy: &'static str,
    /// Other sidecars the workload itself declares by name.
    pub sidecars: &'static [&'static str],
}

impl PodRoles {
    /// Roles with only the injector's proxy as a named sidecar.
    pub const fn proxy(proxy: &'static str) -> Self {
        PodRoles {
            proxy,
            sidecars: &[],
        }
    }

    /// Whether a regular container named `name` is an app (not the proxy, not a declared sidecar).
    pub fn is_app(&self, name: &str) -> bool {
        name != self.proxy && !self.sidecars.contains(&name)
    }
}

/// The regular containers' statuses, except the sidecars': the app containers.
pub fn app_statuses<'p>(pod: &'p Pod, roles: &PodRoles) -> Vec<&'p ContainerStatus> {
    pod.status
        .as_ref()
        .and_then(|s| s.container_statuses.as_ref())
        .map(|all| all.iter().filter(|c| roles.is_app(&c.name)).collect())
        .unwrap_or_default()
}

/// The names of the pod's native sidecars in spec order: init containers with
/// `restartPolicy: Always` as the API server stored them.
pub fn native_sidecar_names(pod: &Pod) -> Vec<&str> {
    pod.spec
        .iter()
        .flat_map(|spec| spec.init_containers.iter().flatten())
        .filter(|c| c.restart_policy.as_deref() == Some("Always"))
        .map(|c| c.name.as_str())
        .collect()
}

/// The kubelet reports the container **started** (see the module docs).
pub fn is_started(status: &ContainerStatus) -> bool {
    status.started == Some(true)
}

/// The container **has run**: it is running or has terminated (see the module docs).
pub fn has_run(status: &ContainerStatus) -> bool {
    let state = status.state.as_ref();
    state.is_some_and(|s| s.running.is_some() || s.terminated.is_some())
}

/// The container has terminated (its current instance).
pub fn has_terminated(status: &ContainerStatus) -> bool {
    status
        .state
        .as_ref()
        .is_some_and(|s| s.terminated.is_some())
}

/// When the container's current instance began, by the kubelet's clock (one-second resolution,
/// §4.1): `running.startedAt`, or `terminated.startedAt` once it has exited.
pub fn started_at(status: &ContainerStatus) -> Option<Timestamp> {
    let state = status.state.as_ref()?;
    state
        .running
        .as_ref()
        .and_then(|r| r.started_at.as_ref())
        .or_else(|| {
            state
                .terminated
                .as_ref()
                .and_then(|t| t.started_at.as_ref())
        })
        .map(|t| t.0)
}

/// The sidecar named `proxy` is **started**.
pub fn is_sidecar_started(pod: &Pod, proxy: &str) -> bool {
    container_status(pod, proxy).is_some_and(is_started)
}

/// Some native sidecar has been restarted and runs again: the moment after which its startup
/// probe, not its first run, decides whether the app may start.
pub fn sidecar_restarted_and_running(pod: &Pod) -> bool {
    native_sidecar_names(pod).into_iter().any(|name| {
        container_status(pod, name).is_some_and(|c| {
            c.restart_count >= 1 && c.state.as_ref().is_some_and(|s| s.running.is_some())
        })
    })
}

/// Some app container **has run**.
pub fn any_app_has_run(pod: &Pod, roles: &PodRoles) -> bool {
    app_statuses(pod, roles).into_iter().any(has_run)
}

/// Some app container has terminated.
pub fn any_app_terminated(pod: &Pod, roles: &PodRoles) -> bool {
    app_statuses(pod, roles).into_iter().any(has_terminated)
}

/// The pod has finished: phase `Succeeded` or `Failed` (it will not run again).
pub fn is_finished(pod: &Pod) -> bool {
    matches!(phase(pod), "Succeeded" | "Failed")
}

/// The pod's `Ready` condition is `True`: every container passed its readiness probe.
pub fn is_ready(pod: &Pod) -> bool {
    pod.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .into_iter()
        .flatten()
        .any(|c| c.type_ == "Ready" && c.status == "True")
}

/// The scheduler could not place the pod: its `PodScheduled` condition is `False` with reason
/// `Unschedulable` (no node fits).
pub fn is_unschedulable(pod: &Pod) -> bool {
    pod.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .into_iter()
        .flatten()
        .any(|c| {
            c.type_ == "PodScheduled"
                && c.status == "False"
                && c.reason.as_deref() == Some("Unschedulable")
        })
}

/// Why the pod failed as a whole (`status.reason`: `Evicted`, `NodePorts`, …), if it says.
pub fn failure_reason(pod: &Pod) -> Option<&str> {
    pod.status.as_ref().and_then(|s| s.reason.as_deref())
}

/// The node the pod was bound to, if any.
pub fn node_name(pod: &Pod) -> Option<&str> {
    pod.spec.as_ref().and_then(|s| s.node_name.as_deref())
}

/// Every app container has terminated: the app is done, whatever the sidecars do.
pub fn all_apps_terminated(pod: &Pod, roles: &PodRoles) -> bool {
    let apps = app_statuses(pod, roles);
    !apps.is_empty() && apps.into_iter().all(has_terminated)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(yaml: &str) -> Pod {
        serde_saphyr::from_str(yaml).unwrap_or_else(|e| panic!("test pod must parse: {e}\n{yaml}"))
    }

    /// A native Job pod after its app exited: the proxy still runs (started), the app has run.
    const JOB_APP_EXITED: &str = "
metadata: {name: job-abcde}
status:
  phase: Running
  initContainerStatuses:
  - name: sidecar-proxy
    ready: true
    started: true
    restartCount: 0
    image: envoy
    imageID: ''
    state: {running: {startedAt: '2025-11-23T20:00:01Z'}}
  containerStatuses:
  - name: app
    ready: false
    started: false
    restartCount: 0
    image: curl
    imageID: ''
    state: {terminated: {exitCode: 0, reason: Completed, startedAt: '2025-11-23T20:00:02Z'}}
";

    const ROLES: PodRoles = PodRoles::proxy("sidecar-proxy");

    #[test]
    fn started_and_has_run_are_different_words() {
        let pod = pod(JOB_APP_EXITED);
        let app = container_status(&pod, "app").expect("app status");
        // The kubelet clears `started` once a container exits; it has still run.
        assert!(!is_started(app));
        assert!(has_run(app));
        assert!(has_terminated(app));
        assert!(is_sidecar_started(&pod, "sidecar-proxy"));
        assert!(any_app_has_run(&pod, &ROLES));
        assert!(any_app_terminated(&pod, &ROLES));
    }

    #[test]
    fn sidecars_are_found_among_init_containers_and_excluded_from_apps() {
        let pod = pod(JOB_APP_EXITED);
        let proxy = container_status(&pod, "sidecar-proxy").expect("proxy status");
        assert_eq!(
            started_at(proxy).map(|t| t.to_string()).as_deref(),
            Some("2025-11-23T20:00:01Z")
        );
        let apps: Vec<&str> = app_statuses(&pod, &ROLES)
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        assert_eq!(apps, ["app"]);
        assert!(container_status(&pod, "nope").is_none());
    }

    #[test]
    fn ready_finished_and_apps_done() {
        let running = pod(
            "status:\n  phase: Running\n  conditions:\n  - {type: Ready, status: 'True'}\n  containerStatuses:\n  - {name: app, ready: false, restartCount: 0, image: x, imageID: '', state: {terminated: {exitCode: 0}}}\n  - {name: sidecar-proxy, ready: true, restartCount: 0, image: x, imageID: '', state: {running: {}}}\n",
        );
        assert!(is_ready(&running));
        assert!(!is_finished(&running));
        assert!(all_apps_terminated(&running, &ROLES));
        assert!(!all_apps_terminated(&running, &PodRoles::proxy("app")));
        let failed = pod("status: {phase: Failed}\n");
        assert!(is_finished(&failed));
        assert!(!is_ready(&failed));
        assert!(
            !all_apps_terminated(&failed, &ROLES),
            "no app statuses: not done"
        );
    }

    #[test]
    fn declared_sidecars_are_not_apps_and_native_ones_are_found_by_policy() {
        let roles = PodRoles {
            proxy: "sidecar-proxy",
            sidecars: &["log-shipper"],
        };
        assert!(!roles.is_app("log-shipper"));
        assert!(!roles.is_app("sidecar-proxy"));
        assert!(roles.is_app("app"));
        let two = pod(
            "spec:\n  initContainers:\n  - {name: setup}\n  - {name: first, restartPolicy: Always}\n  - {name: second, restartPolicy: Always}\n  containers:\n  - {name: app}\n",
        );
        assert_eq!(native_sidecar_names(&two), ["first", "second"]);
    }

    #[test]
    fn phase_is_empty_until_set() {
        let pending = pod("metadata: {name: p}\n");
        assert_eq!(phase(&pending), "");
        assert!(!is_running(&pending) && !is_succeeded(&pending));
        assert!(is_running(&pod(JOB_APP_EXITED)));
        assert!(is_succeeded(&pod("status: {phase: Succeeded}\n")));
    }
}
