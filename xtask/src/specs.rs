//! Where the specs and the vendor crates live, and how a spec is read.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde_json::Value;

/// The workspace root: the parent of `xtask/`, or `$CRMKIT_ROOT` (the drift tests point it
/// at a scratch copy).
pub fn root() -> PathBuf {
    if let Some(root) = std::env::var_os("CRMKIT_ROOT") {
        return PathBuf::from(root);
    }
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}

/// One vendor: `specs/<name>.yaml` generates `crates/crmkit-<name>/src/generated.rs`.
#[derive(Debug, Clone)]
pub struct Vendor {
    pub name: String,
    pub spec: PathBuf,
    pub generated: PathBuf,
}

impl Vendor {
    /// Whether `crates/crmkit-<name>` exists yet (a new spec may land before its crate).
    pub fn has_crate(&self) -> bool {
        self.generated
            .parent()
            .and_then(|src| src.parent())
            .is_some_and(|c| c.join("Cargo.toml").is_file())
    }

    /// Path of the spec relative to the workspace root, as written in messages and headers.
    pub fn spec_display(&self) -> String {
        format!("specs/{}.yaml", self.name)
    }
}

/// Every vendor in `specs/` (each `*.yaml` but dot-files, which are tool settings), sorted
/// by name; `only` limits the list to one.
pub fn vendors(root: &Path, only: Option<&str>) -> Result<Vec<Vendor>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(root.join("specs")).context("reading specs/")? {
        let path = entry?.path();
        let hidden = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.'));
        if hidden || path.extension().and_then(|e| e.to_str()) != Some("yaml") {
            continue;
        }
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .context("spec file name is not UTF-8")?
            .to_string();
        let generated = root
            .join("crates")
            .join(format!("crmkit-{name}/src/generated.rs"));
        out.push(Vendor {
            name,
            spec: path,
            generated,
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    if let Some(only) = only {
        out.retain(|v| v.name == only);
        if out.is_empty() {
            bail!("no spec named specs/{only}.yaml");
        }
    }
    Ok(out)
}

/// Reads a YAML (or JSON) spec into a JSON value.
pub fn load(path: &Path) -> Result<Value> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    // A JSON map keeps the last of two equal keys; YAML's own value refuses the duplicate,
    // which would otherwise drop a whole schema or operation in silence.
    serde_yaml_ng::from_str::<serde_yaml_ng::Value>(&text)
        .with_context(|| format!("{} is not valid YAML", path.display()))?;
    serde_yaml_ng::from_str(&text).with_context(|| format!("{} is not valid YAML", path.display()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_duplicate_key_is_refused() {
        let path = std::env::temp_dir().join(format!("crmkit-dup-{}.yaml", std::process::id()));
        std::fs::write(
            &path,
            "components:\n  schemas:\n    A: {type: string}\n    A: {type: integer}\n",
        )
        .expect("write");
        let err = super::load(&path).expect_err("a duplicate key is refused");
        assert!(format!("{err:#}").contains("duplicate"), "{err:#}");
        std::fs::write(&path, "components:\n  schemas:\n    A: {type: string}\n").expect("write");
        assert!(super::load(&path).is_ok());
        std::fs::remove_file(&path).expect("remove");
    }
}
