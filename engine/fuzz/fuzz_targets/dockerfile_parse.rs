//! Arbitrary bytes (as lossy UTF-8) through the Dockerfile parser, every instruction's
//! substitution, the global-ARG resolution, the shell-word functions and `.dockerignore`: none of
//! them may panic, overflow the stack or hang.

#![no_main]

use std::collections::BTreeMap;

use engine::build::dockerfile::{self, words, MetaArgs};
use engine::build::ignore::DockerIgnore;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let text = text.as_ref();

    // Variables: set for names of even length (some empty), unset otherwise.
    let lookup = |name: &str| match name.len() % 4 {
        0 => Some(String::new()),
        2 => Some(format!("{name} {name}")),
        _ => None,
    };

    if let Ok(df) = dockerfile::parse(text, "Dockerfile") {
        for instruction in &df.instructions {
            let _ = instruction.expand(df.escape, lookup);
            let _ = instruction.full_text();
        }
        let mut build_args = BTreeMap::new();
        build_args.insert("A".to_string(), text.chars().take(16).collect::<String>());
        if let Ok(meta) = MetaArgs::resolve(&df, &build_args) {
            for stage in df.stages() {
                let _ = meta.expand_from(stage.from, df.escape);
                let _ = meta.expand_platform(stage.from, df.escape);
            }
        }
    }
    let _ = dockerfile::parse_trigger(text);

    for escape in ['\\', '`'] {
        let _ = words::expand(text, escape, lookup);
        let _ = words::expand_words(text, escape, lookup);
    }
    let _ = words::expand_heredoc(text, lookup);

    if let Ok(ignore) = DockerIgnore::parse(text) {
        for path in text.lines().take(8) {
            let _ = ignore.matches(path);
            let _ = ignore.can_skip_dir(path);
        }
        let _ = ignore.keeping_build_files("Dockerfile");
    }
});
