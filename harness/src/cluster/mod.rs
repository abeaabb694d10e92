//! Clusters: the kind config for a cluster the plan resolved, and the `kind` command lines that
//! create, load, export and delete it. The cluster stage reads [`crate::plan::ClusterSpec`] and
//! decides nothing.

mod kind;
mod kind_config;

pub use kind::{CreateCluster, Kind, MissingTool, find_tool, install_hint};
pub use kind_config::{KindConfig, kind_config};
