//! Reading a YAML stream into JSON values the way kubectl does (go-yaml v2 through
//! sigs.k8s.io/yaml), with limits that stop alias bombs and absurd nesting.
//!
//! The tree is built from granit-parser's events with an explicit stack, so no input can
//! exhaust the call stack while it is read. Differences from a YAML 1.2 reader, all go-yaml v2's:
//! scalars resolve as YAML 1.1 ([`super::resolve`]), keys become the strings kubectl makes of them
//! (`y:` is `"true"`), a later duplicate key wins, and `<<` merges mappings in place.

use std::collections::HashMap;

use granit_parser::{Event, Parser, ScalarStyle, Span, Tag};
use serde_json::{Map, Value};

use super::resolve::{self, CoreTag, Resolved, Tagged};
use super::{Limit, Limits, Unreadable, YamlError, document_at_line, first_line_of};

/// The namespace of YAML's own tags (`!!int` is `tag:yaml.org,2002:int`).
const CORE_TAG_NAMESPACE: &str = "tag:yaml.org,2002:";

/// A finished node, with what its parent needs to know about it.
#[derive(Debug, Clone)]
struct Node {
    value: Value,
    /// The JSON key this node makes when it is a mapping key.
    key: Result<String, Unreadable>,
    /// A plain `<<` (or `!!merge <<`) key.
    is_merge: bool,
    /// `.inf` and friends: fine as a key (kubectl writes `".inf"`), refused as a value.
    non_finite: Option<&'static str>,
    /// Nesting levels below and including this node: 0 for a scalar.
    height: usize,
    /// Nodes in this subtree, counting itself: what an alias to it costs.
    nodes: usize,
}

enum Container {
    Sequence(Vec<Value>),
    Mapping {
        map: Map<String, Value>,
        /// The key read, waiting for its value.
        key: Option<PendingKey>,
    },
}

enum PendingKey {
    Text(String),
    Merge,
}

struct Frame {
    container: Container,
    anchor: usize,
    start: Span,
    height: usize,
    nodes: usize,
}

struct Reader<'a> {
    input: &'a str,
    limits: &'a Limits,
    document: usize,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Node>,
    alias_nodes: usize,
    root: Option<Value>,
    documents: Vec<Value>,
}

/// Reads every non-empty document of `input`.
pub(super) fn read_documents(input: &str, limits: &Limits) -> Result<Vec<Value>, YamlError> {
    // The parser only counts nesting (it keeps a stack, not recursion). Its scanner runs up to
    // a simple key's lookahead (1,024 characters, each maybe a `[`) ahead of the events, so give
    // it that much room: the user must see our limit, not a parser error.
    let parser_nesting = limits.max_depth.saturating_add(1024 + 8);
    let options = granit_parser::options! {
        flow_nesting_limit: parser_nesting,
        block_nesting_limit: parser_nesting,
        emit_comments: false,
    };
    let mut reader = Reader {
        input,
        limits,
        document: 0,
        stack: Vec::new(),
        anchors: HashMap::new(),
        alias_nodes: 0,
        root: None,
        documents: Vec::new(),
    };
    for item in Parser::new_from_str_with_options(input, options) {
        let (event, span) = item.map_err(|err| {
            let line = err.marker().line();
            YamlError::Malformed {
                document: document_at_line(input, line),
                line,
                column: err.marker().col() + 1,
                message: first_line_of(&err.info()),
            }
        })?;
        reader.event(event, span)?;
    }
    Ok(reader.documents)
}

impl Reader<'_> {
    fn event(&mut self, event: Event<'_>, span: Span) -> Result<(), YamlError> {
        match event {
            Event::DocumentStart(..) => {
                self.document += 1;
                self.anchors.clear();
                self.root = None;
            }
            Event::DocumentEnd => {
                // An empty document (`---` followed by nothing) reads as null and is dropped,
                // as kubectl drops it.
                if let Some(root) = self.root.take()
                    && !root.is_null()
                {
                    self.documents.push(root);
                }
            }
            Event::Scalar(text, style, anchor, tag) => {
                let node = self.scalar(&text, style, tag.as_deref(), span)?;
                if anchor != 0 {
                    self.anchors.insert(anchor, node.clone());
                }
                self.add(node, span)?;
            }
            Event::SequenceStart(_, anchor, _) => {
                self.open(Container::Sequence(Vec::new()), anchor, span)?;
            }
            Event::MappingStart(_, anchor, _) => {
                let mapping = Container::Mapping {
                    map: Map::new(),
                    key: None,
                };
                self.open(mapping, anchor, span)?;
            }
            Event::SequenceEnd | Event::MappingEnd => self.close(span)?,
            Event::Alias(anchor) => {
                let Some(node) = self.anchors.get(&anchor) else {
                    return Err(self.unreadable(span, Unreadable::RecursiveAlias));
                };
                self.alias_nodes = self.alias_nodes.saturating_add(node.nodes);
                if self.alias_nodes > self.limits.max_alias_nodes {
                    return Err(self.too_large(span, Limit::AliasNodes));
                }
                let node = node.clone();
                self.add(node, span)?;
            }
            _ => {}
        }
        Ok(())
    }

    fn open(&mut self, container: Container, anchor: usize, start: Span) -> Result<(), YamlError> {
        if self.stack.len() + 1 > self.limits.max_depth {
            return Err(self.too_large(start, Limit::Depth));
        }
        self.stack.push(Frame {
            container,
            anchor,
            start,
            height: 1,
            nodes: 1,
        });
        Ok(())
    }

    fn close(&mut self, span: Span) -> Result<(), YamlError> {
        let Some(frame) = self.stack.pop() else {
            return Ok(());
        };
        let (value, dangling_key) = match frame.container {
            Container::Sequence(items) => (Value::Array(items), false),
            Container::Mapping { map, key } => (Value::Object(map), key.is_some()),
        };
        if dangling_key {
            // The parser always pairs keys with values; an unpaired key is a parser bug.
            return Err(self.unreadable(span, Unreadable::KeyWithoutValue));
        }
        let node = Node {
            value,
            key: Err(Unreadable::CollectionKey),
            is_merge: false,
            non_finite: None,
            height: frame.height,
            nodes: frame.nodes,
        };
        if frame.anchor != 0 {
            self.anchors.insert(frame.anchor, node.clone());
        }
        self.add(node, frame.start)
    }

    /// Puts a finished node into its parent (or makes it the document).
    fn add(&mut self, node: Node, span: Span) -> Result<(), YamlError> {
        // An alias puts a whole subtree here: it must fit under the depth limit too.
        if self.stack.len() + node.height > self.limits.max_depth {
            return Err(self.too_large(span, Limit::Depth));
        }
        let is_key = matches!(
            self.stack.last(),
            Some(Frame {
                container: Container::Mapping { key: None, .. },
                ..
            })
        );
        if let Some(spelling) = node.non_finite
            && !is_key
        {
            return Err(self.unreadable(span, Unreadable::NonFinite { spelling }));
        }
        let Some(parent) = self.stack.last_mut() else {
            self.root = Some(node.value);
            return Ok(());
        };
        parent.height = parent.height.max(node.height + 1);
        parent.nodes = parent.nodes.saturating_add(node.nodes);
        match &mut parent.container {
            Container::Sequence(items) => items.push(node.value),
            Container::Mapping {
                key: key @ None, ..
            } => {
                *key = Some(if node.is_merge {
                    PendingKey::Merge
                } else {
                    match node.key {
                        Ok(text) => PendingKey::Text(text),
                        Err(problem) => return Err(self.unreadable(span, problem)),
                    }
                });
            }
            Container::Mapping { map, key } => match key.take() {
                Some(PendingKey::Text(text)) => {
                    // A later duplicate wins, as in go-yaml v2's non-strict Unmarshal.
                    map.insert(text, node.value);
                }
                Some(PendingKey::Merge) => {
                    if let Err(problem) = merge(map, node.value) {
                        return Err(self.unreadable(span, problem));
                    }
                }
                None => {}
            },
        }
        Ok(())
    }

    fn scalar(
        &self,
        text: &str,
        style: ScalarStyle,
        tag: Option<&Tag>,
        span: Span,
    ) -> Result<Node, YamlError> {
        let core_tag = tag.and_then(|tag| tag.suffix_in_namespace(CORE_TAG_NAMESPACE));
        let is_merge = text == "<<"
            && ((tag.is_none() && style == ScalarStyle::Plain)
                || core_tag.as_deref() == Some("merge"));
        let (resolved, decoded) = match (tag, style) {
            // Quoted and block scalars without a tag are strings.
            (None, ScalarStyle::Plain) => (resolve::resolve_plain(text), None),
            (None, _) => (Resolved::Str, None),
            (Some(_), _) => match core_tag.as_deref().and_then(CoreTag::from_suffix) {
                // Any other tag (`!foo`, `!`, `!!set`) leaves a scalar as its text.
                None => (Resolved::Str, None),
                Some(core) => match resolve::resolve_tagged(core, text) {
                    Ok(Tagged::Resolved(resolved)) => (resolved, None),
                    Ok(Tagged::Text(decoded)) => (Resolved::Str, Some(decoded)),
                    Err(err) => return Err(self.unreadable(span, Unreadable::Tag(err))),
                },
            },
        };
        let text = decoded.as_deref().unwrap_or(text);
        let key = resolve::key_text(resolved, text).ok_or(match resolved {
            Resolved::Uint(_) => Unreadable::UintKey {
                key: text.to_owned(),
            },
            _ => Unreadable::NullKey,
        });
        let non_finite = match resolved {
            Resolved::NonFinite(spelling) => Some(spelling),
            _ => None,
        };
        Ok(Node {
            // `None` only for a non-finite float, refused in `add` unless it is a key.
            value: resolve::to_json(resolved, text).unwrap_or(Value::Null),
            key,
            is_merge,
            non_finite,
            height: 0,
            nodes: 1,
        })
    }

    fn position(&self, span: Span) -> (usize, usize) {
        (span.start.line(), span.start.col() + 1)
    }

    fn unreadable(&self, span: Span, problem: Unreadable) -> YamlError {
        let (line, column) = self.position(span);
        YamlError::Unreadable {
            document: self.document.max(document_at_line(self.input, line)),
            line,
            column,
            problem,
        }
    }

    fn too_large(&self, span: Span, limit: Limit) -> YamlError {
        let (line, column) = self.position(span);
        YamlError::TooLarge {
            document: self.document.max(document_at_line(self.input, line)),
            line,
            column,
            limit,
            value: match limit {
                Limit::Depth => self.limits.max_depth,
                Limit::AliasNodes => self.limits.max_alias_nodes,
            },
        }
    }
}

/// go-yaml v2's `merge`: a mapping's entries are set into `map` (overwriting what is there);
/// a list of mappings is merged last to first, so that the first one wins.
fn merge(map: &mut Map<String, Value>, value: Value) -> Result<(), Unreadable> {
    match value {
        Value::Object(entries) => {
            map.extend(entries);
            Ok(())
        }
        Value::Array(items) => {
            if !items.iter().all(Value::is_object) {
                return Err(Unreadable::MergeNotMapping);
            }
            for item in items.into_iter().rev() {
                if let Value::Object(entries) = item {
                    map.extend(entries);
                }
            }
            Ok(())
        }
        _ => Err(Unreadable::MergeNotMapping),
    }
}
