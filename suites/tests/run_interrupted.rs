//! Ctrl-C during `sidecar-e2e run`: whatever phase the run is in, it stops, removes every
//! cluster it created (a half-made one too), and exits 130 — afterwards neither `kind get
//! clusters` nor `docker ps -a` shows anything of that run.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use sidecar_suites::binary::{docker_containers, kind_clusters, sidecar_e2e};

/// Starts a run, sends SIGINT once stderr says `phase` started, and checks what is left.
fn interrupt_during(phase: &str) {
    let artifacts = tempfile::tempdir().expect("temp dir");
    let mut child = Command::new(sidecar_e2e())
        .args([
            "run",
            "--k8s",
            "1.32",
            "--gate",
            "on",
            "--scenario",
            "job,sleep",
            "--artifacts",
        ])
        .arg(artifacts.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("sidecar-e2e starts");
    let stderr = child.stderr.take().expect("piped stderr");
    let mut lines = BufReader::new(stderr).lines();
    let mut seen = Vec::new();
    let mut run_id = None;
    let started = Instant::now();
    for line in lines.by_ref() {
        let line = line.expect("stderr is text");
        if let Some(rest) = line.strip_prefix("run ") {
            run_id = rest.split(':').next().map(str::to_owned);
        }
        let reached = line.contains(&format!(": {phase} ..."));
        seen.push(line);
        if reached {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(600),
            "never reached {phase}: {seen:#?}"
        );
    }
    let run_id = run_id.unwrap_or_else(|| panic!("the run must print its id: {seen:#?}"));
    // A moment into the phase, so it is really under way (kind half-way through creating).
    std::thread::sleep(Duration::from_secs(3));
    let pid = child.id().to_string();
    let sent = Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .expect("kill runs");
    assert!(sent.success());
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let status = child.wait().expect("the run ends");
    seen.extend(rest);
    assert_eq!(
        status.code(),
        Some(130),
        "exit 130 after SIGINT:\n{}",
        seen.join("\n")
    );
    assert!(
        seen.iter()
            .any(|l| l.contains("removed everything this run created")),
        "{}",
        seen.join("\n")
    );

    let listed = kind_clusters();
    assert!(
        !listed.contains(&run_id),
        "kind still lists a cluster of run {run_id}: {listed}"
    );
    let names = docker_containers();
    assert!(
        !names.contains(&run_id),
        "docker still has a container of run {run_id}: {names}"
    );
}

#[test]
fn ctrl_c_while_the_cluster_is_being_created_leaves_nothing() {
    interrupt_during("cluster up");
}

#[test]
fn ctrl_c_while_scenarios_run_leaves_nothing() {
    interrupt_during("scenarios");
}
