//! Clusters: the kind config for a cluster the plan resolved. (Booting clusters with the `kind`
//! CLI arrives with the e2e stage; it reads [`crate::plan::ClusterSpec`] and decides nothing.)

mod kind_config;

pub use kind_config::{KindConfig, kind_config};
