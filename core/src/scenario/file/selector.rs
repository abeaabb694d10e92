//! `where:` in a scenario file: the cells a check is asserted in, by Kubernetes version (a minor
//! or a patch, with a comparison), by whether the cluster honours native sidecars (`gate`), and
//! by the layout the injector's pods get (`mode`). Every key given must hold; none given: every
//! cell the scenario runs in.

use serde::Deserialize;

use crate::plan::EffectiveMode;
use crate::scenario::Target;

/// One value or a list of them (`mode: native` or `mode: [native, legacy]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(super) enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    pub(super) fn items(&self) -> Vec<&str> {
        match self {
            OneOrMany::One(one) => vec![one.as_str()],
            OneOrMany::Many(many) => many.iter().map(String::as_str).collect(),
        }
    }
}

/// `where:` as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawWhere {
    /// `">=1.29"`, `"<1.33.6"`, `"1.32"`; a list must all hold.
    k8s: Option<OneOrMany>,
    /// `on`: the cluster honours native sidecars (the gate on, by default or locked);
    /// `off`: it does not.
    gate: Option<String>,
    /// The injector's layout: `native`, `legacy`, `rejected`; a list: any of them.
    mode: Option<OneOrMany>,
}

/// One number of a version as written: digits, and no leading zero (`1.028` must not quietly
/// mean 1.28).
pub(super) fn version_number(part: &str) -> Option<u32> {
    let plain = !part.is_empty() && (part == "0" || !part.starts_with('0'));
    plain.then(|| part.parse().ok()).flatten()
}

/// How a version is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Eq,
    Lt,
    Le,
    Gt,
    Ge,
}

/// One comparison with a minor (`1.29`: the patch is not compared) or a patch (`1.33.6`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct VersionRule {
    op: Op,
    minor: u32,
    patch: Option<u32>,
}

impl VersionRule {
    fn parse(written: &str) -> Result<Self, String> {
        let text = written.trim();
        let (op, rest) = [
            (">=", Op::Ge),
            ("<=", Op::Le),
            (">", Op::Gt),
            ("<", Op::Lt),
            ("=", Op::Eq),
        ]
        .into_iter()
        .find_map(|(sign, op)| text.strip_prefix(sign).map(|rest| (op, rest.trim())))
        .unwrap_or((Op::Eq, text));
        let bad = || {
            format!(
                "{written:?} is not a version rule: write 1.MINOR or 1.MINOR.PATCH, optionally after >=, >, <=, < or ="
            )
        };
        let mut parts = rest.trim_start_matches('v').split('.');
        let number = |part: Option<&str>| -> Result<Option<u32>, String> {
            part.map(|p| version_number(p).ok_or_else(bad)).transpose()
        };
        if parts.next() != Some("1") {
            return Err(bad());
        }
        let minor = number(parts.next())?.ok_or_else(bad)?;
        let patch = number(parts.next())?;
        if parts.next().is_some() {
            return Err(bad());
        }
        Ok(VersionRule { op, minor, patch })
    }

    /// Whether `target`'s version satisfies the rule; an unknown patch counts as the minor's `.0`,
    /// as known bugs count it.
    fn holds(self, target: &Target) -> bool {
        let here = match self.patch {
            Some(_) => (target.k8s.minor, target.patch.unwrap_or(0)),
            None => (target.k8s.minor, 0),
        };
        let there = (self.minor, self.patch.unwrap_or(0));
        match self.op {
            Op::Eq => here == there,
            Op::Lt => here < there,
            Op::Le => here <= there,
            Op::Gt => here > there,
            Op::Ge => here >= there,
        }
    }
}

/// Where a check is asserted, checked and ready to match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selector {
    versions: Vec<VersionRule>,
    native_sidecars: Option<bool>,
    modes: Vec<EffectiveMode>,
}

impl Selector {
    /// The selector `raw` says, or the key that is wrong and why.
    pub(super) fn parse(raw: &RawWhere) -> Result<Self, (&'static str, String)> {
        let versions = raw
            .k8s
            .as_ref()
            .map(|k8s| k8s.items().into_iter().map(VersionRule::parse).collect())
            .transpose()
            .map_err(|why| ("k8s", why))?
            .unwrap_or_default();
        let native_sidecars = match raw.gate.as_deref() {
            None => None,
            Some("on") => Some(true),
            Some("off") => Some(false),
            Some(other) => {
                return Err((
                    "gate",
                    format!(
                        "{other:?}: write on (the cluster honours native sidecars) or off (it does not)"
                    ),
                ));
            }
        };
        let modes = raw
            .mode
            .as_ref()
            .map(|modes| {
                modes
                    .items()
                    .into_iter()
                    .map(|mode| match mode {
                        "native" => Ok(EffectiveMode::Native),
                        "legacy" => Ok(EffectiveMode::Legacy),
                        "rejected" => Ok(EffectiveMode::Rejected),
                        other => Err((
                            "mode",
                            format!("{other:?}: write native, legacy or rejected"),
                        )),
                    })
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()?
            .unwrap_or_default();
        Ok(Selector {
            versions,
            native_sidecars,
            modes,
        })
    }

    /// Whether the check is asserted on `target`.
    pub fn matches(&self, target: &Target) -> bool {
        self.versions.iter().all(|rule| rule.holds(target))
            && self
                .native_sidecars
                .is_none_or(|on| on == target.sidecars_on)
            && (self.modes.is_empty() || self.modes.contains(&target.mode))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{InjectorSpec, K8sVersion};

    fn target(minor: u32, patch: Option<u32>, mode: EffectiveMode) -> Target {
        Target {
            k8s: K8sVersion { minor },
            patch,
            sidecars_on: mode == EffectiveMode::Native,
            mode,
            injector: InjectorSpec::builtin(),
            api_server: K8sVersion { minor },
        }
    }

    fn selector(yaml: &str) -> Result<Selector, (&'static str, String)> {
        let raw: RawWhere = serde_saphyr::from_str(yaml).expect("where");
        Selector::parse(&raw)
    }

    #[test]
    fn versions_compare_by_minor_or_by_patch() {
        let from_129 = selector("k8s: \">=1.29\"").expect("valid");
        assert!(!from_129.matches(&target(28, Some(15), EffectiveMode::Native)));
        assert!(from_129.matches(&target(29, Some(0), EffectiveMode::Native)));
        let before_patch = selector("k8s: \"<1.33.6\"").expect("valid");
        assert!(before_patch.matches(&target(33, Some(5), EffectiveMode::Native)));
        assert!(!before_patch.matches(&target(33, Some(6), EffectiveMode::Native)));
        assert!(
            before_patch.matches(&target(33, None, EffectiveMode::Native)),
            "unknown: .0"
        );
        let range = selector("k8s: [\">=1.30\", \"<1.33\"]").expect("valid");
        assert!(range.matches(&target(32, Some(13), EffectiveMode::Native)));
        assert!(!range.matches(&target(33, Some(0), EffectiveMode::Native)));
        let exact = selector("k8s: \"1.32\"").expect("valid");
        assert!(exact.matches(&target(32, Some(13), EffectiveMode::Native)));
        assert!(!exact.matches(&target(31, Some(13), EffectiveMode::Native)));
    }

    #[test]
    fn gate_and_mode_select_cells() {
        let legacy = selector("mode: [legacy, rejected]").expect("valid");
        assert!(legacy.matches(&target(32, None, EffectiveMode::Legacy)));
        assert!(!legacy.matches(&target(32, None, EffectiveMode::Native)));
        let off = selector("gate: off").expect("valid");
        assert!(off.matches(&target(28, None, EffectiveMode::Legacy)));
        assert!(!off.matches(&target(28, None, EffectiveMode::Native)));
        assert!(Selector::default().matches(&target(37, None, EffectiveMode::Native)));
    }

    #[test]
    fn a_bad_value_names_its_key() {
        for (yaml, key) in [
            ("k8s: \"1.028\"", "k8s"),
            ("k8s: \"=>1.29\"", "k8s"),
            ("k8s: \"2.1\"", "k8s"),
            ("k8s: \"1.29.1.2\"", "k8s"),
            ("gate: default", "gate"),
            ("mode: auto", "mode"),
        ] {
            let (field, why) = selector(yaml).expect_err(yaml);
            assert_eq!(field, key, "{yaml}: {why}");
        }
    }
}
