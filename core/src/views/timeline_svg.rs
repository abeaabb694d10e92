//! One figure of the timeline page: one scenario's cells (gate on, gate off, …) stacked on one
//! shared time axis, as SVG. Each cell shows its pods; each pod a row (phase, creation,
//! deletion, end) and a lane per container.
//!
//! Written with the `svg` crate, which escapes attribute values and text. Colours come from the
//! page's CSS (classes), so the picture and its legend cannot disagree; every state also has a
//! pattern or a text label, never colour alone. Elements carry `data-*` attributes (pod,
//! container, kind, state, seconds) so a browser test can check what a reader checks by eye.

use svg::Node;
use svg::node::element::{Group, Line, Path, Rectangle, Text, Title};

use super::lanes::{Lane, Mark, MarkKind, PodEnd, PodLanes, ScenarioLanes, SpanState};
use super::time_axis::TimeAxis;

/// The drawing's width; the page scales it down on narrow screens.
pub const WIDTH: f64 = 1200.0;
const PLOT_LEFT: f64 = 250.0;
const PLOT_RIGHT: f64 = WIDTH - 24.0;
const AXIS_H: f64 = 34.0;
const CELL_HEAD: f64 = 30.0;
const POD_ROW: f64 = 30.0;
const LANE: f64 = 44.0;
const CELL_GAP: f64 = 18.0;
/// Roughly how wide a character of the 11–12 px labels is, to decide what fits.
const CHAR_W: f64 = 6.6;

/// One cell of a figure.
#[derive(Debug, Clone)]
pub struct FigureCell {
    /// `Kubernetes 1.32 · gate on · native sidecars (builtin, asked auto)`.
    pub title: String,
    /// `on`, `off`, `default`.
    pub gate: String,
    /// The layout its pods get: `native`, `legacy`, `rejected`.
    pub mode: String,
    /// What happened.
    pub lanes: ScenarioLanes,
    /// Why there may be no pod: apply errors, verbatim.
    pub apply_errors: Vec<String>,
}

fn r(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

fn text(x: f64, y: f64, content: impl Into<String>, class: &str) -> Text {
    Text::new(content)
        .set("x", r(x))
        .set("y", r(y))
        .set("class", class)
}

/// A label that starts at `x`, or ends there when it would run off the drawing's right edge.
fn label_at(x: f64, y: f64, content: &str, class: &str) -> Text {
    let width = CHAR_W * content.chars().count() as f64;
    if x + 4.0 + width > WIDTH - 6.0 {
        text(x - 4.0, y, content, class).set("text-anchor", "end")
    } else {
        text(x + 4.0, y, content, class)
    }
}

fn vline(x: f64, y0: f64, y1: f64, class: &str) -> Line {
    Line::new()
        .set("x1", r(x))
        .set("x2", r(x))
        .set("y1", r(y0))
        .set("y2", r(y1))
        .set("class", class)
}

/// Every moment the figure shows, for the shared axis.
fn moments(cells: &[FigureCell]) -> Vec<f64> {
    let mut times = Vec::new();
    for cell in cells {
        times.push(cell.lanes.end);
        if !cell.lanes.pods.is_empty() {
            times.extend(cell.lanes.controller_events.iter().map(|m| m.at));
        }
        for pod in &cell.lanes.pods {
            times.push(pod.created);
            times.extend(pod.deleted);
            times.extend(pod.phases.iter().flat_map(|p| [p.0, p.1]));
            times.extend(pod.marks.iter().map(|m| m.at));
            for lane in &pod.lanes {
                times.extend(lane.spans.iter().flat_map(|s| [s.from, s.to]));
                times.extend(lane.marks.iter().map(|m| m.at));
            }
        }
    }
    times
}

fn cell_height(cell: &FigureCell) -> f64 {
    let body: f64 = if cell.lanes.pods.is_empty() {
        20.0 + 18.0 * (cell.apply_errors.len() + cell.lanes.controller_events.len()).min(5) as f64
    } else {
        let controllers = if cell.lanes.controller_events.is_empty() {
            0.0
        } else {
            POD_ROW
        };
        controllers
            + cell
                .lanes
                .pods
                .iter()
                .map(|p| POD_ROW + LANE * p.lanes.len() as f64)
                .sum::<f64>()
    };
    CELL_HEAD + body.max(24.0)
}

/// The figure's SVG (an `<svg>` element to inline in the page).
pub fn figure_svg(cells: &[FigureCell]) -> String {
    let axis = TimeAxis::new(&moments(cells), PLOT_LEFT, PLOT_RIGHT);
    let body: f64 = cells.iter().map(|c| cell_height(c) + CELL_GAP).sum();
    let height = AXIS_H * 2.0 + body;
    let mut doc = svg::Document::new()
        .set("viewBox", (0, 0, WIDTH, r(height)))
        .set("width", WIDTH)
        .set("height", r(height))
        .set("class", "timeline")
        .set("role", "img");
    doc.append(draw_axis(
        &axis,
        AXIS_H - 8.0,
        AXIS_H,
        height - AXIS_H,
        true,
    ));
    let mut y = AXIS_H;
    for cell in cells {
        doc.append(draw_cell(cell, &axis, y));
        y += cell_height(cell) + CELL_GAP;
    }
    doc.append(draw_axis(
        &axis,
        height - AXIS_H + 20.0,
        AXIS_H,
        height - AXIS_H,
        false,
    ));
    doc.to_string()
}

/// Tick labels at `label_y`, grid lines from `top` to `bottom`, and the cuts.
fn draw_axis(axis: &TimeAxis, label_y: f64, top: f64, bottom: f64, grid: bool) -> Group {
    let mut g = Group::new().set("class", "axis");
    for t in axis.ticks() {
        let x = axis.x(t);
        if grid {
            g.append(vline(x, top, bottom, "grid"));
        }
        let label = if t.fract() == 0.0 {
            format!("{t:.0} s")
        } else {
            format!("{t:.1} s")
        };
        g.append(text(x, label_y, label, "tick").set("text-anchor", "middle"));
    }
    for s in axis.segments.iter().filter(|s| s.cut) {
        if grid {
            g.append(
                Rectangle::new()
                    .set("x", r(s.x0))
                    .set("y", top)
                    .set("width", r(s.x1 - s.x0))
                    .set("height", r(bottom - top))
                    .set("class", "cut"),
            );
        }
        let mid = (s.x0 + s.x1) / 2.0;
        let zigzag = format!(
            "M{} {} l4 -4 l4 8 l4 -8 l4 8 l4 -4",
            r(mid - 10.0),
            r(label_y - 4.0)
        );
        g.append(Path::new().set("d", zigzag).set("class", "break"));
        g.append(
            text(
                mid,
                label_y + 12.0,
                format!("{:.0} s cut", s.t1 - s.t0),
                "cut-label",
            )
            .set("text-anchor", "middle"),
        );
    }
    g
}

fn draw_cell(cell: &FigureCell, axis: &TimeAxis, top: f64) -> Group {
    let mut g = Group::new()
        .set("class", "cell")
        .set("data-gate", cell.gate.as_str())
        .set("data-mode", cell.mode.as_str());
    g.append(
        Rectangle::new()
            .set("x", 4)
            .set("y", r(top))
            .set("width", WIDTH - 8.0)
            .set("height", r(cell_height(cell)))
            .set("class", "cell-frame"),
    );
    g.append(text(12.0, top + 20.0, cell.title.as_str(), "cell-title"));
    let mut y = top + CELL_HEAD;
    if cell.lanes.pods.is_empty() {
        g.append(text(
            24.0,
            y + 14.0,
            "No pod was created. What the API server and the controllers said:",
            "note",
        ));
        let lines = cell
            .apply_errors
            .iter()
            .map(|e| format!("apply: {e}"))
            .chain(
                cell.lanes
                    .controller_events
                    .iter()
                    .map(|m| m.detail.clone()),
            );
        for (i, line) in lines.take(5).enumerate() {
            let short: String = line.chars().take(170).collect();
            g.append(text(
                36.0,
                y + 32.0 + 18.0 * i as f64,
                short,
                "note event-line",
            ));
        }
        return g;
    }
    if !cell.lanes.controller_events.is_empty() {
        // The Job's or ReplicaSet's own events (SuccessfulCreate, FailedCreate, …) on a row of
        // their own, above the pods they made.
        let mut row = Group::new().set("class", "controllers");
        row.append(text(12.0, y + 19.0, "controllers", "pod-name"));
        for mark in draw_marks(&cell.lanes.controller_events, axis, y - 2.0) {
            row.append(mark);
        }
        g.append(row);
        y += POD_ROW;
    }
    for pod in &cell.lanes.pods {
        g.append(draw_pod(pod, axis, y, cell.lanes.end));
        y += POD_ROW + LANE * pod.lanes.len() as f64;
    }
    g
}

fn draw_pod(pod: &PodLanes, axis: &TimeAxis, top: f64, end: f64) -> Group {
    let mut g = Group::new()
        .set("class", "pod")
        .set("data-pod", pod.name.as_str());
    let bottom = top + POD_ROW + LANE * pod.lanes.len() as f64;
    g.append(text(
        12.0,
        top + 19.0,
        format!("pod {}", pod.name),
        "pod-name",
    ));
    // The pod row: its phases as labelled outlines.
    for (from, to, phase) in &pod.phases {
        let (x0, x1) = (axis.x(*from), axis.x(*to));
        let mut rect = Rectangle::new()
            .set("x", r(x0))
            .set("y", r(top + 10.0))
            .set("width", r((x1 - x0).max(1.0)))
            .set("height", 14)
            .set("class", format!("phase phase-{}", phase.to_lowercase()))
            .set("data-phase", phase.as_str());
        rect.append(Title::new(format!(
            "pod phase {phase} from {from:.1} s to {to:.1} s"
        )));
        g.append(rect);
        if x1 - x0 > CHAR_W * phase.len() as f64 + 8.0 {
            g.append(text(x0 + 4.0, top + 21.0, phase.as_str(), "phase-label"));
        }
    }
    let created = axis.x(pod.created);
    g.append(
        Path::new()
            .set(
                "d",
                format!("M{} {} l-5 -8 h10 z", r(created), r(top + 10.0)),
            )
            .set("class", "created")
            .add(Title::new(format!("pod created at {:.1} s", pod.created))),
    );
    for mark in draw_marks(&pod.marks, axis, top + 2.0) {
        g.append(mark);
    }
    match &pod.end {
        PodEnd::Finished { at, phase } => {
            let x = axis.x(*at);
            g.append(
                vline(x, top + 6.0, bottom - 4.0, "pod-end")
                    .set("data-at", r(*at))
                    .add(Title::new(format!("pod {phase} at {at:.1} s"))),
            );
            g.append(label_at(x, top + 8.0, &format!("pod {phase}"), "end-label"));
        }
        PodEnd::Lingering { phase } => {
            let x = axis.x(end);
            g.append(
                Path::new()
                    .set("d", format!("M{} {} l-9 -6 v12 z", r(x), r(top + 17.0)))
                    .set("class", "pod-linger")
                    .set("data-phase", phase.as_str())
                    .add(Title::new(format!(
                        "still {phase} when the recording stopped at {end:.1} s"
                    ))),
            );
            g.append(
                text(
                    x - 12.0,
                    top + 8.0,
                    format!("still {phase} at the end"),
                    "end-label",
                )
                .set("text-anchor", "end"),
            );
        }
    }
    if let Some(at) = pod.deleted {
        let x = axis.x(at);
        g.append(
            vline(x, top + 2.0, bottom - 4.0, "deleted")
                .set("data-at", r(at))
                .add(Title::new(format!("deletion seen at {at:.1} s"))),
        );
        g.append(label_at(x, top + 30.0, "deleted", "deleted-label"));
    }
    let mut y = top + POD_ROW;
    for lane in &pod.lanes {
        g.append(draw_lane(lane, &pod.name, axis, y));
        y += LANE;
    }
    g
}

fn draw_lane(lane: &Lane, pod: &str, axis: &TimeAxis, top: f64) -> Group {
    let mut g = Group::new()
        .set("class", if lane.proxy { "lane proxy" } else { "lane" })
        .set("data-pod", pod)
        .set("data-container", lane.container.as_str())
        .set("data-kind", lane.kind.word())
        .set("data-proxy", lane.proxy);
    g.append(
        text(24.0, top + 24.0, lane.container.as_str(), "lane-name")
            .set("font-weight", if lane.proxy { "bold" } else { "normal" }),
    );
    let role = if lane.proxy {
        format!("{} · proxy", lane.kind.word())
    } else {
        lane.kind.word().to_owned()
    };
    g.append(text(24.0, top + 37.0, role, "lane-kind"));
    g.append(
        Line::new()
            .set("x1", PLOT_LEFT)
            .set("x2", PLOT_RIGHT)
            .set("y1", r(top + LANE - 1.0))
            .set("y2", r(top + LANE - 1.0))
            .set("class", "lane-rule"),
    );
    let (y, h) = (top + 16.0, 18.0);
    for span in &lane.spans {
        let (x0, x1) = (axis.x(span.from), axis.x(span.to));
        // A run shorter than the kubelet's one-second clock still shows.
        let width = (x1 - x0).max(if span.state.is_running() { 5.0 } else { 2.0 });
        let thin = matches!(span.state, SpanState::Terminated(0, _));
        let (sy, sh) = if thin { (y + 5.0, h - 10.0) } else { (y, h) };
        let mut class = format!("span {}", span.state.class());
        if span.inferred {
            class.push_str(" inferred");
        }
        let mut rect = Rectangle::new()
            .set("x", r(x0))
            .set("y", r(sy))
            .set("width", r(width))
            .set("height", r(sh))
            .set("class", class)
            .set("data-state", span.state.class())
            .set("data-from", r(span.from))
            .set("data-to", r(span.to))
            .set("data-instance", span.instance);
        let inferred = if span.inferred {
            " (not seen by the watch: from the kubelet's timestamps)"
        } else {
            ""
        };
        rect.append(Title::new(format!(
            "{}: {} from {:.1} s to {:.1} s{}{inferred}",
            lane.container,
            span.state.label(),
            span.from,
            span.to,
            if span.instance > 0 {
                format!(", after {} restart(s)", span.instance)
            } else {
                String::new()
            }
        )));
        g.append(rect);
        let label = span.state.label();
        if width > CHAR_W * label.chars().count() as f64 + 8.0 {
            g.append(text(x0 + 4.0, y + 13.0, label, "span-label"));
        }
    }
    for mark in draw_marks(&lane.marks, axis, top) {
        g.append(mark);
    }
    g
}

/// Where mark labels already are on one row, so they do not overprint each other.
#[derive(Default)]
struct Labels {
    taken: Vec<(f64, f64)>,
}

impl Labels {
    /// The x and anchor to draw a label of `chars` at, if it overlaps none placed before.
    fn place(&mut self, x: f64, chars: usize) -> Option<(f64, &'static str)> {
        let width = CHAR_W * 0.9 * chars as f64;
        let (start, anchor) = if x + width > WIDTH - 4.0 {
            (x - width, "end")
        } else {
            (x, "start")
        };
        let end = start + width;
        let overlaps = self
            .taken
            .iter()
            .any(|(a, b)| start < b + 4.0 && end + 4.0 > *a);
        if overlaps || start < PLOT_LEFT - 10.0 {
            return None;
        }
        self.taken.push((start, end));
        Some((if anchor == "end" { x } else { start }, anchor))
    }
}

/// Which marks get their label first when labels would collide: what the reader came for
/// (requests, SIGTERM, the proxy's log) before the kubelet's routine events.
fn label_rank(kind: MarkKind) -> u8 {
    match kind {
        MarkKind::Request { .. } | MarkKind::Sigterm | MarkKind::Unread => 0,
        MarkKind::AccessLog | MarkKind::Restart => 1,
        MarkKind::Event { warning: true } | MarkKind::Step => 2,
        MarkKind::Event { warning: false } | MarkKind::Exit => 3,
    }
}

/// Draws `marks` on a row whose top is `top`, labelling the most telling first.
fn draw_marks(marks: &[Mark], axis: &TimeAxis, top: f64) -> Vec<Group> {
    let mut order: Vec<&Mark> = marks.iter().collect();
    order.sort_by_key(|m| label_rank(m.kind));
    let mut labels = Labels::default();
    order
        .into_iter()
        .map(|mark| draw_mark(mark, axis, top, &mut labels))
        .collect()
}

/// A mark on a row whose top is `top`: a symbol, a label above when there is room, and its
/// whole story as a tooltip.
fn draw_mark(mark: &Mark, axis: &TimeAxis, top: f64, labels: &mut Labels) -> Group {
    let x = axis.x(mark.at);
    let mut class = format!("mark {}", mark.kind.class());
    if mark.approximate {
        class.push_str(" approx");
    }
    let mut g = Group::new().set("class", class).set("data-at", r(mark.at));
    g.append(Title::new(format!("{:.2} s: {}", mark.at, mark.detail)));
    let (y, h) = (top + 16.0, 18.0);
    let shape: Box<dyn Node> = match mark.kind {
        MarkKind::Event { .. } => {
            Box::new(Path::new().set("d", format!("M{} {} l4 4 l-4 4 l-4 -4 z", r(x), r(y - 5.0))))
        }
        MarkKind::Sigterm => Box::new(vline(x, y - 4.0, y + h + 4.0, "sigterm-line")),
        MarkKind::Exit => Box::new(vline(x, y - 2.0, y + h + 2.0, "exit-line")),
        MarkKind::Restart => Box::new(text(x - 5.0, y + 13.0, "↻", "restart-glyph")),
        MarkKind::AccessLog => {
            Box::new(Path::new().set("d", format!("M{} {} l-4 7 h8 z", r(x), r(y + h - 1.0))))
        }
        MarkKind::Request { ok } => {
            let mut c = Group::new();
            c.append(
                svg::node::element::Circle::new()
                    .set("cx", r(x))
                    .set("cy", r(y + h / 2.0))
                    .set("r", 6.5),
            );
            c.append(
                text(x, y + h / 2.0 + 4.0, if ok { "✓" } else { "✗" }, "glyph")
                    .set("text-anchor", "middle"),
            );
            Box::new(c)
        }
        MarkKind::Step => Box::new(
            svg::node::element::Circle::new()
                .set("cx", r(x))
                .set("cy", r(y + h / 2.0))
                .set("r", 3.5),
        ),
        MarkKind::Unread => {
            let mut c = Group::new();
            c.append(
                svg::node::element::Rectangle::new()
                    .set("x", r(x - 7.0))
                    .set("y", r(y + 1.0))
                    .set("width", 14)
                    .set("height", 16),
            );
            c.append(text(x, y + 14.0, "?", "glyph").set("text-anchor", "middle"));
            Box::new(c)
        }
    };
    g.append(shape);
    // Exits are labelled by the span that follows them.
    if mark.kind != MarkKind::Exit
        && let Some((lx, anchor)) = labels.place(x - 3.0, mark.label.chars().count())
    {
        g.append(
            text(lx, top + 10.0, mark.label.as_str(), "mark-label").set("text-anchor", anchor),
        );
    }
    g
}
