//! The API server's own pod rows: the oracle's check on itself. `kubectl get pods` prints what
//! the API server's printer returns when asked for a `Table` (server-side printing); the
//! recorder asks for the same, on a watch beside its pod watch and on its last look, and keeps
//! each row by pod name and resourceVersion so it can be paired with the snapshot of that
//! version. `printer-agrees` then compares the harness's printer with the server's, row by row.

use std::collections::HashMap;

use futures::{Stream, StreamExt};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::api::{ListParams, WatchParams};
use kube::core::{Request, WatchEvent};
use serde::Deserialize;

use sidecar_e2e_core::recording::ServerRow;

/// The `Accept` header of server-side printing (what kubectl sends for `get`).
const AS_TABLE: &str = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";

/// A `meta.k8s.io/v1` Table, as much of it as the pod rows need.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Table {
    /// Sent with a list and a watch's first event; `null` on later watch events.
    #[serde(default)]
    column_definitions: Option<Vec<ColumnDefinition>>,
    #[serde(default)]
    rows: Vec<TableRow>,
}

#[derive(Debug, Clone, Deserialize)]
struct ColumnDefinition {
    name: String,
}

#[derive(Debug, Clone, Deserialize)]
struct TableRow {
    cells: Vec<serde_json::Value>,
    /// With the default `includeObject=Metadata`, a PartialObjectMetadata.
    #[serde(default)]
    object: Option<RowObject>,
}

#[derive(Debug, Clone, Deserialize)]
struct RowObject {
    #[serde(default)]
    metadata: ObjectMeta,
}

/// The rows seen so far, by (pod name, resourceVersion), and the column layout, which only the
/// first Table of a watch carries.
#[derive(Debug, Default)]
pub(super) struct ServerRows {
    columns: Option<Columns>,
    rows: HashMap<(String, String), ServerRow>,
    /// Why rows could not be read (a watch error, an unexpected layout), once each.
    pub(super) problems: Vec<String>,
}

#[derive(Debug, Clone, Copy)]
struct Columns {
    ready: usize,
    status: usize,
    restarts: usize,
}

impl ServerRows {
    /// Takes every row of `table`.
    pub(super) fn keep(&mut self, table: Table) {
        if let Some(defs) = &table.column_definitions {
            let find = |name: &str| defs.iter().position(|d| d.name.eq_ignore_ascii_case(name));
            match (find("Ready"), find("Status"), find("Restarts")) {
                (Some(ready), Some(status), Some(restarts)) => {
                    self.columns = Some(Columns {
                        ready,
                        status,
                        restarts,
                    });
                }
                _ => self.problem(format!(
                    "the server's pod Table has no READY/STATUS/RESTARTS columns: {:?}",
                    defs.iter().map(|d| d.name.as_str()).collect::<Vec<_>>()
                )),
            }
        }
        let Some(columns) = self.columns else {
            return;
        };
        for row in table.rows {
            let Some(meta) = row.object.map(|o| o.metadata) else {
                continue;
            };
            let (Some(name), Some(rv)) = (meta.name, meta.resource_version) else {
                continue;
            };
            let cell = |i: usize| match row.cells.get(i) {
                Some(serde_json::Value::String(text)) => text.clone(),
                Some(other) => other.to_string(),
                None => String::new(),
            };
            self.rows.insert(
                (name, rv),
                ServerRow {
                    ready: cell(columns.ready),
                    status: cell(columns.status),
                    restarts: cell(columns.restarts),
                },
            );
        }
    }

    /// The row the server printed for `name` at `resource_version`.
    pub(super) fn row(&self, name: &str, resource_version: &str) -> Option<&ServerRow> {
        self.rows
            .get(&(name.to_owned(), resource_version.to_owned()))
    }

    pub(super) fn problem(&mut self, text: String) {
        if !self.problems.contains(&text) {
            self.problems.push(text);
        }
    }
}

fn pods_path(ns: &str) -> String {
    format!("/api/v1/namespaces/{ns}/pods")
}

fn as_table(mut request: http::Request<Vec<u8>>) -> http::Request<Vec<u8>> {
    request.headers_mut().insert(
        http::header::ACCEPT,
        http::HeaderValue::from_static(AS_TABLE),
    );
    request
}

/// A watch of the pods matching `selector` in `ns`, each event a one-row Table. Bookmarks are
/// off: the server refuses (406) to send them as Table rows.
pub(super) async fn watch_rows(
    client: &kube::Client,
    ns: &str,
    selector: &str,
) -> Result<impl Stream<Item = Result<Table, String>> + Send + use<>, String> {
    let params = WatchParams {
        label_selector: Some(selector.to_owned()),
        bookmarks: false,
        ..WatchParams::default()
    };
    let request = Request::new(pods_path(ns))
        .watch(&params, "0")
        .map_err(|e| format!("cannot build the Table watch: {e}"))?;
    let events = client
        .request_events::<Table>(as_table(request))
        .await
        .map_err(|e| format!("the Table watch was refused: {e}"))?;
    Ok(events.filter_map(|event| async move {
        match event {
            Ok(WatchEvent::Added(t) | WatchEvent::Modified(t) | WatchEvent::Deleted(t)) => {
                Some(Ok(t))
            }
            Ok(WatchEvent::Bookmark(_)) => None,
            Ok(WatchEvent::Error(status)) => Some(Err(format!(
                "the Table watch ended with an error: {}",
                status.message
            ))),
            Err(e) => Some(Err(format!("the Table watch failed: {e}"))),
        }
    }))
}

/// The pods matching `selector` in `ns`, as the server prints them now.
pub(super) async fn list_rows(
    client: &kube::Client,
    ns: &str,
    selector: &str,
) -> Result<Table, String> {
    let request = Request::new(pods_path(ns))
        .list(&ListParams::default().labels(selector))
        .map_err(|e| format!("cannot build the Table list: {e}"))?;
    client
        .request::<Table>(as_table(request))
        .await
        .map_err(|e| format!("the Table list failed: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(json: &str) -> Table {
        serde_json::from_str(json).expect("test table parses")
    }

    const FIRST: &str = r#"{"kind":"Table","apiVersion":"meta.k8s.io/v1",
        "columnDefinitions":[{"name":"Name"},{"name":"Ready"},{"name":"Status"},{"name":"Restarts"},{"name":"Age"}],
        "rows":[{"cells":["job-x","0/2","Init:0/2",0,"0s"],
                 "object":{"kind":"PartialObjectMetadata","metadata":{"name":"job-x","resourceVersion":"41"}}}]}"#;

    #[test]
    fn rows_are_kept_by_name_and_resource_version_with_the_first_tables_columns() {
        let mut rows = ServerRows::default();
        rows.keep(table(FIRST));
        // A later watch event: no column definitions, the layout of the first one applies.
        rows.keep(table(
            r#"{"columnDefinitions":null,"rows":[{"cells":["job-x","1/2","Running","1 (3s ago)","9s"],
                "object":{"metadata":{"name":"job-x","resourceVersion":"57"}}}]}"#,
        ));
        assert_eq!(
            rows.row("job-x", "41"),
            Some(&ServerRow {
                ready: "0/2".to_owned(),
                status: "Init:0/2".to_owned(),
                restarts: "0".to_owned()
            })
        );
        assert_eq!(
            rows.row("job-x", "57").map(|r| r.restarts.as_str()),
            Some("1 (3s ago)")
        );
        assert_eq!(rows.row("job-x", "42"), None);
        assert!(rows.problems.is_empty());
    }

    #[test]
    fn rows_before_any_column_layout_are_not_guessed_and_odd_layouts_are_reported() {
        let mut rows = ServerRows::default();
        rows.keep(table(
            r#"{"rows":[{"cells":["p","1/1","Running",0],"object":{"metadata":{"name":"p","resourceVersion":"1"}}}]}"#,
        ));
        assert_eq!(rows.row("p", "1"), None);
        rows.keep(table(
            r#"{"columnDefinitions":[{"name":"Name"}],"rows":[]}"#,
        ));
        assert_eq!(rows.problems.len(), 1, "{:?}", rows.problems);
        assert!(rows.problems[0].contains("READY/STATUS/RESTARTS"));
    }
}
