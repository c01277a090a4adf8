//! Every committed fuzz input — the corpora of `fuzz/corpus/` and the crash reproducers of
//! `fuzz/regressions/` — through the fuzz targets' own bodies, on stable: a decoder that
//! panics on one of them fails here, in `cargo test`, not only under `cargo xtask fuzz`.
#![allow(clippy::unwrap_used)] // tests fail loudly by design

#[path = "../../fuzz/src/targets.rs"]
#[allow(dead_code)]
mod targets;

use std::path::Path;

fn inputs(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<_> = entries
        .flatten()
        .map(|e| {
            (
                e.path().display().to_string(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn every_committed_fuzz_input_is_handled_without_a_panic() {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    for (target, run) in targets::TARGETS {
        let corpus = inputs(&fuzz.join("corpus").join(target));
        let regressions = inputs(&fuzz.join("regressions").join(target));
        assert!(
            corpus.len() >= 4,
            "fuzz/corpus/{target} has {} inputs: seed it with `cargo xtask fuzz --seed`",
            corpus.len()
        );
        for (name, input) in corpus.iter().chain(&regressions) {
            let outcome = std::panic::catch_unwind(|| run(input));
            assert!(outcome.is_ok(), "{target} panicked on {name}");
        }
    }
}
