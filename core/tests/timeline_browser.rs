//! The timeline page in a real browser: headless Chromium, driven over WebDriver by
//! chromium-driver (`scripts/tools.sh` `ensure_chromium` installs both), loads the pages made
//! from the committed live 1.32 recordings (gate on beside gate off) and the tests check what a
//! reader checks by eye, from the geometry the browser laid out (`getBoundingClientRect`):
//! one lane per container, the proxy running before the app only in the native cell, the Job's
//! pod finished in the native cell and still running in the legacy one, nothing drawn outside
//! the page, no label too small to read at a laptop's 1280 px. Each page's screenshot is kept in `target/timeline-browser/`.
//!
//! No chromedriver is a failure, never a skip: these tests run in the default profile.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use sidecar_e2e_core::recording::Recording;
use sidecar_e2e_core::views::timeline_page::timeline_html;

const CELLS: [&str; 2] = ["1-32-on-builtin-auto", "1-32-off-builtin-auto"];

fn load(cell: &str, scenario: &str) -> Recording {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata/recordings/live-1.32")
        .join(cell)
        .join(format!("{scenario}.json"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|err| panic!("{} must exist: {err}", path.display()));
    Recording::from_json(&text, &path.display().to_string()).expect("a current recording")
}

/// Where the pages and their screenshots go.
fn out_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("target/tmp has a parent")
        .join("timeline-browser");
    std::fs::create_dir_all(&dir).expect("target/timeline-browser must be writable");
    dir
}

/// chromium-driver on a free loopback port, killed when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_driver() -> Driver {
    let bin = std::env::var_os("SIDECAR_E2E_CHROMEDRIVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("chromedriver"));
    // Ask the kernel for a free port, then hand it to the driver.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port();
    let mut child = Command::new(&bin)
        .arg(format!("--port={port}"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|err| {
            panic!(
                "must start {} ({err}): run scripts/test.sh, whose ensure_chromium installs \
                 Debian's chromium and chromium-driver, or set SIDECAR_E2E_CHROMEDRIVER",
                bin.display()
            )
        });
    // The driver says when it listens; read until then (EOF means it died).
    let stdout = child.stdout.take().expect("piped stdout");
    let mut lines = BufReader::new(stdout).lines();
    let ready = lines
        .by_ref()
        .map_while(Result::ok)
        .any(|line| line.contains("started successfully"));
    assert!(ready, "chromedriver exited before it listened");
    // Keep draining its stdout so it never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
    }
}

async fn browser(driver: &Driver) -> Client {
    let mut options = json!({
        "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--hide-scrollbars", "--force-device-scale-factor=1", "--window-size=1280,900"]
    });
    if let Some(binary) = std::env::var_os("SIDECAR_E2E_CHROMIUM") {
        options["binary"] = json!(binary.to_string_lossy());
    } else if Path::new("/usr/bin/chromium").exists() {
        options["binary"] = json!("/usr/bin/chromium");
    }
    let mut caps = serde_json::Map::new();
    caps.insert("goog:chromeOptions".to_owned(), options);
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector)
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .expect("chromedriver must open a Chromium session")
}

/// Writes the page of `scenario`'s on and off recordings and opens it.
async fn open(client: &Client, scenario: &str) -> PathBuf {
    let recordings: Vec<Recording> = CELLS.iter().map(|c| load(c, scenario)).collect();
    let path = out_dir().join(format!("{scenario}.html"));
    std::fs::write(&path, timeline_html(&recordings)).expect("page written");
    client
        .goto(&format!("file://{}", path.display()))
        .await
        .expect("the page loads");
    path
}

/// What the browser laid out, per cell: each lane with the left edge of its first running span,
/// the pod's end marks, and every element that falls outside the page or its own figure.
const MEASURE: &str = r#"
const cells = [...document.querySelectorAll('g.cell')].map(cell => ({
  gate: cell.dataset.gate,
  mode: cell.dataset.mode,
  lanes: [...cell.querySelectorAll('g.lane')].map(lane => {
    const running = [...lane.querySelectorAll('rect.span')]
      .filter(r => ['running', 'started', 'ready'].includes(r.dataset.state))
      .map(r => r.getBoundingClientRect().left);
    return { pod: lane.dataset.pod, container: lane.dataset.container, kind: lane.dataset.kind,
             proxy: lane.dataset.proxy === 'true',
             firstRunning: running.length ? Math.min(...running) : null };
  }),
  podEnds: [...cell.querySelectorAll('.pod-end')].map(e => e.getBoundingClientRect().left),
  lingering: cell.querySelectorAll('.pod-linger').length,
}));
const page = { width: document.documentElement.clientWidth,
               height: document.documentElement.scrollHeight };
const outside = [];
for (const el of document.querySelectorAll('body *')) {
  const r = el.getBoundingClientRect();
  if (r.width === 0 && r.height === 0) continue;
  const svg = el.closest('svg.timeline, svg.legend');
  const box = svg && svg !== el ? svg.getBoundingClientRect()
                                : { left: 0, top: 0, right: page.width, bottom: page.height };
  if (r.left < box.left - 0.5 || r.top < box.top - 0.5 || r.right > box.right + 0.5
      || r.bottom > box.bottom + 0.5) {
    outside.push(el.tagName + '.' + (el.getAttribute('class') || '') + ' ' +
                 (el.textContent || '').slice(0, 40));
  }
}
const texts = [...document.querySelectorAll('svg.timeline text, svg.legend text')]
  .map(t => t.getBoundingClientRect().height).filter(h => h > 0);
return { cells, outside, page, smallestText: Math.min(...texts),
         scrollWidth: document.documentElement.scrollWidth };
"#;

async fn measure(client: &Client) -> Value {
    client
        .execute(MEASURE, vec![])
        .await
        .expect("the script runs")
}

/// A full-page screenshot kept for a human.
async fn keep_screenshot(client: &Client, name: &str) {
    let height = measure(client).await["page"]["height"]
        .as_u64()
        .unwrap_or(900) as u32;
    client
        .set_window_size(1280, height + 120)
        .await
        .expect("window resized");
    let png = client.screenshot().await.expect("a screenshot");
    std::fs::write(out_dir().join(format!("{name}.png")), png).expect("screenshot written");
    client
        .set_window_size(1280, 900)
        .await
        .expect("window resized");
}

/// The containers of each pod of the recording, in spec order.
fn spec_containers(recording: &Recording) -> Vec<(String, Vec<String>)> {
    let mut pods: Vec<(String, Vec<String>)> = Vec::new();
    for snapshot in &recording.scenarios[0].snapshots {
        let name = snapshot.pod.metadata.name.clone().unwrap_or_default();
        if !snapshot.pod.metadata.labels.as_ref().is_some_and(|l| {
            l.get("app").map(String::as_str) == Some(recording.scenarios[0].scenario.name())
        }) || pods.iter().any(|(p, _)| *p == name)
        {
            continue;
        }
        let spec = snapshot.pod.spec.as_ref().expect("a pod has a spec");
        let names = spec
            .init_containers
            .iter()
            .flatten()
            .chain(&spec.containers)
            .map(|c| c.name.clone())
            .collect();
        pods.push((name, names));
    }
    pods
}

fn lanes(cell: &Value) -> &Vec<Value> {
    cell["lanes"].as_array().expect("lanes")
}

fn cell<'a>(m: &'a Value, mode: &str) -> &'a Value {
    m["cells"]
        .as_array()
        .expect("cells")
        .iter()
        .find(|c| c["mode"] == mode)
        .unwrap_or_else(|| panic!("a {mode} cell on the page: {m}"))
}

/// Whether the proxy's first running span starts left of every other container's.
fn proxy_runs_first(cell: &Value) -> bool {
    let proxy = lanes(cell)
        .iter()
        .find(|l| l["proxy"] == true)
        .and_then(|l| l["firstRunning"].as_f64());
    let Some(proxy) = proxy else {
        return false;
    };
    lanes(cell)
        .iter()
        .filter(|l| l["proxy"] == false)
        .filter_map(|l| l["firstRunning"].as_f64())
        .all(|other| proxy < other - 0.5)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pages_show_native_beside_legacy_as_a_reader_sees_them() {
    let driver = start_driver();
    let client = browser(&driver).await;
    for scenario in ["sleep", "init-traffic", "job", "shutdown-traffic"] {
        open(&client, scenario).await;
        let m = measure(&client).await;
        // One lane per container of each pod, in spec order, on both cells.
        for (slug, mode) in CELLS.iter().zip(["native", "legacy"]) {
            let expected = spec_containers(&load(slug, scenario));
            assert!(
                !expected.is_empty(),
                "{scenario}/{slug}: the recording has pods"
            );
            let drawn: Vec<(String, String)> = lanes(cell(&m, mode))
                .iter()
                .map(|l| {
                    (
                        l["pod"].as_str().unwrap_or("").to_owned(),
                        l["container"].as_str().unwrap_or("").to_owned(),
                    )
                })
                .collect();
            let want: Vec<(String, String)> = expected
                .iter()
                .flat_map(|(pod, cs)| cs.iter().map(move |c| (pod.clone(), c.clone())))
                .collect();
            assert_eq!(drawn, want, "{scenario}/{mode}: one lane per container");
            let proxies = lanes(cell(&m, mode))
                .iter()
                .filter(|l| l["proxy"] == true)
                .count();
            assert_eq!(
                proxies,
                expected.len(),
                "{scenario}/{mode}: the proxy marked"
            );
        }
        assert!(
            proxy_runs_first(cell(&m, "native")),
            "{scenario}: natively the proxy runs before every other container: {m}"
        );
        assert!(
            !proxy_runs_first(cell(&m, "legacy")),
            "{scenario}: in the legacy layout the proxy does not run first: {m}"
        );
        let outside = m["outside"].as_array().expect("outside");
        assert!(
            outside.is_empty(),
            "{scenario}: drawn outside the page: {outside:?}"
        );
        assert!(
            m["scrollWidth"].as_f64() <= m["page"]["width"].as_f64(),
            "{scenario}: the page scrolls sideways at 1280 px: {m}"
        );
        // Legible on a laptop: at 1280 px no label is drawn smaller than 10 px high.
        let smallest = m["smallestText"].as_f64().unwrap_or(0.0);
        assert!(smallest >= 10.0, "{scenario}: text {smallest} px high");
        keep_screenshot(&client, scenario).await;
    }
    client.close().await.expect("session closed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_native_jobs_pod_finishes_and_the_legacy_one_lingers() {
    let driver = start_driver();
    let client = browser(&driver).await;
    open(&client, "job").await;
    let m = measure(&client).await;
    let native = cell(&m, "native");
    let legacy = cell(&m, "legacy");
    assert_eq!(
        native["podEnds"].as_array().map(Vec::len),
        Some(1),
        "the native Job's pod ends: {m}"
    );
    assert_eq!(native["lingering"], 0, "{m}");
    assert_eq!(
        legacy["podEnds"].as_array().map(Vec::len),
        Some(0),
        "the legacy Job's pod never ends: {m}"
    );
    assert_eq!(
        legacy["lingering"], 1,
        "the legacy pod is still running: {m}"
    );
    // The figure a README shows: the Job, native over legacy (the window tall enough for all of it).
    let height = m["page"]["height"].as_u64().unwrap_or(900) as u32;
    client
        .set_window_size(1280, height + 120)
        .await
        .expect("window resized");
    let figure = client
        .find(Locator::Css("section[data-scenario='job'] figure"))
        .await
        .expect("the Job's figure");
    let png = figure
        .screenshot()
        .await
        .expect("a screenshot of the figure");
    std::fs::write(out_dir().join("job-figure.png"), png).expect("written");
    client.close().await.expect("session closed");
}
