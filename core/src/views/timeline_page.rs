//! The timeline page (`timeline.html`): for each scenario and Kubernetes version, the cells that
//! ran it (gate on beside gate off) as one figure on a shared time axis, with a legend. One
//! self-contained file: inline SVG and CSS, no script, nothing fetched. Pure: the caller writes it.

use super::lane_marks::add_marks;
use super::lanes::scenario_lanes;
use super::timeline_svg::{FigureCell, figure_svg};
use crate::plan::{Cell, Resolution};
use crate::recording::{Recording, ScenarioRecording};
use crate::scenario::Scenario;
use crate::scenario::proxy_name;

/// Okabe–Ito colours (safe for the common colour-vision deficiencies); every state also has a
/// pattern or a text label.
const CSS: &str = r#"
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto;
  max-width: 1240px; padding: 16px 20px 40px; color: #111; background: #fff; }
h1 { font-size: 24px; margin: 8px 0 4px; } h2 { font-size: 19px; margin: 28px 0 6px; }
p.lede, p.note { margin: 4px 0; color: #333; max-width: 80ch; }
nav a { margin-right: 14px; }
figure { margin: 10px 0 24px; padding: 6px 8px; background: #fff; } figcaption { font-size: 14px; color: #333; margin: 4px 0 8px; }
svg.timeline, svg.legend { display: block; max-width: 100%; height: auto; }
svg text { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; fill: #111; }
.tick { font-size: 12px; fill: #333; } .grid { stroke: #e4e4e4; stroke-width: 1; }
.cut { fill: #f2f2f2; } .break { fill: none; stroke: #555; stroke-width: 1.5; }
.cut-label { font-size: 11px; fill: #555; }
.cell-frame { fill: none; stroke: #c8c8c8; stroke-width: 1; rx: 6; }
.cell-title { font-size: 15px; font-weight: bold; }
.pod-name { font-size: 13px; font-weight: bold; } .lane-name { font-size: 13px; }
.lane-kind { font-size: 11px; fill: #555; } .lane-rule { stroke: #eee; }
.note { font-size: 13px; } .event-line { font-size: 12px; fill: #333; }
.phase { fill: #fff; stroke: #777; stroke-width: 1; } .phase-label { font-size: 11px; }
.phase-succeeded { fill: #eee; } .phase-failed { fill: #f6d3bf; }
.created { fill: #111; }
.span { stroke: #333; stroke-width: 0.6; }
.span.waiting { fill: url(#p-waiting); } .span.running { fill: #56B4E9; }
.span.started { fill: url(#p-started); } .span.ready { fill: #009E73; }
.span.exited { fill: #BBBBBB; } .span.failed { fill: url(#p-failed); }
.span.inferred { stroke-dasharray: 3 2; stroke-width: 1.2; }
.span-label { font-size: 11px; pointer-events: none; }
.mark-label { font-size: 11px; fill: #222; }
.mark.event path { fill: #111; } .mark.event.warning path { fill: #D55E00; }
.mark.access-log path { fill: #E69F00; stroke: #111; stroke-width: 0.6; }
.sigterm-line { stroke: #CC79A7; stroke-width: 3; }
.exit-line { stroke: #111; stroke-width: 2; }
.restart-glyph { font-size: 15px; font-weight: bold; }
.mark.request circle { fill: #fff; stroke: #111; stroke-width: 1.2; }
.mark.request.failed circle { fill: #D55E00; }
.mark.request .glyph { font-size: 11px; font-weight: bold; }
.mark.step circle { fill: #fff; stroke: #111; stroke-width: 1.2; }
.mark.unread rect { fill: #F0E442; stroke: #111; stroke-width: 1.2; }
.mark.unread .glyph { font-size: 13px; font-weight: bold; }
.mark.approx circle, .mark.approx path { stroke-dasharray: 2 1.5; }
.pod-end { stroke: #111; stroke-width: 3; } .pod-linger { fill: #111; }
.end-label, .deleted-label { font-size: 11px; font-weight: bold; }
.deleted { stroke: #D55E00; stroke-width: 2; stroke-dasharray: 6 3; }
"#;

/// The patterns the CSS refers to, defined once for every figure on the page.
const PATTERNS: &str = r##"<svg width="0" height="0" style="position:absolute" aria-hidden="true"><defs>
<pattern id="p-waiting" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="8" height="8" fill="#F0E442"/><line x1="0" y1="0" x2="0" y2="8" stroke="#8a7f00" stroke-width="2.5"/></pattern>
<pattern id="p-started" width="6" height="6" patternUnits="userSpaceOnUse"><rect width="6" height="6" fill="#56B4E9"/><circle cx="3" cy="3" r="1.3" fill="#fff"/></pattern>
<pattern id="p-failed" width="8" height="8" patternUnits="userSpaceOnUse"><rect width="8" height="8" fill="#D55E00"/><path d="M0 0 L8 8 M8 0 L0 8" stroke="#111" stroke-width="1"/></pattern>
</defs></svg>"##;

/// The legend: every symbol with its words.
const LEGEND: &str = r##"<svg class="legend" viewBox="0 0 1200 124" width="1200" height="124" role="img" aria-label="legend">
<rect x="10" y="10" width="44" height="16" class="span waiting"/><text x="60" y="23" class="mark-label">waiting (reason in the bar)</text>
<rect x="250" y="10" width="44" height="16" class="span running"/><text x="300" y="23" class="mark-label">running</text>
<rect x="380" y="10" width="44" height="16" class="span started"/><text x="430" y="23" class="mark-label">started (startup probe passed)</text>
<rect x="630" y="10" width="44" height="16" class="span ready"/><text x="680" y="23" class="mark-label">running + ready</text>
<rect x="810" y="15" width="44" height="6" class="span exited"/><text x="860" y="23" class="mark-label">exited 0</text>
<rect x="950" y="10" width="44" height="16" class="span failed"/><text x="1000" y="23" class="mark-label">exited non-zero</text>
<rect x="10" y="38" width="44" height="16" class="span running inferred"/><text x="60" y="51" class="mark-label">dashed: not seen by the watch, from the kubelet's timestamps</text>
<g class="mark event"><path d="M462 40 l4 4 l-4 4 l-4 -4 z"/></g><text x="472" y="51" class="mark-label">event (by arrival order)</text>
<g class="mark event warning"><path d="M642 40 l4 4 l-4 4 l-4 -4 z"/></g><text x="652" y="51" class="mark-label">warning event</text>
<line x1="770" x2="770" y1="36" y2="58" class="sigterm-line"/><text x="778" y="51" class="mark-label">SIGTERM (Killing event, or Envoy's log)</text>
<line x1="1060" x2="1060" y1="38" y2="56" class="exit-line"/><text x="1068" y="51" class="mark-label">process exit</text>
<g class="mark access-log"><path d="M16 72 l-4 7 h8 z"/></g><text x="26" y="80" class="mark-label">proxy access-log line</text>
<g class="mark request"><circle cx="200" cy="75" r="6.5"/><text x="200" y="79" class="glyph" text-anchor="middle">✓</text></g><g class="mark request failed"><circle cx="216" cy="75" r="6.5"/><text x="216" y="79" class="glyph" text-anchor="middle">✗</text></g><text x="228" y="80" class="mark-label">request step: 200 / failed (order within the run)</text>
<text x="545" y="80" class="restart-glyph">↻</text><text x="560" y="80" class="mark-label">restart</text>
<line x1="640" x2="640" y1="64" y2="86" class="pod-end"/><text x="648" y="80" class="mark-label">pod finished</text>
<path d="M760 75 l-9 -6 v12 z" class="pod-linger"/><text x="766" y="80" class="mark-label">pod still running when recording stopped</text>
<line x1="1030" x2="1030" y1="64" y2="86" class="deleted"/><text x="1038" y="80" class="mark-label">pod deleted</text>
<g class="mark unread"><rect x="9" y="96" width="14" height="16"/><text x="16" y="109" class="glyph" text-anchor="middle">?</text></g><text x="30" y="109" class="mark-label">log not read (a harness fault): what this lane lacks is unknown, not absent</text>
</svg>"##;

/// Escapes text for HTML.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `Kubernetes 1.32 · gate on · native sidecars (builtin, asked auto)` and the mode's word.
fn cell_title(cell: &Cell) -> (String, String) {
    let mode = match cell.resolve() {
        Resolution::Valid { effective_mode, .. } => effective_mode.to_string(),
        Resolution::Invalid(_) => "invalid".to_owned(),
    };
    let layout = match mode.as_str() {
        "native" => "native sidecar (restartable init container)",
        "legacy" => "legacy sidecar (proxy in containers)",
        "rejected" => "rejected by the API server",
        _ => "cannot run",
    };
    let injector = cell.injector.label();
    (
        format!(
            "Kubernetes {} · gate {} · {layout} · {injector}, asked {}",
            cell.k8s, cell.gate, cell.requested_mode
        ),
        mode,
    )
}

fn figure_cell(cell: &Cell, recorded: &ScenarioRecording) -> FigureCell {
    let mut lanes = scenario_lanes(recorded, proxy_name(cell.injector));
    add_marks(&mut lanes, recorded);
    let (title, mode) = cell_title(cell);
    FigureCell {
        title,
        gate: cell.gate.to_string(),
        mode,
        lanes,
        apply_errors: recorded.apply_errors.clone(),
    }
}

/// The page for some recordings: one figure per scenario and Kubernetes version, its cells in
/// gate order (on, off, default), on one time axis.
pub fn timeline_html(recordings: &[Recording]) -> String {
    let mut runs: Vec<(&Cell, &ScenarioRecording)> = recordings
        .iter()
        .flat_map(|r| r.scenarios.iter().map(move |s| (&r.cell, s)))
        .collect();
    runs.sort_by_key(|(cell, s)| {
        (
            s.scenario,
            cell.k8s,
            cell.gate,
            cell.injector,
            cell.requested_mode,
        )
    });
    let mut out = String::from(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>sidecar-e2e timeline</title>\n<style>",
    );
    out.push_str(CSS);
    out.push_str("</style>\n</head>\n<body>\n");
    out.push_str(PATTERNS);
    out.push_str(
        "\n<h1>sidecar-e2e: container timelines</h1>\n<p class=\"lede\">What native sidecars \
         change is order in time: the proxy up before the app, the app gone before the proxy, a \
         Job's pod finished instead of lingering. Each figure puts the cells of one Kubernetes \
         version one above the other, on one time axis: seconds from the cell's first pod's creation. \
         Hover any bar or mark for its details.</p>\n<p class=\"note\">Clocks: the kubelet's \
         start and exit times have one-second resolution; probe results and phases are drawn \
         when the watch delivered them; events carry no time, so they are drawn where they \
         arrived among the snapshots; workload steps without timestamps are spread, in order, \
         over their container's run.</p>\n",
    );
    out.push_str(LEGEND);
    let mut groups: Vec<(Scenario, u32, Vec<FigureCell>)> = Vec::new();
    for (cell, recorded) in runs {
        let figure = figure_cell(cell, recorded);
        match groups.last_mut() {
            Some((s, k, cells)) if *s == recorded.scenario && *k == cell.k8s.minor => {
                cells.push(figure);
            }
            _ => groups.push((recorded.scenario, cell.k8s.minor, vec![figure])),
        }
    }
    if groups.is_empty() {
        out.push_str("<p class=\"note\">No scenario was recorded.</p>\n");
    } else {
        out.push_str("<nav>");
        for (scenario, minor, _) in &groups {
            out.push_str(&format!(
                "<a href=\"#{scenario}-1-{minor}\">{scenario} (1.{minor})</a>"
            ));
        }
        out.push_str("</nav>\n");
    }
    for (scenario, minor, cells) in &groups {
        out.push_str(&format!(
            "<section id=\"{scenario}-1-{minor}\" data-scenario=\"{scenario}\">\n<h2>{} · Kubernetes 1.{minor}</h2>\n<figure>\n<figcaption>{}</figcaption>\n",
            escape(scenario.name()),
            escape(&caption(*scenario))
        ));
        out.push_str(&figure_svg(cells));
        out.push_str("\n</figure>\n</section>\n");
    }
    out.push_str("</body>\n</html>\n");
    out
}

/// What to look for in each scenario's figure (the scenario's own words).
fn caption(scenario: Scenario) -> String {
    scenario.caption().to_owned()
}
