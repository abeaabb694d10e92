//! Clusters: the node-image table and the kind configs built from it. (Booting clusters with the
//! `kind` CLI arrives with the e2e stage.)

mod kind_config;
mod node_images;

pub use kind_config::{KindConfig, KindConfigError, kind_config};
pub use node_images::{NodeImage, TableError, known_versions, node_image, node_images};
