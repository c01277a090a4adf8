//! `cargo xtask tools`: the Node and Python tools used by `polyglot` and `contract`, pinned
//! exactly and installed under `target/tools/` (nothing is installed globally).
//!
//! - Node: `xtask/tools/package.json` and its `package-lock.json` are copied to
//!   `target/tools/node/` and installed with `npm ci --ignore-scripts` (no install script is
//!   needed by any of the tools; skipping them also skips install-time analytics).
//! - Python: a venv at `target/tools/venv/`, filled with `pip install -r
//!   xtask/tools/requirements.txt` (every package, transitive ones included, pinned with `==`).
//!
//! Each half writes a stamp file holding a hash of its manifests and of the interpreter
//! version; when the stamp matches, the half is not reinstalled, so a second run is a no-op.
//! Every tool runs through [`Tools::command`], which puts the tool directories first on
//! `PATH` and turns telemetry and update notices off. Unix-like hosts only (`bin/` layout).

use std::ffi::OsStr;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

/// Environment for every tool invocation: no telemetry, no update checks, no nagging.
pub const QUIET_ENV: &[(&str, &str)] = &[
    ("REDOCLY_TELEMETRY", "off"),
    ("REDOCLY_SUPPRESS_UPDATE_NOTICE", "true"),
    ("NO_UPDATE_NOTIFIER", "1"),
    ("NPM_CONFIG_UPDATE_NOTIFIER", "false"),
    ("NPM_CONFIG_FUND", "false"),
    ("NPM_CONFIG_AUDIT", "false"),
    ("DISABLE_TELEMETRY", "1"),
    ("DO_NOT_TRACK", "1"),
    ("SCARF_ANALYTICS", "false"),
    ("PIP_DISABLE_PIP_VERSION_CHECK", "1"),
    ("PIP_NO_INPUT", "1"),
    ("PYTHONDONTWRITEBYTECODE", "1"),
    ("NO_COLOR", "1"),
    ("FORCE_COLOR", "0"),
];

/// The installed tools. Node binaries: `prism`, `redocly`, `spectral`, `openapi-typescript`,
/// `tsc`. Python binaries: `python`, `openapi-spec-validator`, `openapi-python-client`.
#[derive(Debug, Clone)]
pub struct Tools {
    node_bin: PathBuf,
    venv_bin: PathBuf,
}

impl Tools {
    /// Installs whatever is missing or out of date, and returns the tools.
    pub fn install(root: &Path) -> Result<Tools> {
        let manifests = root.join("xtask/tools");
        let dir = root.join("target/tools");
        let node = dir.join("node");
        let venv = dir.join("venv");
        let tools = Tools {
            node_bin: node.join("node_modules/.bin"),
            venv_bin: venv.join("bin"),
        };

        let node_stamp = stamp(
            &manifests,
            &["package.json", "package-lock.json"],
            &["node", "--version"],
        )?;
        if up_to_date(&node, &node_stamp) && tools.bin("prism").exists() {
            println!("tools: Node tools up to date ({})", rel(root, &node));
        } else {
            println!(
                "tools: installing Node tools into {} (npm ci)",
                rel(root, &node)
            );
            reset_dir(&node)?;
            for file in ["package.json", "package-lock.json"] {
                std::fs::copy(manifests.join(file), node.join(file))
                    .with_context(|| format!("copying xtask/tools/{file}"))?;
            }
            let mut npm = tools.command("npm");
            npm.arg("ci").arg("--prefix").arg(&node).args([
                "--ignore-scripts",
                "--no-audit",
                "--no-fund",
            ]);
            println!("{}", last_line(&run(npm)?));
            std::fs::write(node.join(STAMP), &node_stamp)?;
        }

        let venv_stamp = stamp(&manifests, &["requirements.txt"], &["python3", "--version"])?;
        if up_to_date(&venv, &venv_stamp) && tools.bin("openapi-python-client").exists() {
            println!("tools: Python tools up to date ({})", rel(root, &venv));
        } else {
            println!(
                "tools: installing Python tools into {} (venv + pip)",
                rel(root, &venv)
            );
            if venv.exists() {
                std::fs::remove_dir_all(&venv)
                    .with_context(|| format!("removing {}", venv.display()))?;
            }
            let mut mkvenv = tools.command("python3");
            mkvenv.args(["-m", "venv"]).arg(&venv);
            run(mkvenv)?;
            let mut pip = tools.command("python");
            pip.args(["-m", "pip", "install", "--require-virtualenv", "-r"])
                .arg(manifests.join("requirements.txt"));
            println!("{}", last_line(&run(pip)?));
            let mut check = tools.command("python");
            check.args(["-m", "pip", "check"]);
            run(check)?;
            std::fs::write(venv.join(STAMP), &venv_stamp)?;
        }
        Ok(tools)
    }

    /// Path of an installed tool: `target/tools/node/node_modules/.bin/<tool>` if it is there,
    /// else `target/tools/venv/bin/<tool>`.
    pub fn bin(&self, tool: &str) -> PathBuf {
        let node = self.node_bin.join(tool);
        if node.exists() {
            node
        } else {
            self.venv_bin.join(tool)
        }
    }

    /// A command running `tool` (an installed tool, or anything else found on `PATH`, such as
    /// `npm` or `node`) with the tool directories first on `PATH` and [`QUIET_ENV`] set.
    pub fn command(&self, tool: &str) -> Command {
        let path = self.bin(tool);
        let mut cmd = Command::new(if path.exists() {
            path.as_os_str()
        } else {
            OsStr::new(tool)
        });
        let mut dirs = vec![self.venv_bin.clone(), self.node_bin.clone()];
        dirs.extend(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        ));
        if let Ok(joined) = std::env::join_paths(dirs) {
            cmd.env("PATH", joined);
        }
        cmd.env(
            "VIRTUAL_ENV",
            self.venv_bin.parent().unwrap_or(&self.venv_bin),
        );
        cmd.envs(QUIET_ENV.iter().copied());
        cmd
    }
}

const STAMP: &str = ".crmkit-tools-stamp";

/// Runs a command to completion, stdout and stderr interleaved into one captured text.
/// A failure to start or a non-zero exit is an error naming the command line, the exit
/// status and the last lines of the output.
pub fn run(mut cmd: Command) -> Result<String> {
    let line = command_line(&cmd);
    let (mut reader, writer) = std::io::pipe().context("creating a pipe")?;
    cmd.stdout(writer.try_clone()?)
        .stderr(writer)
        .stdin(std::process::Stdio::null());
    let mut child = cmd
        .spawn()
        .with_context(|| format!("could not start `{line}`"))?;
    drop(cmd); // closes our copies of the pipe's write end, so the read below ends
    let mut bytes = Vec::new();
    reader
        .read_to_end(&mut bytes)
        .with_context(|| format!("reading the output of `{line}`"))?;
    let status = child
        .wait()
        .with_context(|| format!("waiting for `{line}`"))?;
    let output = String::from_utf8_lossy(&bytes).into_owned();
    if !status.success() {
        bail!(
            "`{line}` failed ({status}); last output:\n{}",
            tail(&output, 60)
        );
    }
    Ok(output)
}

/// The command as a shell-like line (program and arguments, no environment).
pub fn command_line(cmd: &Command) -> String {
    std::iter::once(cmd.get_program())
        .chain(cmd.get_args())
        .map(|a| {
            let a = a.to_string_lossy();
            if a.is_empty() || a.contains(char::is_whitespace) {
                format!("'{a}'")
            } else {
                a.into_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The last `n` lines of `text`, indented, with a note of how many were left out.
pub fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.len().saturating_sub(n);
    let mut out = String::new();
    if start > 0 {
        out.push_str(&format!("    … {start} earlier line(s)\n"));
    }
    for l in &lines[start..] {
        out.push_str("    ");
        out.push_str(l);
        out.push('\n');
    }
    out
}

fn last_line(text: &str) -> String {
    let line = text
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    format!("tools:   {}", line.trim())
}

fn rel(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}

fn reset_dir(dir: &Path) -> Result<()> {
    if dir.exists() {
        std::fs::remove_dir_all(dir).with_context(|| format!("removing {}", dir.display()))?;
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))
}

fn up_to_date(dir: &Path, stamp: &str) -> bool {
    std::fs::read_to_string(dir.join(STAMP)).is_ok_and(|s| s == stamp)
}

/// `<fnv1a-64 hex> <interpreter version>` over the manifests and the interpreter's
/// `--version`: a new pin or a new Node/Python means a reinstall.
fn stamp(dir: &Path, files: &[&str], version_cmd: &[&str]) -> Result<String> {
    let version = Command::new(version_cmd[0])
        .args(&version_cmd[1..])
        .output()
        .with_context(|| {
            format!(
                "could not run `{}`; is it installed?",
                version_cmd.join(" ")
            )
        })?;
    let version = String::from_utf8_lossy(&version.stdout).trim().to_string();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for file in files {
        let bytes =
            std::fs::read(dir.join(file)).with_context(|| format!("reading xtask/tools/{file}"))?;
        for b in file
            .as_bytes()
            .iter()
            .chain(&bytes)
            .chain(version.as_bytes())
        {
            hash = (hash ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    Ok(format!("{hash:016x} {} {version}\n", version_cmd[0]))
}

/// Where the fleet tests find `redis-server`: the binary, and a library directory it needs
/// (for one unpacked from Debian's packages).
#[derive(Debug, Clone)]
pub struct RedisServer {
    pub binary: PathBuf,
    pub libs: Option<PathBuf>,
}

/// Makes sure the fleet tests have a `redis-server`: the one on `PATH`, or one unpacked
/// (without root, without installing anything system-wide) from Debian's `redis-server`,
/// `redis-tools`, `libjemalloc2` and `liblzf1` packages into `target/tools/redis/`.
/// `CRMKIT_REDIS_URL` (an external server) needs none.
pub fn redis_server(root: &Path) -> Result<Option<RedisServer>> {
    if std::env::var_os("CRMKIT_REDIS_URL").is_some() {
        println!("tools: Redis is CRMKIT_REDIS_URL");
        return Ok(None);
    }
    let on_path = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|dir| dir.join("redis-server"))
        .find(|p| p.is_file());
    if let Some(binary) = on_path {
        println!("tools: redis-server on PATH ({})", binary.display());
        return Ok(Some(RedisServer { binary, libs: None }));
    }
    let dir = root.join("target/tools/redis");
    let unpacked = dir.join("root");
    let binary = unpacked.join("usr/bin/redis-server");
    let libs = || -> Option<PathBuf> {
        std::fs::read_dir(unpacked.join("usr/lib"))
            .ok()?
            .flatten()
            .map(|e| e.path())
            .find(|p| p.to_string_lossy().ends_with("-linux-gnu"))
    };
    let works = |libs: &Option<PathBuf>| {
        let mut cmd = Command::new(&binary);
        cmd.arg("--version");
        if let Some(l) = libs {
            cmd.env("LD_LIBRARY_PATH", l);
        }
        cmd.output().is_ok_and(|o| o.status.success())
    };
    if !works(&libs()) {
        println!(
            "tools: unpacking Debian's redis-server into {} (apt-get download + dpkg -x)",
            rel(root, &dir)
        );
        reset_dir(&dir)?;
        let debs = dir.join("debs");
        std::fs::create_dir_all(&debs)?;
        let mut download = Command::new("apt-get");
        download.current_dir(&debs).args([
            "download",
            "redis-server",
            "redis-tools",
            "libjemalloc2",
            "liblzf1",
        ]);
        run(download).context(
            "no redis-server on PATH and none could be downloaded: install Debian's \
             redis-server (apt-get install redis-server), or set CRMKIT_REDIS_URL",
        )?;
        for deb in std::fs::read_dir(&debs)?.flatten() {
            let mut unpack = Command::new("dpkg");
            unpack.arg("-x").arg(deb.path()).arg(&unpacked);
            run(unpack)?;
        }
        if !works(&libs()) {
            bail!(
                "the unpacked redis-server does not run: {}",
                binary.display()
            );
        }
    }
    println!("tools: redis-server {}", rel(root, &binary));
    Ok(Some(RedisServer {
        binary,
        libs: libs(),
    }))
}
