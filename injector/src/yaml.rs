//! Reading and writing Kubernetes YAML streams: several documents separated by `---`.
//!
//! Errors name the document (1-based, counting every `---` section, empty ones too) and the line
//! and column in the whole input, so a user can jump straight to the problem.

use serde_json::Value;

/// A YAML stream that could not be parsed.
#[derive(Debug, thiserror::Error)]
#[error("malformed YAML in document {document} at line {line}, column {column}: {message}")]
pub struct YamlError {
    /// 1-based document number in the stream.
    pub document: usize,
    /// 1-based line in the whole input.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What the parser said, without its source snippet.
    pub message: String,
}

/// Parses every non-empty document of a YAML stream.
///
/// # Errors
/// [`YamlError`] naming the document, line and column of the first syntax error.
pub fn parse_documents(input: &str) -> Result<Vec<Value>, YamlError> {
    serde_saphyr::from_multiple::<Value>(input).map_err(|err| {
        let (line, column) = err
            .location()
            .map(|loc| (loc.line() as usize, loc.column() as usize))
            .unwrap_or((0, 0));
        YamlError {
            document: document_at_line(input, line),
            line,
            column,
            message: first_line_of(&err.to_string()),
        }
    })
}

/// Writes values as one YAML stream, documents separated by `---`.
pub fn write_documents(values: &[Value]) -> String {
    values.iter().map(to_yaml).collect::<Vec<_>>().join("---\n")
}

/// Serialises one value as YAML. Multi-line strings (the Envoy bootstrap) become `|` blocks;
/// long single-line strings (image digests, type URLs) stay on one line instead of being folded,
/// so they can be copied and grepped.
pub fn to_yaml(value: &Value) -> String {
    let options = serde_saphyr::ser_options! {
        folded_wrap_chars: usize::MAX,
    };
    // A `serde_json::Value` always serialises (string keys, finite numbers), so an error here is a
    // bug in the YAML writer; fall back to JSON, which is valid YAML, rather than panic.
    serde_saphyr::to_string_with_options(value, options).unwrap_or_else(|_| format!("{value}\n"))
}

/// Which document (1-based) holds `line` (1-based), counting document-start markers.
fn document_at_line(input: &str, line: usize) -> usize {
    let mut document = 1;
    let mut seen_content = false;
    for (index, text) in input.lines().enumerate() {
        if index + 1 > line {
            break;
        }
        // A marker is `---` at column 0, alone or followed by a space (YAML 1.2 §9.1.2).
        let is_marker = text == "---" || text.starts_with("--- ");
        if is_marker {
            // A leading `---` starts the first document rather than ending an empty one.
            if seen_content {
                document += 1;
            }
            seen_content = true;
        } else if !text.trim().is_empty() && !text.trim_start().starts_with('#') {
            seen_content = true;
        }
    }
    document
}

/// serde-saphyr's message starts with `error: line L column C: what`; keep only `what`.
fn first_line_of(rendered: &str) -> String {
    let first = rendered.lines().next().unwrap_or(rendered);
    let without_prefix = first.strip_prefix("error: ").unwrap_or(first);
    match without_prefix.split_once(": ") {
        Some((position, rest)) if position.starts_with("line ") => rest.to_owned(),
        _ => without_prefix.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_document_and_absolute_line_of_a_syntax_error() {
        let input = "---\na: 1\n---\nb: 2\n---\nc: [1, 2\n";
        let err = parse_documents(input).expect_err("unclosed bracket");
        assert_eq!(err.document, 3);
        assert_eq!(err.line, 6);
        assert!(err.message.contains("unclosed"), "{err}");
        assert!(
            err.to_string()
                .starts_with("malformed YAML in document 3 at line 6")
        );
    }

    #[test]
    fn first_document_without_leading_marker_is_document_one() {
        let err = parse_documents("a: [\n").expect_err("unclosed");
        assert_eq!(err.document, 1);
    }

    #[test]
    fn empty_documents_are_dropped() {
        let docs = parse_documents("---\n---\na: 1\n...\n").expect("valid");
        assert_eq!(docs, vec![serde_json::json!({"a": 1})]);
    }

    #[test]
    fn round_trips_key_order() {
        let docs = parse_documents("z: 1\na: 2\n").expect("valid");
        assert_eq!(write_documents(&docs), "z: 1\na: 2\n");
    }
}
