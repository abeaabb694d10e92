//! What a YAML scalar means to kubectl: go-yaml v2's YAML 1.1 resolution, as sigs.k8s.io/yaml
//! turns a manifest into the JSON sent to the API server.
//!
//! kubectl 1.32 reads manifests with sigs.k8s.io/yaml, which decodes them with go-yaml v2 into
//! `interface{}` and marshals the result as JSON. The rules below are those of go-yaml v2's
//! `resolve.go` (v2.4, as vendored in `sigs.k8s.io/yaml/goyaml.v2`) and of the JSON step; each
//! function names the rule it follows. `tests/data/kubectl-scalars.json` records what a real
//! kubectl printed for the tricky spellings, and a test checks this module against it.
//!
//! Where YAML 1.2 and go-yaml v2 disagree, v2 wins: `0400` is 256 (octal), `yes`/`on`/`y` are
//! `true`, `1_000` is 1000, `1e3` is a number (PyYAML would say a string), `09` is 9 (not valid
//! octal, so it is read as a float), `1:20` is a string (v2 dropped base-60).

use std::fmt::Write as _;

/// A scalar as go-yaml v2 resolves it, before JSON.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Resolved {
    /// `~`, `null`, `Null`, `NULL` or nothing at all.
    Null,
    /// YAML 1.1 booleans: `y`, `yes`, `on`, `true` and their `n`/`no`/`off`/`false` counterparts,
    /// each in lower, Capitalised and UPPER case.
    Bool(bool),
    /// An integer that fits `int64` (Go's `int`).
    Int(i64),
    /// An integer above `int64`'s range that fits `uint64`.
    Uint(u64),
    /// A float; never NaN or infinite (see [`Resolved::NonFinite`]).
    Float(f64),
    /// `.nan`, `.inf`, `-.inf`: go-yaml reads them, but JSON cannot carry them, so kubectl stops
    /// with "json: unsupported value".
    NonFinite(&'static str),
    /// The scalar's own text, as a string.
    Str,
}

/// Why an explicitly tagged scalar cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TagError {
    /// `!!int abc` and the like (go-yaml: "cannot decode !!str `abc` as a !!int").
    #[error("cannot read {value:?} as {tag}")]
    Mismatch {
        /// The core tag, `!!int`, `!!float`, …
        tag: &'static str,
        /// The scalar text.
        value: String,
    },
    /// `!!binary` that is not base64.
    #[error("!!binary value is not base64")]
    Base64,
}

/// A core tag of go-yaml v2 that changes how a scalar resolves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CoreTag {
    /// `!!str`: always the text.
    Str,
    /// `!!binary`: base64, decoded to text.
    Binary,
    /// `!!bool`.
    Bool,
    /// `!!int`.
    Int,
    /// `!!float`: an integer is read as a float.
    Float,
    /// `!!null`.
    Null,
    /// `!!timestamp`: kept as its text when decoded into `interface{}`.
    Timestamp,
}

impl CoreTag {
    /// The core tag for a `tag:yaml.org,2002:` suffix; other tags (`!foo`, `!!set`) leave a
    /// scalar as its text (go-yaml's `resolvableTag`).
    pub fn from_suffix(suffix: &str) -> Option<CoreTag> {
        Some(match suffix {
            "str" => CoreTag::Str,
            "binary" => CoreTag::Binary,
            "bool" => CoreTag::Bool,
            "int" => CoreTag::Int,
            "float" => CoreTag::Float,
            "null" => CoreTag::Null,
            "timestamp" => CoreTag::Timestamp,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            CoreTag::Str => "!!str",
            CoreTag::Binary => "!!binary",
            CoreTag::Bool => "!!bool",
            CoreTag::Int => "!!int",
            CoreTag::Float => "!!float",
            CoreTag::Null => "!!null",
            CoreTag::Timestamp => "!!timestamp",
        }
    }
}

/// A tagged scalar's value: resolved, or a string other than the scalar's text (`!!binary`).
#[derive(Debug, Clone, PartialEq)]
pub enum Tagged {
    /// As [`Resolved`].
    Resolved(Resolved),
    /// Decoded `!!binary` text.
    Text(String),
}

/// go-yaml v2 `resolve("", in)` for a plain (unquoted, untagged) scalar.
pub fn resolve_plain(text: &str) -> Resolved {
    // `resolveTable`: the first byte hints at what the scalar may be; anything else is a string.
    let Some(&first) = text.as_bytes().first() else {
        return Resolved::Null;
    };
    if let Some(known) = resolve_map(text) {
        return known;
    }
    match first {
        // 'M': only the map above can make these anything but a string.
        b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~' => Resolved::Str,
        // '.': "not in the map, so maybe a normal float" (strconv.ParseFloat on the raw text).
        b'.' => match go_parse_float(text) {
            Some(value) => float(value),
            None => Resolved::Str,
        },
        // 'D', 'S': int, float or timestamp (a timestamp decodes to its text in `interface{}`).
        b'0'..=b'9' | b'+' | b'-' => resolve_number(text),
        _ => Resolved::Str,
    }
}

/// go-yaml v2 `resolve(tag, in)` for an explicitly tagged scalar (quoted or not).
///
/// # Errors
/// [`TagError`] when the text is not of the tag's kind, as go-yaml's deferred check in `resolve`.
pub fn resolve_tagged(tag: CoreTag, text: &str) -> Result<Tagged, TagError> {
    let mismatch = || TagError::Mismatch {
        tag: tag.name(),
        value: text.to_owned(),
    };
    let resolved = match tag {
        CoreTag::Str => return Ok(Tagged::Resolved(Resolved::Str)),
        CoreTag::Binary => return decode_binary(text).map(Tagged::Text),
        CoreTag::Timestamp => {
            return if is_timestamp(text) {
                Ok(Tagged::Resolved(Resolved::Str))
            } else {
                Err(mismatch())
            };
        }
        CoreTag::Bool | CoreTag::Int | CoreTag::Float | CoreTag::Null => {
            // `hint == 0` (a first byte no rule starts with): always a string.
            resolve_plain(text)
        }
    };
    let matches = match (tag, resolved) {
        (CoreTag::Bool, Resolved::Bool(_))
        | (CoreTag::Null, Resolved::Null)
        | (CoreTag::Int, Resolved::Int(_) | Resolved::Uint(_))
        | (CoreTag::Float, Resolved::Float(_) | Resolved::NonFinite(_)) => true,
        // "if tag == floatTag && rtag == intTag": int and int64 become float64 (uint64 does not).
        (CoreTag::Float, Resolved::Int(value)) => {
            return Ok(Tagged::Resolved(float(value as f64)));
        }
        _ => false,
    };
    if matches {
        Ok(Tagged::Resolved(resolved))
    } else {
        Err(mismatch())
    }
}

/// The JSON object key kubectl makes of a resolved key (`convertToJSONableObject` in
/// sigs.k8s.io/yaml): booleans become `"true"`/`"false"`, integers their decimal text, floats
/// Go's `FormatFloat(k, 'g', -1, 32)` (so `1e3` is `"1000"` but `1e6` is `"1e+06"`). `None` for
/// the key types it refuses: null and uint64.
pub fn key_text(resolved: Resolved, text: &str) -> Option<String> {
    match resolved {
        Resolved::Str => Some(text.to_owned()),
        Resolved::Bool(value) => Some(value.to_string()),
        Resolved::Int(value) => Some(value.to_string()),
        Resolved::Float(value) => Some(go_format_float32_g(value)),
        Resolved::NonFinite(spelling) => Some(spelling.trim_start_matches('+').to_owned()),
        Resolved::Null | Resolved::Uint(_) => None,
    }
}

/// The JSON value of a resolved scalar whose text is `text`; `None` for [`Resolved::NonFinite`].
pub fn to_json(resolved: Resolved, text: &str) -> Option<serde_json::Value> {
    use serde_json::Value;
    Some(match resolved {
        Resolved::Null => Value::Null,
        Resolved::Bool(value) => Value::Bool(value),
        Resolved::Int(value) => Value::from(value),
        Resolved::Uint(value) => Value::from(value),
        Resolved::Float(value) => json_float(value),
        Resolved::NonFinite(_) => return None,
        Resolved::Str => Value::String(text.to_owned()),
    })
}

/// A float as Go's `encoding/json` writes it and the API server reads it back: an integral value
/// is written without a fraction (`1e3` → `1000`), so it is an integer to every reader. Keeping it
/// as a JSON integer here means `inject` writes `256`, never `256.0`, which an `int32` field
/// refuses.
fn json_float(value: f64) -> serde_json::Value {
    // Negative zero too: Go writes `-0`, which kubectl reads back as the integer 0.
    if value.fract() == 0.0 {
        if (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&value) {
            return serde_json::Value::from(value as i64);
        }
        if (0.0..18_446_744_073_709_551_616.0).contains(&value) {
            return serde_json::Value::from(value as u64);
        }
    }
    serde_json::Number::from_f64(value).map_or(serde_json::Value::Null, serde_json::Value::Number)
}

fn float(value: f64) -> Resolved {
    if value.is_finite() {
        Resolved::Float(value)
    } else if value.is_nan() {
        Resolved::NonFinite(".nan")
    } else if value > 0.0 {
        Resolved::NonFinite(".inf")
    } else {
        Resolved::NonFinite("-.inf")
    }
}

/// go-yaml v2 `resolveMap`: exact spellings, checked before anything else.
fn resolve_map(text: &str) -> Option<Resolved> {
    Some(match text {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            Resolved::Bool(true)
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            Resolved::Bool(false)
        }
        "~" | "null" | "Null" | "NULL" => Resolved::Null,
        ".nan" | ".NaN" | ".NAN" => Resolved::NonFinite(".nan"),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => Resolved::NonFinite(".inf"),
        "-.inf" | "-.Inf" | "-.INF" => Resolved::NonFinite("-.inf"),
        _ => return None,
    })
}

/// The 'D' and 'S' branch of go-yaml v2 `resolve`, in its order: underscores removed, then
/// `ParseInt(plain, 0, 64)`, `ParseUint(plain, 0, 64)`, the `yamlStyleFloat` pattern with
/// `ParseFloat`, and the `0b`/`-0b` fallbacks. Whatever fails all of them is a string (a
/// timestamp too: decoded into `interface{}`, it keeps its text).
fn resolve_number(text: &str) -> Resolved {
    let plain = text.replace('_', "");
    if let Some(value) = go_parse_int(&plain, 0) {
        return Resolved::Int(value);
    }
    if let Some(value) = go_parse_uint(&plain, 0) {
        return Resolved::Uint(value);
    }
    if is_yaml_style_float(&plain) {
        // Go's ParseFloat fails on overflow (`1e400`), and then the scalar is a string.
        if let Ok(value) = plain.parse::<f64>()
            && value.is_finite()
        {
            return Resolved::Float(value);
        }
    }
    if let Some(digits) = plain.strip_prefix("0b") {
        // `strconv.ParseInt(plain[2:], 2, 64)`: a sign after the prefix is accepted (`0b-101`).
        if let Some(value) = go_parse_int(digits, 2) {
            return Resolved::Int(value);
        }
        if let Some(value) = go_parse_uint(digits, 2) {
            return Resolved::Uint(value);
        }
    } else if let Some(digits) = plain.strip_prefix("-0b")
        && let Some(value) = go_parse_int(&format!("-{digits}"), 2)
    {
        return Resolved::Int(value);
    }
    Resolved::Str
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`, go-yaml v2's `yamlStyleFloat`.
fn is_yaml_style_float(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut i = usize::from(matches!(bytes.first(), Some(b'+' | b'-')));
    let digits = |i: &mut usize| {
        let start = *i;
        while bytes.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - start
    };
    if bytes.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if bytes.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(bytes.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == bytes.len()
}

/// Go's `strconv.ParseUint(s, base, 64)` for base 0 (prefix-selected: `0x`, `0o`, `0b`, a
/// leading `0` for octal) or an explicit base. No sign is accepted. `None` on any error.
fn go_parse_uint(text: &str, base: u32) -> Option<u64> {
    let (radix, digits) = if base == 0 {
        let bytes = text.as_bytes();
        if bytes.first() == Some(&b'0') {
            match bytes.get(1).map(u8::to_ascii_lowercase) {
                Some(b'b') if bytes.len() >= 3 => (2, &text[2..]),
                Some(b'o') if bytes.len() >= 3 => (8, &text[2..]),
                Some(b'x') if bytes.len() >= 3 => (16, &text[2..]),
                // "0" alone is octal with no more digits: zero.
                _ => (8, &text[1..]),
            }
        } else {
            (10, text)
        }
    } else {
        (base, text)
    };
    if text.is_empty() || (base != 0 && digits.is_empty()) {
        return None;
    }
    let mut value: u64 = 0;
    for c in digits.chars() {
        let digit = c.to_digit(radix)?;
        value = value
            .checked_mul(u64::from(radix))?
            .checked_add(u64::from(digit))?;
    }
    Some(value)
}

/// Go's `strconv.ParseInt(s, base, 64)`: an optional sign, then [`go_parse_uint`], in range.
fn go_parse_int(text: &str, base: u32) -> Option<i64> {
    let (negative, unsigned) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let magnitude = go_parse_uint(unsigned, base)?;
    if negative {
        0i64.checked_sub_unsigned(magnitude)
    } else {
        i64::try_from(magnitude).ok()
    }
}

/// Go's `strconv.ParseFloat(s, 64)` for text that starts with `.` (the only case go-yaml hands
/// it raw): `.5`, `.5e3`; underscores only between digits (`underscoreOK`). `None` on error,
/// including overflow.
fn go_parse_float(text: &str) -> Option<f64> {
    if !underscores_ok(text) {
        return None;
    }
    let plain = text.replace('_', "");
    if !is_yaml_style_float(&plain) {
        return None;
    }
    plain.parse::<f64>().ok().filter(|value| value.is_finite())
}

/// Go's `underscoreOK`: each `_` sits between two digits.
fn underscores_ok(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.iter().enumerate().all(|(i, &b)| {
        b != b'_'
            || (i > 0
                && bytes[i - 1].is_ascii_digit()
                && bytes.get(i + 1).is_some_and(u8::is_ascii_digit))
    })
}

/// The `allowedTimestampFormats` of go-yaml v2, loosely: `YYYY-M-D`, optionally followed by
/// `T`/`t`/space and `h:m:s[.frac]` and an optional zone. Only consulted for `!!timestamp`.
fn is_timestamp(text: &str) -> bool {
    let (date, time) = match text.find(['T', 't', ' ']) {
        Some(at) => (&text[..at], Some(&text[at + 1..])),
        None => (text, None),
    };
    let parts: Vec<&str> = date.split('-').collect();
    let numeric = |s: &str, min: usize, max: usize| {
        (min..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
    };
    if parts.len() != 3
        || !numeric(parts[0], 4, 4)
        || !numeric(parts[1], 1, 2)
        || !numeric(parts[2], 1, 2)
    {
        return false;
    }
    let Some(time) = time else { return true };
    let clock = time.trim_end_matches('Z');
    let clock = clock.rfind(['+', '-']).map_or(clock, |zone| &clock[..zone]);
    let clock = clock.split('.').next().unwrap_or(clock);
    let fields: Vec<&str> = clock.split(':').collect();
    fields.len() == 3 && fields.iter().all(|f| numeric(f, 1, 2))
}

/// `!!binary`: Go's `base64.StdEncoding.DecodeString`, which skips line breaks. Bytes that are
/// not UTF-8 are replaced, as Go's JSON encoder does.
fn decode_binary(text: &str) -> Result<String, TagError> {
    use base64::Engine;
    let compact: String = text.chars().filter(|c| !matches!(c, '\r' | '\n')).collect();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(compact)
        .map_err(|_| TagError::Base64)?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Go's `strconv.FormatFloat(v, 'g', -1, 32)`: the shortest float32 digits, in exponent form
/// when the exponent is below -4 or at least 6 (`1e+06`, `1e-05`), else plain (`1000`, `0.5`).
fn go_format_float32_g(value: f64) -> String {
    if value.is_nan() {
        return ".nan".to_owned();
    }
    if value.is_infinite() {
        return if value > 0.0 { ".inf" } else { "-.inf" }.to_owned();
    }
    #[expect(
        clippy::cast_possible_truncation,
        reason = "the 32 in FormatFloat(k, 'g', -1, 32): keys are formatted at float32 precision"
    )]
    let single = value as f32;
    let negative = single.is_sign_negative();
    if single == 0.0 {
        return if negative { "-0" } else { "0" }.to_owned();
    }
    // `{:e}` gives the shortest round-trip digits: `1.234567e6`, `5e-1`.
    let scientific = format!("{:e}", single.abs());
    let (mantissa, exponent) = scientific
        .split_once('e')
        .unwrap_or((scientific.as_str(), "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    if !(-4..6).contains(&exponent) {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let sign = if exponent < 0 { '-' } else { '+' };
        let _ = write!(out, "e{sign}{:02}", exponent.abs());
    } else if exponent < 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', (-exponent - 1) as usize));
        out.push_str(&digits);
    } else {
        let point = exponent as usize + 1;
        if digits.len() <= point {
            out.push_str(&digits);
            out.extend(std::iter::repeat_n('0', point - digits.len()));
        } else {
            out.push_str(&digits[..point]);
            out.push('.');
            out.push_str(&digits[point..]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn json_of(text: &str) -> Option<serde_json::Value> {
        to_json(resolve_plain(text), text)
    }

    #[test]
    fn octal_hex_binary_and_signs_are_integers() {
        // `ParseInt(plain, 0, 64)`: Go's base prefixes, after a sign.
        for (text, expected) in [
            ("0400", 256),
            ("0o17", 15),
            ("0O17", 15),
            ("0x1F", 31),
            ("0X1f", 31),
            ("-0x1F", -31),
            ("+12", 12),
            ("-0", 0),
            ("00", 0),
            ("0b101", 5),
            ("0B11", 3),
            ("0b+101", 5),
            ("0b-101", -5),
            ("-0b101", -5),
            ("1_000", 1000),
            ("0x_1F", 31),
            ("1__0", 10),
        ] {
            assert_eq!(json_of(text), Some(json!(expected)), "{text}");
        }
    }

    #[test]
    fn integers_past_int64_are_uint64_then_float() {
        assert_eq!(
            resolve_plain("9223372036854775808"),
            Resolved::Uint(9_223_372_036_854_775_808)
        );
        assert_eq!(
            resolve_plain("18446744073709551615"),
            Resolved::Uint(u64::MAX)
        );
        // Past uint64, a decimal matches `yamlStyleFloat`.
        assert_eq!(
            resolve_plain("123456789012345678901234"),
            Resolved::Float(1.2345678901234568e23)
        );
        // A hex one does not, and stays a string (go-yaml v2.4; kubectl 1.32).
        assert_eq!(resolve_plain("0xFFFFFFFFFFFFFFFFFF"), Resolved::Str);
        // -2^63 - 1 is a float, which is integral and JSON writes as an integer again.
        assert_eq!(
            json_of("-9223372036854775809"),
            Some(json!(i64::MIN)),
            "float -9.223372036854776e18 == i64::MIN"
        );
    }

    #[test]
    fn floats_that_are_integral_become_json_integers() {
        for (text, expected) in [
            ("1e3", json!(1000)),
            ("1.5e3", json!(1500)),
            ("1.0", json!(1)),
            ("3.", json!(3)),
            ("09", json!(9)),
            ("1.e5", json!(100_000)),
            ("0.", json!(0)),
            ("1e-400", json!(0)),
            ("-.5", json!(-0.5)),
            ("+.5", json!(0.5)),
            (".5", json!(0.5)),
            (".5_0", json!(0.5)),
            ("1.25", json!(1.25)),
        ] {
            assert_eq!(json_of(text), Some(expected), "{text}");
        }
        assert_eq!(json_of("-0.0"), Some(json!(0)));
    }

    #[test]
    fn yaml_1_1_booleans_and_nulls() {
        for text in [
            "y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "true", "True", "TRUE",
        ] {
            assert_eq!(resolve_plain(text), Resolved::Bool(true), "{text}");
        }
        for text in [
            "n", "N", "no", "No", "NO", "off", "Off", "OFF", "false", "False", "FALSE",
        ] {
            assert_eq!(resolve_plain(text), Resolved::Bool(false), "{text}");
        }
        for text in ["", "~", "null", "Null", "NULL"] {
            assert_eq!(resolve_plain(text), Resolved::Null, "{text:?}");
        }
        for text in ["yES", "tRUE", "nULL", "oN", "Yes please"] {
            assert_eq!(resolve_plain(text), Resolved::Str, "{text}");
        }
    }

    #[test]
    fn non_finite_floats_are_recognised_so_they_can_be_refused() {
        for text in [".inf", ".Inf", "+.INF", "-.inf", ".nan", ".NaN"] {
            assert!(
                matches!(resolve_plain(text), Resolved::NonFinite(_)),
                "{text}"
            );
            assert_eq!(json_of(text), None);
        }
        assert_eq!(resolve_plain(".iNf"), Resolved::Str);
    }

    #[test]
    fn strings_that_look_almost_like_numbers_stay_strings() {
        for text in [
            "1e400",
            "0x",
            "0o",
            "0b",
            "0x1G",
            "1:20",
            "2001-12-14",
            "1.2.3",
            "+",
            "-",
            ".",
            "._5",
            ".5__0",
            "1e",
            "e3",
            "0b2",
            "--1",
            "12abc",
            "1 000",
            "Infinity",
            "NaN",
        ] {
            assert_eq!(resolve_plain(text), Resolved::Str, "{text}");
        }
    }

    #[test]
    fn tagged_scalars_follow_their_tag() {
        let resolved = |tag, text| resolve_tagged(tag, text).expect(text);
        assert_eq!(
            resolved(CoreTag::Str, "0400"),
            Tagged::Resolved(Resolved::Str)
        );
        assert_eq!(
            resolved(CoreTag::Int, "12"),
            Tagged::Resolved(Resolved::Int(12))
        );
        assert_eq!(
            resolved(CoreTag::Float, "3"),
            Tagged::Resolved(Resolved::Float(3.0))
        );
        assert_eq!(
            resolved(CoreTag::Bool, "yes"),
            Tagged::Resolved(Resolved::Bool(true))
        );
        assert_eq!(
            resolved(CoreTag::Null, ""),
            Tagged::Resolved(Resolved::Null)
        );
        assert_eq!(
            resolved(CoreTag::Timestamp, "2001-12-14"),
            Tagged::Resolved(Resolved::Str)
        );
        assert_eq!(
            resolved(CoreTag::Binary, "aGVs\nbG8="),
            Tagged::Text("hello".to_owned())
        );
        for (tag, text) in [
            (CoreTag::Int, "abc"),
            (CoreTag::Int, "1.5"),
            (CoreTag::Bool, "12"),
            (CoreTag::Null, "x"),
            (CoreTag::Timestamp, "soon"),
            (CoreTag::Binary, "*"),
        ] {
            assert!(resolve_tagged(tag, text).is_err(), "{tag:?} {text}");
        }
    }

    #[test]
    fn keys_become_the_strings_kubectl_makes_of_them() {
        // `convertToJSONableObject`; float keys at float32 precision, Go's 'g' format.
        let key = |text: &str| key_text(resolve_plain(text), text);
        for (text, expected) in [
            ("a", Some("a")),
            ("y", Some("true")),
            ("off", Some("false")),
            ("0400", Some("256")),
            ("-3", Some("-3")),
            ("1.5", Some("1.5")),
            ("0.1", Some("0.1")),
            ("1e3", Some("1000")),
            ("1000000", Some("1000000")),
            ("1e6", Some("1e+06")),
            ("1e21", Some("1e+21")),
            ("1.25e-5", Some("1.25e-05")),
            ("0.0001", Some("0.0001")),
            ("1234567.5", Some("1.2345675e+06")),
            (".inf", Some(".inf")),
            ("18446744073709551615", None),
            ("~", None),
            ("", None),
        ] {
            assert_eq!(key(text).as_deref(), expected, "{text}");
        }
    }

    #[test]
    fn float_key_formatting_matches_go() {
        // Values kubectl 1.32 printed for float keys (see kubectl-scalars.json).
        assert_eq!(go_format_float32_g(1e6), "1e+06");
        assert_eq!(go_format_float32_g(1000.0), "1000");
        assert_eq!(go_format_float32_g(-0.5), "-0.5");
        assert_eq!(go_format_float32_g(123_456.0), "123456");
    }
}
