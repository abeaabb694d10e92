//! Reading and writing Kubernetes YAML streams: several documents separated by `---`.
//!
//! Reading follows kubectl, not YAML 1.2: kubectl reads manifests with sigs.k8s.io/yaml over
//! go-yaml v2 (YAML 1.1), so `defaultMode: 0400` is 256 and `enabled: yes` is `true`
//! ([`resolve`]). Writing quotes every string that a YAML 1.1 or 1.2 reader could take for
//! something else (`"0400"`, `"yes"`), so the output means the same to kubectl and to any
//! YAML 1.2 tool, and numbers are written as JSON writes them (`256`, never `256.0`).
//!
//! Errors name the document (1-based, counting every `---` section, empty ones too) and the line
//! and column in the whole input, so a user can jump straight to the problem.

mod read;
pub mod resolve;

use serde_json::Value;

/// How deep a document may nest, by default. Real objects stay far below: a Deployment in a
/// `kind: List` is about 15 levels deep, the deepest CRD schemas seen in the wild about 60.
pub const DEFAULT_MAX_DEPTH: usize = 256;
/// How many nodes aliases may copy in, by default: kubectl's own output never uses aliases, and
/// a billion-laughs document needs about 10⁹.
pub const DEFAULT_MAX_ALIAS_NODES: usize = 1_000_000;

/// Limits that stop a small input from costing unbounded memory or time. Nothing else is limited:
/// without aliases, what a document costs is proportional to its size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Deepest nesting of mappings and sequences, aliases included. Default
    /// [`DEFAULT_MAX_DEPTH`].
    pub max_depth: usize,
    /// Nodes that aliases (`*name`) may copy in, over the whole stream. Default
    /// [`DEFAULT_MAX_ALIAS_NODES`].
    pub max_alias_nodes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: DEFAULT_MAX_DEPTH,
            max_alias_nodes: DEFAULT_MAX_ALIAS_NODES,
        }
    }
}

/// A limit from [`Limits`], named for the error message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// [`Limits::max_depth`].
    Depth,
    /// [`Limits::max_alias_nodes`].
    AliasNodes,
}

impl Limit {
    /// The command-line flag that raises it.
    pub fn flag(self) -> &'static str {
        match self {
            Limit::Depth => "--max-depth",
            Limit::AliasNodes => "--max-alias-nodes",
        }
    }

    fn what(self) -> &'static str {
        match self {
            Limit::Depth => "nesting depth",
            Limit::AliasNodes => "nodes copied by aliases",
        }
    }
}

/// A YAML stream that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum YamlError {
    /// Not YAML at all.
    #[error("malformed YAML in document {document} at line {line}, column {column}: {message}")]
    Malformed {
        /// 1-based document number in the stream.
        document: usize,
        /// 1-based line in the whole input.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the parser said.
        message: String,
    },
    /// Bytes that are not UTF-8: Kubernetes manifests are UTF-8 text.
    #[error("input is not UTF-8: byte 0x{byte:02x} at offset {offset} (line {line})")]
    NotUtf8 {
        /// 0-based byte offset of the first invalid byte.
        offset: usize,
        /// 1-based line it is on.
        line: usize,
        /// The byte.
        byte: u8,
    },
    /// Valid YAML over a limit of [`Limits`].
    #[error(
        "document {document} at line {line}, column {column} is too large: {what} limit {value} \
         (raise with {flag})",
        what = limit.what(),
        flag = limit.flag()
    )]
    TooLarge {
        /// 1-based document number in the stream.
        document: usize,
        /// 1-based line in the whole input.
        line: usize,
        /// 1-based column.
        column: usize,
        /// Which limit.
        limit: Limit,
        /// Its value.
        value: usize,
    },
    /// Valid YAML that kubectl cannot turn into JSON either.
    #[error("document {document} at line {line}, column {column}: {problem}")]
    Unreadable {
        /// 1-based document number in the stream.
        document: usize,
        /// 1-based line in the whole input.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        problem: Unreadable,
    },
}

/// YAML that go-yaml v2 reads but that has no JSON form, or that go-yaml refuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unreadable {
    /// `.inf`, `-.inf`, `.nan` as a value.
    #[error(
        "{spelling} is not a number JSON can carry (kubectl refuses it too); quote it for a string"
    )]
    NonFinite {
        /// How it is spelt.
        spelling: &'static str,
    },
    /// An explicit tag that does not fit the scalar.
    #[error(transparent)]
    Tag(#[from] resolve::TagError),
    /// A `~`/`null`/empty mapping key.
    #[error("a mapping key is null, which kubectl cannot make a JSON key of; quote it")]
    NullKey,
    /// A key above `int64`'s range.
    #[error("mapping key {key} is an integer kubectl cannot make a JSON key of; quote it")]
    UintKey {
        /// The key text.
        key: String,
    },
    /// A mapping or sequence used as a key.
    #[error("a mapping key is a mapping or a list, which has no JSON form")]
    CollectionKey,
    /// A key with no value (a parser bug if ever seen).
    #[error("a mapping key has no value")]
    KeyWithoutValue,
    /// `<<` with something other than mappings.
    #[error("a merge key (<<) takes a mapping or a list of mappings")]
    MergeNotMapping,
    /// `&a [*a]`.
    #[error("an alias refers to a node that contains it")]
    RecursiveAlias,
}

/// Parses every non-empty document of a YAML stream, with the default [`Limits`].
///
/// # Errors
/// [`YamlError`] naming the document, line and column of the first problem.
pub fn parse_documents(input: &str) -> Result<Vec<Value>, YamlError> {
    read::read_documents(input, &Limits::default())
}

/// Parses every non-empty document of a YAML stream given as bytes.
///
/// # Errors
/// [`YamlError::NotUtf8`] with the offset of the first byte that is not UTF-8; otherwise as
/// [`parse_documents`], or [`YamlError::TooLarge`] over `limits`.
pub fn parse_documents_with(input: &[u8], limits: &Limits) -> Result<Vec<Value>, YamlError> {
    let text = std::str::from_utf8(input).map_err(|err| {
        let offset = err.valid_up_to();
        YamlError::NotUtf8 {
            offset,
            line: input[..offset].iter().filter(|&&b| b == b'\n').count() + 1,
            byte: input[offset],
        }
    })?;
    read::read_documents(text, limits)
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
pub(crate) fn document_at_line(input: &str, line: usize) -> usize {
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
pub(crate) fn first_line_of(rendered: &str) -> String {
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
        let YamlError::Malformed { document, line, .. } = err else {
            panic!("expected malformed YAML, got {err}");
        };
        assert_eq!((document, line), (3, 6), "{err}");
        assert!(
            err.to_string()
                .starts_with("malformed YAML in document 3 at line 6")
        );
    }

    #[test]
    fn first_document_without_leading_marker_is_document_one() {
        let err = parse_documents("a: [\n").expect_err("unclosed");
        assert!(
            matches!(err, YamlError::Malformed { document: 1, .. }),
            "{err}"
        );
    }

    #[test]
    fn empty_documents_are_dropped() {
        let docs = parse_documents("---\n---\na: 1\n...\n").expect("valid");
        assert_eq!(docs, vec![serde_json::json!({"a": 1})]);
    }

    #[test]
    fn reads_scalars_as_kubectl_and_writes_what_every_reader_reads_alike() {
        let docs = parse_documents(
            "mode: 0400\nhex: 0x1F\nexp: 1e3\nflag: yes\nquoted: '0400'\nkey: {on: 1, 1e3: 2}\n",
        )
        .expect("valid");
        assert_eq!(
            docs,
            vec![serde_json::json!({
                "mode": 256, "hex": 31, "exp": 1000, "flag": true, "quoted": "0400",
                "key": {"true": 1, "1000": 2}
            })]
        );
        assert_eq!(
            write_documents(&docs),
            "mode: 256\nhex: 31\nexp: 1000\nflag: true\nquoted: \"0400\"\nkey:\n  \"true\": 1\n  \"1000\": 2\n"
        );
    }

    #[test]
    fn later_duplicate_keys_win_and_merge_keys_merge() {
        let docs = parse_documents("base: &b {a: 1, b: 2}\nv: {a: 0, <<: *b, b: 3, c: 4, c: 5}\n")
            .expect("valid");
        // go-yaml v2 sets merged keys in place: `a: 0` before `<<` is overwritten.
        assert_eq!(docs[0]["v"], serde_json::json!({"a": 1, "b": 3, "c": 5}));
    }

    #[test]
    fn refuses_what_kubectl_cannot_turn_into_json() {
        for (input, expected) in [
            ("a: .inf\n", "not a number JSON can carry"),
            ("~: 1\n", "key is null"),
            ("18446744073709551615: 1\n", "cannot make a JSON key"),
            ("a: !!int abc\n", "cannot read \"abc\" as !!int"),
            ("a: &x [*x]\n", "refers to a node that contains it"),
            ("<<: 1\n", "merge key"),
        ] {
            let err = parse_documents(input).expect_err(input);
            assert!(
                matches!(
                    err,
                    YamlError::Unreadable { .. } | YamlError::Malformed { .. }
                ),
                "{input}: {err}"
            );
            assert!(err.to_string().contains(expected), "{input}: {err}");
        }
    }

    #[test]
    fn round_trips_key_order() {
        let docs = parse_documents("z: 1\na: 2\n").expect("valid");
        assert_eq!(write_documents(&docs), "z: 1\na: 2\n");
    }
}
