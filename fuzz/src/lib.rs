//! The fuzz targets' bodies, shared with the workspace's corpus regression test.
pub mod targets;
