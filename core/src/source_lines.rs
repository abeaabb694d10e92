//! Where in a user's YAML file something is written, so an error names `file:line` as compilers
//! do and an editor jumps there. Shared by injector profiles and scenario files.

/// `file:line`, or the file alone when the line is not known.
pub(crate) fn at(file: &str, line: Option<u64>) -> String {
    match line {
        Some(line) => format!("{file}:{line}"),
        None => file.to_owned(),
    }
}

/// serde's error as its line and its first line of text, without the position it repeats (the
/// rest is a source snippet the file name and line already point to).
pub(crate) fn serde_failure(err: &serde_saphyr::Error) -> (Option<u64>, String) {
    let line = err.location().map(|l| l.line());
    let first = err
        .to_string()
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned();
    let first = first.strip_prefix("error: ").unwrap_or(&first);
    let reason = match (err.location(), first.split_once(": ")) {
        (Some(l), Some((position, rest)))
            if position == format!("line {} column {}", l.line(), l.column()) =>
        {
            rest.to_owned()
        }
        _ => first.to_owned(),
    };
    (line, reason)
}

/// The first line (from 1) that holds `value` outside a comment.
pub(crate) fn line_of_value(text: &str, value: &str) -> Option<u64> {
    let index = text
        .lines()
        .position(|line| line.split(" #").next().unwrap_or_default().contains(value))?;
    u64::try_from(index + 1).ok()
}

/// The first line at or after `from` (from 1) where `key` is written as a key: the line of a
/// key inside an entry whose own line is `from`.
pub(crate) fn line_of_key_from(text: &str, from: u64, key: &str) -> Option<u64> {
    let skip = usize::try_from(from.saturating_sub(1)).ok()?;
    let below: String = text.lines().skip(skip).collect::<Vec<_>>().join("\n");
    line_of(&below, key).map(|line| line + from - 1)
}

/// The line (from 1) where `field` (`layout.byVersion.kubeletFrom`) is written in `text`: each
/// segment is looked for as a key at or after the line of the one before, in block or flow
/// style. `None` when a segment is not written (a default), which leaves the file alone to name.
pub(crate) fn line_of(text: &str, field: &str) -> Option<u64> {
    let lines: Vec<&str> = text.lines().collect();
    let mut from = 0;
    for segment in field.split('.') {
        let key = format!("{segment}:");
        let found = lines.iter().enumerate().skip(from).find(|(_, line)| {
            let code = line.split(" #").next().unwrap_or_default();
            code.match_indices(&key).any(|(i, _)| {
                i == 0
                    || matches!(
                        code.as_bytes()[i - 1],
                        b' ' | b'{' | b',' | b'-' | b'"' | b'\''
                    )
            })
        });
        from = found?.0;
    }
    u64::try_from(from + 1).ok()
}
