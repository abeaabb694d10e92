//! `checks:` in a scenario file: the harness's checks by name, with what each needs, where it
//! is asserted and the known bug it may expect instead. Each becomes a [`Check`] the verdict
//! decides exactly as it decides a built-in scenario's.

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::selector::{RawWhere, Selector, version_number};
use super::steps::parse_duration;
use crate::scenario::expectation::LEGACY_JOB_LINGER_SECONDS;
use crate::scenario::{Check, KnownBug, Patch, PatchRange, PendingFix, ProxyPlace};

/// A check as written: its name and the keys it takes.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct RawCheck {
    check: String,
    step: Option<String>,
    succeeds: Option<bool>,
    heard: Option<bool>,
    order: Option<Vec<String>>,
    container: Option<String>,
    code: Option<i32>,
    within: Option<String>,
    grace: Option<String>,
    #[serde(rename = "for")]
    for_: Option<String>,
    #[serde(rename = "where")]
    pub(super) where_: Option<Spanned<RawWhere>>,
    otherwise: Option<String>,
    pub(super) known_bug: Option<Spanned<RawBug>>,
}

/// A known bug as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct RawBug {
    id: String,
    url: String,
    title: String,
    introduced_in: Option<String>,
    #[serde(default)]
    fixed_in: Vec<String>,
    #[serde(default)]
    absent_in: Vec<RawRange>,
    open_upstream: Option<RawPendingFix>,
    #[serde(default)]
    racy: bool,
}

/// Patches inside a bug's span that do not have it, as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRange {
    first: String,
    last: String,
}

/// The fix of a bug no released patch has yet, as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPendingFix {
    pr: String,
    status: String,
}

/// The words of the vocabulary, for messages and the docs.
pub const CHECK_NAMES: [&str; 12] = [
    "layout",
    "startup-order",
    "traffic",
    "completes",
    "keeps-running",
    "termination-order",
    "restarted",
    "deleted-within",
    "exit-code",
    "app-starts",
    "pod-never-runs",
    "printer-agrees",
];

/// One check of a scenario file, ready to list for a cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileCheck {
    /// The check where it is asserted (with no known bug: that is set per cell).
    pub check: Check,
    /// Where it is asserted.
    pub selector: Selector,
    /// Traffic only: listed as not asserted elsewhere, with this reason.
    pub otherwise: Option<&'static str>,
    /// Traffic only: the sidecar's log must hold it too (its access log, its collector's record).
    pub heard: bool,
    /// The bug expected instead on the patches that have it.
    pub known_bug: Option<&'static KnownBug>,
}

/// What a check may refer to in its scenario.
pub(super) struct Known<'a> {
    /// Whether the injector adds its sidecar.
    pub injected: bool,
    /// The scenario's own sidecars.
    pub sidecars: &'a [&'static str],
    /// The workload's manifest, to find container names in.
    pub manifest: &'a str,
}

/// Text kept for the life of the process, as checks hold it.
fn keep(text: &str) -> &'static str {
    Box::leak(text.to_owned().into_boxed_str())
}

fn required<'v, T>(
    value: &'v Option<T>,
    key: &'static str,
    check: &str,
) -> Result<&'v T, (&'static str, String)> {
    value
        .as_ref()
        .ok_or_else(|| (key, format!("`{check}` needs `{key}`")))
}

fn seconds(written: &str, key: &'static str) -> Result<u32, (&'static str, String)> {
    let duration = parse_duration(written).map_err(|why| (key, why))?;
    if duration.subsec_nanos() != 0 {
        return Err((key, format!("{written:?}: whole seconds")));
    }
    u32::try_from(duration.as_secs()).map_err(|_| (key, format!("{written:?}: too long")))
}

fn container<'a>(
    raw: &'a RawCheck,
    known: &Known<'_>,
    check: &str,
) -> Result<&'a str, (&'static str, String)> {
    let name = required(&raw.container, "container", check)?;
    if !known.manifest.contains(&format!("name: {name}")) {
        return Err((
            "container",
            format!("{name:?} is not a container of the scenario's manifest"),
        ));
    }
    Ok(name)
}

impl FileCheck {
    /// The check `raw` says, or the key that is wrong and why.
    pub(super) fn parse(raw: &RawCheck, known: &Known<'_>) -> Result<Self, (&'static str, String)> {
        let name = raw.check.as_str();
        // Keys that belong to one check only are refused elsewhere, so a typo'd intent shows.
        let allowed: &[&str] = match name {
            "traffic" => &["step", "succeeds", "heard", "otherwise"],
            "keeps-running" => &["for"],
            "termination-order" => &["order"],
            "restarted" => &["container"],
            "deleted-within" => &["within", "grace"],
            "exit-code" => &["container", "code"],
            _ => &[],
        };
        let given = [
            ("step", raw.step.is_some()),
            ("succeeds", raw.succeeds.is_some()),
            ("heard", raw.heard.is_some()),
            ("otherwise", raw.otherwise.is_some()),
            ("for", raw.for_.is_some()),
            ("order", raw.order.is_some()),
            ("container", raw.container.is_some()),
            ("within", raw.within.is_some()),
            ("grace", raw.grace.is_some()),
            ("code", raw.code.is_some()),
        ];
        if let Some((key, _)) = given
            .iter()
            .find(|(key, set)| *set && !allowed.contains(key))
            .filter(|_| CHECK_NAMES.contains(&name))
        {
            return Err((key, format!("`{name}` takes no `{key}`")));
        }
        let check = match name {
            "layout" => {
                if !known.injected {
                    return Err((
                        "check",
                        "`layout` checks where the injector put its sidecar: the scenario must be `injected: true`".to_owned(),
                    ));
                }
                // The place follows the cell's mode; set per cell.
                Check::ProxyLayout {
                    place: ProxyPlace::RestartableInitContainer,
                }
            }
            "startup-order" => Check::StartupOrder,
            "traffic" => Check::Request {
                step: keep(required(&raw.step, "step", name)?),
                succeeds: Some(raw.succeeds.unwrap_or(true)),
                unasserted_because: None,
            },
            "completes" => Check::JobCompletes { known_bug: None },
            "keeps-running" => Check::JobPodKeepsRunning {
                for_seconds: match &raw.for_ {
                    Some(written) => seconds(written, "for")?,
                    None => LEGACY_JOB_LINGER_SECONDS,
                },
            },
            "termination-order" => {
                let order = required(&raw.order, "order", name)?;
                if order.len() < 2 {
                    return Err(("order", "name at least two containers".to_owned()));
                }
                if let Some(missing) = order
                    .iter()
                    .find(|c| !known.manifest.contains(&format!("name: {c}")))
                {
                    return Err((
                        "order",
                        format!("{missing:?} is not a container of the scenario's manifest"),
                    ));
                }
                let names: Vec<&'static str> = order.iter().map(|c| keep(c)).collect();
                Check::TerminationOrder {
                    order: Box::leak(names.into_boxed_slice()),
                }
            }
            "restarted" => {
                let name_of = container(raw, known, name)?;
                match known.sidecars.iter().find(|s| **s == name_of) {
                    Some(sidecar) => Check::SidecarRestarted {
                        sidecar,
                        known_bug: None,
                    },
                    None => Check::AppRestarted { known_bug: None },
                }
            }
            "deleted-within" => Check::DeletedWithin {
                seconds: seconds(required(&raw.within, "within", name)?, "within")?,
                grace_seconds: seconds(required(&raw.grace, "grace", name)?, "grace")?,
                known_bug: None,
            },
            "exit-code" => {
                let name_of = container(raw, known, name)?;
                let Some(sidecar) = known.sidecars.iter().find(|s| **s == name_of) else {
                    return Err((
                        "container",
                        format!("{name_of:?}: `exit-code` is about a sidecar named in `sidecars:`"),
                    ));
                };
                Check::SidecarExitCode {
                    sidecar,
                    code: *required(&raw.code, "code", name)?,
                }
            }
            "app-starts" => Check::AppStarts { known_bug: None },
            "pod-never-runs" => Check::PodNeverRuns,
            "printer-agrees" => Check::PrinterAgrees,
            other => {
                return Err((
                    "check",
                    format!(
                        "{other:?} is not a check: write one of {}",
                        CHECK_NAMES.join(", ")
                    ),
                ));
            }
        };
        let selector = match &raw.where_ {
            Some(written) => Selector::parse(&written.value)?,
            None => Selector::default(),
        };
        let known_bug = match &raw.known_bug {
            Some(bug) => {
                if !accepts_known_bug(&check) {
                    return Err((
                        "knownBug",
                        format!(
                            "`{name}` cannot expect a known bug; these can: completes, app-starts, deleted-within, restarted"
                        ),
                    ));
                }
                Some(parse_bug(&bug.value)?)
            }
            None => None,
        };
        if raw.heard == Some(true) && !known.injected {
            return Err((
                "heard",
                "the sidecar that hears traffic is the injector's: the scenario must be `injected: true`".to_owned(),
            ));
        }
        Ok(FileCheck {
            check,
            selector,
            otherwise: raw.otherwise.as_deref().map(keep),
            heard: raw.heard.unwrap_or(known.injected),
            known_bug,
        })
    }

    /// The check for a cell where it is asserted, expecting `bug` there when the cell has it.
    pub fn with_bug(&self, bug: Option<&'static KnownBug>) -> Check {
        let mut check = self.check.clone();
        match &mut check {
            Check::JobCompletes { known_bug }
            | Check::AppStarts { known_bug }
            | Check::DeletedWithin { known_bug, .. }
            | Check::SidecarRestarted { known_bug, .. }
            | Check::AppRestarted { known_bug } => *known_bug = bug,
            _ => {}
        }
        check
    }
}

/// Whether a check can carry a known bug (the ones whose healthy behaviour a bug breaks).
fn accepts_known_bug(check: &Check) -> bool {
    matches!(
        check,
        Check::JobCompletes { .. }
            | Check::AppStarts { .. }
            | Check::DeletedWithin { .. }
            | Check::SidecarRestarted { .. }
            | Check::AppRestarted { .. }
    )
}

/// `1.33.4` as a patch.
fn parse_patch(written: &str, key: &'static str) -> Result<Patch, (&'static str, String)> {
    let bad = || {
        (
            key,
            format!("{written:?} is not a patch: write 1.MINOR.PATCH"),
        )
    };
    let mut parts = written.trim().trim_start_matches('v').split('.');
    let number = |p: Option<&str>| p.and_then(version_number).ok_or_else(bad);
    if parts.next() != Some("1") {
        return Err(bad());
    }
    let patch = Patch {
        minor: number(parts.next())?,
        patch: number(parts.next())?,
    };
    if parts.next().is_some() {
        return Err(bad());
    }
    Ok(patch)
}

fn parse_bug(raw: &RawBug) -> Result<&'static KnownBug, (&'static str, String)> {
    if raw.id.trim().is_empty() || raw.title.trim().is_empty() {
        return Err(("knownBug", "`id` and `title` must say something".to_owned()));
    }
    if !raw.url.starts_with("https://") {
        return Err(("url", format!("{:?}: the bug's https:// address", raw.url)));
    }
    let mut fixed_in = raw
        .fixed_in
        .iter()
        .map(|p| parse_patch(p, "fixedIn"))
        .collect::<Result<Vec<_>, _>>()?;
    fixed_in.sort_unstable();
    if fixed_in.windows(2).any(|w| w[0].minor == w[1].minor) {
        return Err((
            "fixedIn",
            "one patch per minor: its first fixed one".to_owned(),
        ));
    }
    let introduced_in = raw
        .introduced_in
        .as_deref()
        .map(|p| parse_patch(p, "introducedIn"))
        .transpose()?;
    let absent_in = raw
        .absent_in
        .iter()
        .map(|range| {
            Ok(PatchRange {
                first: parse_patch(&range.first, "absentIn")?,
                last: parse_patch(&range.last, "absentIn")?,
            })
        })
        .collect::<Result<Vec<_>, (&'static str, String)>>()?;
    let bug = KnownBug {
        id: keep(&raw.id),
        url: keep(&raw.url),
        title: keep(&raw.title),
        introduced_in,
        fixed_in: Box::leak(fixed_in.into_boxed_slice()),
        absent_in: Box::leak(absent_in.into_boxed_slice()),
        open_upstream: raw.open_upstream.as_ref().map(|fix| PendingFix {
            pr: keep(&fix.pr),
            status: keep(&fix.status),
        }),
        racy: raw.racy,
    };
    // The same rules as the built-in bugs': open upstream or fixed somewhere, never both.
    bug.consistency()
        .map_err(|why| ("knownBug", why.replacen(bug.id, "the bug", 1)))?;
    Ok(Box::leak(Box::new(bug)))
}
