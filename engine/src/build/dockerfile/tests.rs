//! Table-driven tests of the whole parser: every instruction and form, Docker's error messages
//! and line numbers, heredocs, the escape directive, substitution per instruction.

use super::*;

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

/// Parses `FROM base` + `text` and returns the instructions after the FROM.
fn body(text: &str) -> Vec<Instruction> {
    let df = parse(&format!("FROM base\n{text}"), "Dockerfile").unwrap_or_else(|e| panic!("{text:?}: {e}"));
    df.instructions[1..].to_vec()
}

/// The single instruction after `FROM base`.
fn one(text: &str) -> Command {
    let mut v = body(text);
    assert_eq!(v.len(), 1, "{text:?}");
    v.remove(0).command
}

fn err(text: &str) -> String {
    parse(text, "Dockerfile").expect_err(text).to_string()
}

fn shell(text: &str) -> CommandLine {
    CommandLine { args: s(&[text]), prepend_shell: true }
}

fn exec(v: &[&str]) -> CommandLine {
    CommandLine { args: s(v), prepend_shell: false }
}

fn kv(pairs: &[(&str, &str)]) -> Vec<KeyValue> {
    pairs.iter().map(|(k, v)| KeyValue { key: k.to_string(), value: v.to_string() }).collect()
}

fn run(cmd: CommandLine) -> Command {
    Command::Run(Run { cmd, mounts: vec![], network: None, security: None, devices: vec![] })
}

fn copy(sources: &[&str], dest: &str) -> Copy {
    Copy {
        sources: s(sources),
        files: vec![],
        dest: dest.into(),
        from: None,
        chown: None,
        chmod: None,
        link: false,
        parents: false,
        excludes: vec![],
    }
}

fn add(sources: &[&str], dest: &str) -> Add {
    Add {
        sources: s(sources),
        files: vec![],
        dest: dest.into(),
        chown: None,
        chmod: None,
        link: false,
        keep_git_dir: false,
        checksum: None,
        unpack: None,
        excludes: vec![],
    }
}

fn health(test: &[&str]) -> HealthConfig {
    HealthConfig { test: Some(s(test)), ..HealthConfig::default() }
}

#[test]
fn instructions_and_forms() {
    let cases: Vec<(&str, Command)> = vec![
        // RUN / CMD / ENTRYPOINT: shell and exec forms, any case.
        ("RUN echo hi", run(shell("echo hi"))),
        ("run echo hi", run(shell("echo hi"))),
        ("Run   echo   hi  ", run(shell("echo   hi"))),
        ("RUN [\"echo\", \"hi\"]", run(exec(&["echo", "hi"]))),
        ("RUN [ \"a b\" ,\"c\" ]", run(exec(&["a b", "c"]))),
        ("RUN []", run(exec(&[]))),
        ("RUN", run(CommandLine { args: vec![], prepend_shell: true })),
        ("RUN echo \"$HOME\" '$X' \\$Y", run(shell("echo \"$HOME\" '$X' \\$Y"))),
        ("RUN echo a # not a comment", run(shell("echo a # not a comment"))),
        // Malformed JSON falls back to the shell form, as Docker does.
        ("RUN ['a', 'b']", run(shell("['a', 'b']"))),
        ("RUN [\"echo\" \"hi\"]", run(shell("[\"echo\" \"hi\"]"))),
        ("RUN [\"echo\", \"hi\"] extra", run(shell("[\"echo\", \"hi\"] extra"))),
        ("RUN [\"unterminated", run(shell("[\"unterminated"))),
        ("RUN [\"c:\\windows\"]", run(shell("[\"c:\\windows\"]"))),
        ("CMD echo hi", Command::Cmd(shell("echo hi"))),
        ("cmd [\"/bin/sh\"]", Command::Cmd(exec(&["/bin/sh"]))),
        ("CMD []", Command::Cmd(exec(&[]))),
        ("CMD", Command::Cmd(CommandLine { args: vec![], prepend_shell: true })),
        ("CMD ['x']", Command::Cmd(shell("['x']"))),
        ("ENTRYPOINT [\"/entry\", \"-x\"]", Command::Entrypoint(exec(&["/entry", "-x"]))),
        ("ENTRYPOINT /entry -x", Command::Entrypoint(shell("/entry -x"))),
        ("ENTRYPOINT []", Command::Entrypoint(exec(&[]))),
        ("SHELL [\"/bin/bash\", \"-c\"]", Command::Shell(s(&["/bin/bash", "-c"]))),
        ("shell [\"powershell\",\"-command\"]", Command::Shell(s(&["powershell", "-command"]))),
        // ENV and LABEL, both forms; words stay as written until substitution.
        ("ENV a=b", Command::Env(kv(&[("a", "b")]))),
        (
            "ENV a=b c=\"d e\" f='g h' i=j\\ k",
            Command::Env(kv(&[("a", "b"), ("c", "\"d e\""), ("f", "'g h'"), ("i", "j\\ k")])),
        ),
        ("ENV a b c", Command::Env(kv(&[("a", "b c")]))),
        ("ENV a   b  c  ", Command::Env(kv(&[("a", "b  c")]))),
        ("ENV a b=c", Command::Env(kv(&[("a", "b=c")]))),
        ("ENV a=", Command::Env(kv(&[("a", "")]))),
        ("ENV a=b=c", Command::Env(kv(&[("a", "b=c")]))),
        ("ENV PATH=$PATH:/x", Command::Env(kv(&[("PATH", "$PATH:/x")]))),
        ("env A=1", Command::Env(kv(&[("A", "1")]))),
        ("LABEL a=b \"c d\"=e", Command::Label(kv(&[("a", "b"), ("\"c d\"", "e")]))),
        ("LABEL version 1.0 beta", Command::Label(kv(&[("version", "1.0 beta")]))),
        // ARG.
        ("ARG a", Command::Arg(vec![ArgDecl { name: "a".into(), default: None }])),
        ("ARG a=", Command::Arg(vec![ArgDecl { name: "a".into(), default: Some("".into()) }])),
        (
            "ARG a=1 b c=\"x y\"",
            Command::Arg(vec![
                ArgDecl { name: "a".into(), default: Some("1".into()) },
                ArgDecl { name: "b".into(), default: None },
                ArgDecl { name: "c".into(), default: Some("\"x y\"".into()) },
            ]),
        ),
        // EXPOSE: sorted as Docker does.
        ("EXPOSE 8080 80/tcp 443", Command::Expose(s(&["443", "80/tcp", "8080"]))),
        ("EXPOSE $PORT", Command::Expose(s(&["$PORT"]))),
        // COPY / ADD.
        ("COPY a b /dest/", Command::Copy(copy(&["a", "b"], "/dest/"))),
        ("copy a b", Command::Copy(copy(&["a"], "b"))),
        ("COPY [\"a b\", \"/c d/\"]", Command::Copy(copy(&["a b"], "/c d/"))),
        (
            "COPY --from=build --chown=1:2 --chmod=0755 --link --parents --exclude=*.md --exclude=x a b",
            Command::Copy(Copy {
                from: Some("build".into()),
                chown: Some("1:2".into()),
                chmod: Some("0755".into()),
                link: true,
                parents: true,
                excludes: s(&["*.md", "x"]),
                ..copy(&["a"], "b")
            }),
        ),
        ("COPY --link=false --from= a b", Command::Copy(copy(&["a"], "b"))),
        (
            "COPY --chown=\"user name\" a b",
            Command::Copy(Copy { chown: Some("user name".into()), ..copy(&["a"], "b") }),
        ),
        ("COPY -- --weird b", Command::Copy(copy(&["--weird"], "b"))),
        ("ADD http://x/a.tgz /", Command::Add(add(&["http://x/a.tgz"], "/"))),
        ("ADD [\"a\", \"b\"]", Command::Add(add(&["a"], "b"))),
        (
            "ADD --chown=u --chmod=600 --link --keep-git-dir=true --checksum=sha256:ab --unpack=false a b",
            Command::Add(Add {
                chown: Some("u".into()),
                chmod: Some("600".into()),
                link: true,
                keep_git_dir: true,
                checksum: Some("sha256:ab".into()),
                unpack: Some(false),
                ..add(&["a"], "b")
            }),
        ),
        // HEALTHCHECK.
        ("HEALTHCHECK NONE", Command::Healthcheck(health(&["NONE"]))),
        ("healthcheck none", Command::Healthcheck(health(&["NONE"]))),
        (
            "HEALTHCHECK CMD curl -f http://localhost/",
            Command::Healthcheck(health(&["CMD-SHELL", "curl -f http://localhost/"])),
        ),
        ("HEALTHCHECK cmd [\"curl\", \"-f\"]", Command::Healthcheck(health(&["CMD", "curl", "-f"]))),
        (
            "HEALTHCHECK --interval=5m --timeout=3s --start-period=1m30s --start-interval=500ms --retries=3 CMD true",
            Command::Healthcheck(HealthConfig {
                test: Some(s(&["CMD-SHELL", "true"])),
                interval: 300_000_000_000,
                timeout: 3_000_000_000,
                start_period: 90_000_000_000,
                start_interval: 500_000_000,
                retries: 3,
            }),
        ),
        ("HEALTHCHECK --interval=0s --retries=0 CMD true", Command::Healthcheck(health(&["CMD-SHELL", "true"]))),
        ("HEALTHCHECK --interval=5s NONE", Command::Healthcheck(health(&["NONE"]))),
        // Single-argument instructions keep the whole rest of the line.
        ("STOPSIGNAL SIGKILL", Command::StopSignal("SIGKILL".into())),
        ("USER app:app", Command::User("app:app".into())),
        ("USER a b", Command::User("a b".into())),
        ("WORKDIR /a b", Command::Workdir("/a b".into())),
        ("WORKDIR $HOME/x", Command::Workdir("$HOME/x".into())),
        ("MAINTAINER Jane Doe <jane@example.com>", Command::Maintainer("Jane Doe <jane@example.com>".into())),
        // VOLUME: JSON or whitespace list.
        ("VOLUME /a /b", Command::Volume(s(&["/a", "/b"]))),
        ("VOLUME [\"/a b\", \" /c \"]", Command::Volume(s(&["/a b", "/c"]))),
        ("volume /data", Command::Volume(s(&["/data"]))),
    ];
    for (text, want) in cases {
        assert_eq!(one(text), want, "{text:?}");
    }
}

#[test]
fn run_flags_and_from() {
    let Command::Run(r) = one("RUN --mount=type=cache,target=/root/.cache --mount=type=secret,id=x --network=none --security=insecure --device=gpu echo")
    else {
        panic!()
    };
    assert_eq!(r.mounts, s(&["type=cache,target=/root/.cache", "type=secret,id=x"]));
    assert_eq!((r.network.as_deref(), r.security.as_deref()), (Some("none"), Some("insecure")));
    assert_eq!(r.devices, s(&["gpu"]));
    assert_eq!(r.cmd, shell("echo"));

    let cases: &[(&str, &str, Option<&str>, Option<&str>)] = &[
        ("FROM busybox", "busybox", None, None),
        ("from busybox:1.36", "busybox:1.36", None, None),
        ("FROM img AS Build", "img", Some("build"), None),
        ("FROM img as build-1.x_y", "img", Some("build-1.x_y"), None),
        ("FROM --platform=linux/arm64 img", "img", None, Some("linux/arm64")),
        ("FROM --platform=$BUILDPLATFORM ${IMG:-x} AS b", "${IMG:-x}", Some("b"), Some("$BUILDPLATFORM")),
        ("FROM scratch", "scratch", None, None),
    ];
    for (text, image, name, platform) in cases {
        let df = parse(text, "Dockerfile").unwrap();
        let st = df.stages();
        assert_eq!(st.len(), 1);
        assert_eq!(
            (st[0].from.image.as_str(), st[0].name, st[0].from.platform.as_deref()),
            (*image, *name, *platform),
            "{text}"
        );
    }
}

#[test]
fn original_text_and_lines() {
    let df = parse(
        "# comment\n\nFROM  base  \nRUN apt-get update && \\\n    apt-get install -y \\\n    # a comment\n    curl\n\n  ENV a=b\n",
        "Dockerfile",
    )
    .unwrap();
    let summary: Vec<(usize, usize, &str)> =
        df.instructions.iter().map(|i| (i.line, i.end_line, i.original.as_str())).collect();
    assert_eq!(
        summary,
        [(3, 3, "FROM  base"), (4, 7, "RUN apt-get update &&     apt-get install -y     curl"), (9, 9, "ENV a=b"),]
    );
    let Command::Run(r) = &df.instructions[1].command else { panic!() };
    assert_eq!(r.cmd.args, s(&["apt-get update &&     apt-get install -y     curl"]));
    assert_eq!(df.instructions[1].name(), "RUN");
    assert_eq!(df.len(), 3);
}

#[test]
fn continuation_rules() {
    let cases: &[(&str, &str)] = &[
        ("RUN a \\\n b", "a  b"),
        ("RUN a\\\nb", "ab"),
        ("RUN a \\\n# comment\n b", "a  b"),
        ("RUN a \\\n  # indented comment\n b", "a  b"),
        ("RUN a \\\n\n b", "a  b"),
        ("RUN a \\ \t\n b", "a  b"),
        ("RUN a \\\\\n", "a \\\\"),
        ("RUN a \\\\ \\\n b", "a \\\\  b"),
        ("RUN a \\\n b \\\n c", "a  b  c"),
        ("RUN a \\", "a"),
    ];
    for (text, want) in cases {
        let Command::Run(r) = one(text) else { panic!() };
        assert_eq!(r.cmd.args, s(&[want]), "{text:?}");
    }
    let df = parse("FROM a\nRUN x \\\n\n y\n", "Dockerfile").unwrap();
    assert_eq!(df.warnings, ["Empty continuation line found in: RUN x  y"]);
}

#[test]
fn escape_directive_backtick() {
    // The Windows example of Docker's reference.
    let df = parse(
        "# escape=`\n\nFROM mcr.microsoft.com/windows/servercore\nCOPY testfile.txt c:\\\nRUN dir c:\\\nRUN a `\n  b\n",
        "Dockerfile",
    )
    .unwrap();
    assert_eq!(df.escape, '`');
    let cmds: Vec<Command> = df.instructions[1..].iter().map(|i| i.command.clone()).collect();
    assert_eq!(cmds, [Command::Copy(copy(&["testfile.txt"], "c:\\")), run(shell("dir c:\\")), run(shell("a   b")),]);
    // Substitution uses the file's escape character.
    let workdir = parse("# escape=`\nFROM a\nWORKDIR c:\\Users\\`$USER\n", "Dockerfile").unwrap();
    let expanded = workdir.instructions[1].expand(workdir.escape, |_| Some("me".into())).unwrap();
    assert_eq!(expanded.command, Command::Workdir("c:\\Users\\$USER".into()));

    // Without the directive, `\` at the end of the line continues it.
    let df = parse("FROM a\nCOPY testfile.txt c:\\\nRUN dir c:\\\n", "Dockerfile").unwrap();
    assert_eq!(df.instructions.len(), 2);
    assert_eq!(df.instructions[1].command, Command::Copy(copy(&["testfile.txt", "c:RUN", "dir"], "c:")));

    // Directives only count at the very top.
    for text in ["FROM a\n# escape=`\nRUN b `\nRUN c", "# hello\n# escape=`\nFROM a\nRUN b `\nRUN c"] {
        let df = parse(text, "Dockerfile").unwrap();
        assert_eq!(df.escape, '\\', "{text:?}");
        assert_eq!(df.instructions.len(), 3, "{text:?}");
    }
    // syntax and check are accepted and ignored.
    let df = parse("# syntax=docker/dockerfile:1\n# check=skip=all\n# escape=`\nFROM a\nRUN b `\n c\n", "Dockerfile")
        .unwrap();
    assert_eq!(df.instructions.len(), 2);
}

#[test]
fn heredocs() {
    let df = parse(
        "FROM a\nRUN <<EOF\necho hello\n# not a comment\nEOF\nRUN <<-EOT bash\n\t\techo tabs\n\tEOT\nRUN <<'Q'\n$HOME\nQ\n",
        "Dockerfile",
    )
    .unwrap();
    let i = &df.instructions;
    assert_eq!(i.len(), 4);
    assert_eq!((i[1].line, i[1].end_line, i[1].original.as_str()), (2, 5, "RUN <<EOF"));
    assert_eq!(i[1].command, run(shell("<<EOF")));
    assert_eq!(
        i[1].heredocs,
        [Heredoc {
            name: "EOF".into(),
            content: "echo hello\n# not a comment\n".into(),
            expand: true,
            chomp: false,
            fd: 0
        }]
    );
    assert_eq!(i[1].full_text(), "RUN <<EOF\necho hello\n# not a comment\nEOF");
    assert_eq!((i[2].line, i[2].end_line), (6, 8));
    assert_eq!(i[2].heredocs[0].content, "\t\techo tabs\n");
    assert_eq!(i[2].heredocs[0].data(), "echo tabs\n");
    assert!(i[2].heredocs[0].chomp);
    assert_eq!(i[3].heredocs[0].name, "Q");
    assert!(!i[3].heredocs[0].expand);
    assert_eq!(i[3].heredocs[0].content, "$HOME\n");

    // Several heredocs on one line are read in order.
    let df = parse("FROM a\nRUN <<A <<B cat /dev/fd/3\nfirst\nA\nsecond\nB\nRUN next\n", "Dockerfile").unwrap();
    let names: Vec<(&str, &str)> =
        df.instructions[1].heredocs.iter().map(|h| (h.name.as_str(), h.content.as_str())).collect();
    assert_eq!(names, [("A", "first\n"), ("B", "second\n")]);
    assert_eq!(df.instructions[2].line, 7);

    // COPY/ADD heredocs become inline files; the quoted delimiter disables substitution.
    let df = parse(
        "FROM a\nCOPY <<EOF /etc/conf\nkey=$VALUE\nEOF\nCOPY --chmod=755 <<-\"run.sh\" <<two /bin/\n\t#!/bin/sh\n\techo $X\nrun.sh\n2\ntwo\nADD <<x /x\nx\n",
        "Dockerfile",
    )
    .unwrap();
    let Command::Copy(c) = &df.instructions[1].command else { panic!() };
    assert_eq!(c.dest, "/etc/conf");
    assert!(c.sources.is_empty());
    assert_eq!(c.files, [InlineFile { name: "EOF".into(), data: "key=$VALUE\n".into(), expand: true }]);
    let Command::Copy(c) = &df.instructions[2].command else { panic!() };
    assert_eq!(c.chmod.as_deref(), Some("755"));
    assert_eq!(
        c.files,
        [
            InlineFile { name: "run.sh".into(), data: "#!/bin/sh\necho $X\n".into(), expand: false },
            InlineFile { name: "two".into(), data: "2\n".into(), expand: true },
        ]
    );
    let Command::Add(a) = &df.instructions[3].command else { panic!() };
    assert_eq!(a.files, [InlineFile { name: "x".into(), data: "".into(), expand: true }]);

    // Substitution in the file bodies at build time.
    let env = |n: &str| (n == "VALUE" || n == "X").then(|| "v".to_string());
    let Command::Copy(c) = df.instructions[1].expand('\\', env).unwrap().command else { panic!() };
    assert_eq!(c.files[0].data, "key=v\n");
    let Command::Copy(c) = df.instructions[2].expand('\\', env).unwrap().command else { panic!() };
    assert_eq!(c.files[0].data, "#!/bin/sh\necho $X\n");

    // Not heredocs: JSON form, `<<` not starting a word, other instructions.
    let df =
        parse("FROM a\nRUN [\"cat\", \"<<EOF\"]\nRUN cat<<EOF\nENV a=<<EOF\nRUN echo '<<EOF'\n", "Dockerfile").unwrap();
    assert!(df.instructions.iter().all(|i| i.heredocs.is_empty()));
    assert_eq!(df.instructions.len(), 5);

    // ONBUILD carries the heredoc into its trigger and the stored expression.
    let df = parse("FROM a\nONBUILD RUN <<EOF\necho hi\nEOF\n", "Dockerfile").unwrap();
    let Command::Onbuild(o) = &df.instructions[1].command else { panic!() };
    assert_eq!(o.expression, "RUN <<EOF\necho hi\nEOF");
    assert_eq!(o.trigger.heredocs[0].content, "echo hi\n");

    // CRLF files: terminators match without the \r; bodies keep their line endings.
    let df = parse("FROM a\r\nRUN <<EOF\r\nx\r\nEOF\r\nRUN y\r\n", "Dockerfile").unwrap();
    assert_eq!(df.instructions[1].heredocs[0].content, "x\r\n");
    assert_eq!(df.instructions.len(), 3);
}

#[test]
fn onbuild() {
    let Command::Onbuild(o) = one("ONBUILD RUN echo hi") else { panic!() };
    assert_eq!(o.expression, "RUN echo hi");
    assert_eq!(o.trigger.command, run(shell("echo hi")));
    assert_eq!(o.trigger.original, "RUN echo hi");
    let Command::Onbuild(o) = one("onbuild  copy --chown=1 a b") else { panic!() };
    assert_eq!(o.expression, "copy --chown=1 a b");
    assert_eq!(o.trigger.command, Command::Copy(Copy { chown: Some("1".into()), ..copy(&["a"], "b") }));

    let triggers = parse_trigger("ADD . /app/src").unwrap();
    assert_eq!(triggers[0].command, Command::Add(add(&["."], "/app/src")));
    assert_eq!(
        parse_trigger("FROM x").unwrap_err().to_string(),
        "dockerfile parse error on line 1: FROM isn't allowed as an ONBUILD trigger"
    );
    assert_eq!(
        parse_trigger("ONBUILD RUN x").unwrap_err().to_string(),
        "dockerfile parse error on line 1: Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed"
    );
    assert_eq!(
        parse_trigger("maintainer me").unwrap_err().to_string(),
        "dockerfile parse error on line 1: MAINTAINER isn't allowed as an ONBUILD trigger"
    );
    assert_eq!(parse_trigger("").unwrap_err().to_string(), "file with no instructions");
}

#[test]
fn stages() {
    let df = parse(
        "ARG V=1\nARG IMG\nFROM base:$V AS build\nRUN make\nFROM build AS test\nRUN test\nFROM scratch\nCOPY --from=build /out /\n",
        "Dockerfile",
    )
    .unwrap();
    assert_eq!(df.meta_args().len(), 2);
    let st = df.stages();
    let summary: Vec<(usize, Option<&str>, &str, usize, usize)> = st
        .iter()
        .map(|s| (s.index, s.name, s.from.image.as_str(), s.instructions.len(), s.from_instruction().line))
        .collect();
    assert_eq!(
        summary,
        [(0, Some("build"), "base:$V", 1, 3), (1, Some("test"), "build", 1, 5), (2, None, "scratch", 1, 7)]
    );
    assert_eq!(df.find_stage("TEST"), Some(1));
    assert_eq!(df.find_stage("nope"), None);
}

#[test]
fn error_messages() {
    let p = "dockerfile parse error on line";
    let cases: Vec<(&str, String)> = vec![
        // Empty files.
        ("", "the Dockerfile (Dockerfile) cannot be empty".into()),
        ("\n\n   \n\t\n", "the Dockerfile (Dockerfile) cannot be empty: file with no instructions".into()),
        ("# only a comment", "the Dockerfile (Dockerfile) cannot be empty: file with no instructions".into()),
        ("# escape=`\n# c\n\n", "the Dockerfile (Dockerfile) cannot be empty: file with no instructions".into()),
        // Unknown instructions, in their original spelling, with Docker's suggestion.
        ("FROM a\nRUN x\nNOINSTRUCTION echo ba", format!("{p} 3: unknown instruction: NOINSTRUCTION")),
        ("FROM a\nnoinstruction x", format!("{p} 2: unknown instruction: noinstruction")),
        ("FROM a\nRUNN x", format!("{p} 2: unknown instruction: RUNN (did you mean RUN?)")),
        ("FROM a\ncopyy x y", format!("{p} 2: unknown instruction: copyy (did you mean copy?)")),
        ("FROM a\nWorkDir2 /x", format!("{p} 2: unknown instruction: WorkDir2 (did you mean workdir?)")),
        ("FROM a\nINSERT x y", format!("{p} 2: unknown instruction: INSERT")),
        // Missing arguments.
        ("FROM a\nONBUILD", format!("{p} 2: ONBUILD requires at least one argument")),
        ("FROM", format!("{p} 1: FROM requires either one or three arguments")),
        ("FROM a b", format!("{p} 1: FROM requires either one or three arguments")),
        ("FROM a AS", format!("{p} 1: FROM requires either one or three arguments")),
        ("FROM a TO b", format!("{p} 1: FROM requires either one or three arguments")),
        ("FROM a\nCOPY", format!("{p} 2: COPY requires at least two arguments, but only one was provided. Destination could not be determined")),
        ("FROM a\nCOPY x", format!("{p} 2: COPY requires at least two arguments, but only one was provided. Destination could not be determined")),
        ("FROM a\nCOPY --from=b x", format!("{p} 2: COPY requires at least two arguments, but only one was provided. Destination could not be determined")),
        ("FROM a\nADD x", format!("{p} 2: ADD requires at least two arguments, but only one was provided. Destination could not be determined")),
        ("FROM a\nCOPY [\"x\"]", format!("{p} 2: COPY requires at least two arguments, but only one was provided. Destination could not be determined")),
        ("FROM a\nENV", format!("{p} 2: ENV requires at least one argument")),
        ("FROM a\nLABEL", format!("{p} 2: LABEL requires at least one argument")),
        ("FROM a\nARG", format!("{p} 2: ARG requires at least one argument")),
        ("FROM a\nEXPOSE", format!("{p} 2: EXPOSE requires at least one argument")),
        ("FROM a\nVOLUME", format!("{p} 2: VOLUME requires at least one argument")),
        ("FROM a\nVOLUME []", format!("{p} 2: VOLUME requires at least one argument")),
        ("FROM a\nHEALTHCHECK", format!("{p} 2: HEALTHCHECK requires at least one argument")),
        ("FROM a\nSHELL", format!("{p} 2: SHELL requires at least one argument")),
        ("FROM a\nSHELL []", format!("{p} 2: SHELL requires at least one argument")),
        ("FROM a\nUSER", format!("{p} 2: USER requires exactly one argument")),
        ("FROM a\nWORKDIR", format!("{p} 2: WORKDIR requires exactly one argument")),
        ("FROM a\nSTOPSIGNAL", format!("{p} 2: STOPSIGNAL requires exactly one argument")),
        ("FROM a\nMAINTAINER", format!("{p} 2: MAINTAINER requires exactly one argument")),
        // ENV / LABEL / ARG syntax.
        ("FROM a\nENV a", format!("{p} 2: ENV must have two arguments")),
        ("FROM a\nLABEL a", format!("{p} 2: LABEL must have two arguments")),
        ("FROM a\nENV a=b c", format!("{p} 2: Syntax error - can't find = in \"c\". Must be of the form: name=value")),
        ("FROM a\nLABEL a=b \"c d\"", format!("{p} 2: Syntax error - can't find = in \"\\\"c d\\\"\". Must be of the form: name=value")),
        ("FROM a\nENV =b", format!("{p} 2: ENV names can not be blank")),
        ("FROM a\nLABEL =b", format!("{p} 2: LABEL names can not be blank")),
        ("FROM a\nARG =b", format!("{p} 2: ARG names can not be blank")),
        // JSON.
        ("FROM a\nRUN [1]", format!("{p} 2: when using JSON array syntax, arrays must be comprised of strings only")),
        ("FROM a\nCMD [\"a\", null]", format!("{p} 2: when using JSON array syntax, arrays must be comprised of strings only")),
        ("FROM a\nCOPY [\"a\", 2]", format!("{p} 2: when using JSON array syntax, arrays must be comprised of strings only")),
        ("FROM a\nSHELL /bin/sh -c", format!("{p} 2: SHELL requires the arguments to be in JSON form")),
        ("FROM a\nSHELL ['/bin/sh', '-c']", format!("{p} 2: SHELL requires the arguments to be in JSON form")),
        (
            "FROM a\nSHELL [\"c:\\windows\\cmd.exe\", \"/S\"]",
            format!(
                "{p} 2: SHELL requires the arguments to be in JSON form. It looks like '[\"c:\\windows\\cmd.exe\", \"/s\"]' \
                 includes a file path without an escaped back-slash. JSON requires back-slashes to be escaped such as \
                 [\"c:\\\\path\\\\to\\\\file.exe\", \"/parameter\"]"
            ),
        ),
        // Flags.
        ("FROM a\nCOPY --foo=bar x y", format!("{p} 2: unknown flag: --foo (did you mean from?)")),
        ("FROM a\nCOPY --nothing=bar x y", format!("{p} 2: unknown flag: --nothing")),
        ("FROM a\nCOPY --chownn=1 x y", format!("{p} 2: unknown flag: --chownn (did you mean chown?)")),
        ("FROM a\nADD --from=b x y", format!("{p} 2: unknown flag: --from")),
        ("FROM a\nRUN --foo echo", format!("{p} 2: unknown flag: --foo")),
        ("FROM a\nCMD --help", format!("{p} 2: unknown flag: --help")),
        ("FROM a\nENV --x=1 a=b", format!("{p} 2: unknown flag: --x")),
        ("FROM a\nWORKDIR --x /a", format!("{p} 2: unknown flag: --x")),
        ("FROM a\nSTOPSIGNAL --x 9", format!("{p} 2: unknown flag: --x")),
        ("FROM a\nONBUILD --x RUN y", format!("{p} 2: unknown flag: --x")),
        ("FROM --platform linux x", format!("{p} 1: FROM requires either one or three arguments")),
        ("FROM --platform x", format!("{p} 1: missing a value on flag: --platform")),
        ("FROM --platfrom=x y", format!("{p} 1: unknown flag: --platfrom (did you mean platform?)")),
        ("FROM a\nCOPY --from=a --from=b x y", format!("{p} 2: duplicate flag specified: --from")),
        ("FROM a\nCOPY --link=maybe x y", format!("{p} 2: expecting boolean value for flag --link, not: maybe")),
        ("FROM a\nCOPY --link= x y", format!("{p} 2: missing a value on flag: --link")),
        ("FROM a\nCOPY --chown x y", format!("{p} 2: missing a value on flag: --chown")),
        // Stage names.
        ("FROM a AS 1st", format!("{p} 1: invalid name for build stage: \"1st\", name can't start with a number or contain symbols")),
        ("FROM a AS my/stage", format!("{p} 1: invalid name for build stage: \"my/stage\", name can't start with a number or contain symbols")),
        // ONBUILD triggers.
        ("FROM a\nONBUILD ONBUILD RUN x", format!("{p} 2: Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed")),
        ("FROM a\nONBUILD FROM b", format!("{p} 2: FROM isn't allowed as an ONBUILD trigger")),
        ("FROM a\nonbuild maintainer me", format!("{p} 2: MAINTAINER isn't allowed as an ONBUILD trigger")),
        ("FROM a\nONBUILD NOSUCH x", format!("{p} 2: unknown instruction: NOSUCH")),
        ("FROM a\nONBUILD COPY x", format!("{p} 2: COPY requires at least two arguments, but only one was provided. Destination could not be determined")),
        ("FROM a\nONBUILD ENV a", format!("{p} 2: ENV must have two arguments")),
        // HEALTHCHECK.
        ("FROM a\nHEALTHCHECK NONE x", format!("{p} 2: HEALTHCHECK NONE takes no arguments")),
        ("FROM a\nHEALTHCHECK CMD", format!("{p} 2: Missing command after HEALTHCHECK CMD")),
        ("FROM a\nHEALTHCHECK CMD []", format!("{p} 2: Missing command after HEALTHCHECK CMD")),
        ("FROM a\nHEALTHCHECK CMDX true", format!("{p} 2: Unknown type \"CMDX\" in HEALTHCHECK (try CMD)")),
        ("FROM a\nHEALTHCHECK --interval=x CMD true", format!("{p} 2: time: invalid duration \"x\"")),
        ("FROM a\nHEALTHCHECK --timeout=5 CMD true", format!("{p} 2: time: missing unit in duration \"5\"")),
        ("FROM a\nHEALTHCHECK --interval=10d CMD true", format!("{p} 2: time: unknown unit \"d\" in duration \"10d\"")),
        ("FROM a\nHEALTHCHECK --interval=1us CMD true", format!("{p} 2: Interval \"interval\" cannot be less than 1ms")),
        ("FROM a\nHEALTHCHECK --start-period=-1s CMD true", format!("{p} 2: Interval \"start-period\" cannot be less than 1ms")),
        ("FROM a\nHEALTHCHECK --retries=-1 CMD true", format!("{p} 2: --retries cannot be negative (-1)")),
        ("FROM a\nHEALTHCHECK --retries=x CMD true", format!("{p} 2: strconv.ParseInt: parsing \"x\": invalid syntax")),
        ("FROM a\nHEALTHCHECK --retries=9999999999 CMD true", format!("{p} 2: strconv.ParseInt: parsing \"9999999999\": value out of range")),
        ("FROM a\nHEALTHCHECK --foo=1 CMD true", format!("{p} 2: unknown flag: --foo")),
        ("FROM a\nHEALTHCHECK --foo=1 NONE", format!("{p} 2: unknown flag: --foo")),
        // Heredocs.
        ("FROM a\nRUN <<EOF\necho", format!("{p} 2: unterminated heredoc")),
        ("FROM a\nCOPY <<EOF <<EOT /x\na\nEOF\n", format!("{p} 2: unterminated heredoc")),
        ("FROM a\nCOPY x <<EOF\nEOF\n", format!("{p} 2: COPY cannot accept a heredoc as a destination")),
        // Directives.
        ("# escape=x\nFROM a", format!("{p} 1: invalid escape token 'x' does not match ` or \\")),
        ("# escape=`\n# escape=\\\nFROM a", format!("{p} 2: only one escape parser directive can be used")),
        // Structure.
        ("RUN x\nFROM a", format!("{p} 1: no build stage in current context")),
        ("ARG a\n\nENV b=c\nFROM a", format!("{p} 3: no build stage in current context")),
        ("ARG a\nARG b", "dockerfile contains no stages to build".into()),
        // Syntax errors are found before instruction errors, as in Docker.
        ("FROM a\nNOSUCH\nENV a=b c", format!("{p} 3: Syntax error - can't find = in \"c\". Must be of the form: name=value")),
        ("FROM a\nNOSUCH\nRUN <<EOF\n", format!("{p} 3: unterminated heredoc")),
        // Instruction errors: the first in file order.
        ("FROM a\nNOSUCH\nCOPY x", format!("{p} 2: unknown instruction: NOSUCH")),
        ("RUN x\nNOSUCH", format!("{p} 1: no build stage in current context")),
    ];
    for (text, want) in cases {
        assert_eq!(err(text), want, "{text:?}");
    }
}

#[test]
fn error_line_numbers_like_docker_integration_tests() {
    // integration-cli TestBuildLineErrorUnknownInstruction.
    assert_eq!(
        err("FROM busybox\n  RUN echo hello world\n  NOINSTRUCTION echo ba\n  RUN echo hello\n  ERROR\n  "),
        "dockerfile parse error on line 3: unknown instruction: NOINSTRUCTION"
    );
    // TestBuildLineErrorWithEmptyLines.
    assert_eq!(
        err("\n  FROM busybox\n\n  RUN echo hello world\n\n  NOINSTRUCTION echo ba\n\n  CMD [\"/bin/init\"]\n  "),
        "dockerfile parse error on line 6: unknown instruction: NOINSTRUCTION"
    );
    // TestBuildLineErrorWithComments.
    assert_eq!(
        err("FROM busybox\n  # This will print hello world\n  # and then ba\n  RUN echo hello world\n  NOINSTRUCTION echo ba\n  "),
        "dockerfile parse error on line 5: unknown instruction: NOINSTRUCTION"
    );
    // TestBuildLineErrorOnBuild.
    assert_eq!(
        err("FROM busybox\n  ONBUILD\n  "),
        "dockerfile parse error on line 2: ONBUILD requires at least one argument"
    );
    // Continuations and heredocs move the following lines.
    assert_eq!(
        err("FROM a\nRUN a \\\n  b \\\n  c\nRUN <<EOF\n1\n2\nEOF\n\nBAD x"),
        "dockerfile parse error on line 10: unknown instruction: BAD (did you mean ADD?)"
    );
    // The line of an instruction is its first line.
    assert_eq!(err("FROM a\nCOPY \\\n  onlyone"), format!("dockerfile parse error on line 2: COPY requires at least two arguments, but only one was provided. Destination could not be determined"));
    // A long line ends the input.
    let long = format!("FROM a\nRUN {}\n", "x".repeat(70_000));
    assert_eq!(err(&long), "dockerfile parse error on line 2: dockerfile line greater than max allowed size of 65535");
    let e = parse("FROM a\nNOSUCH", "Dockerfile").unwrap_err();
    assert_eq!((e.line(), e.detail()), (2, "unknown instruction: NOSUCH"));
    assert_eq!(
        crate::Error::from(e.clone()),
        crate::Error::invalid("dockerfile parse error on line 2: unknown instruction: NOSUCH")
    );
    assert_eq!(crate::Error::from(e).kind(), crate::ErrorKind::InvalidArgument);
    assert_eq!(parse("", "Dockerfile.dev").unwrap_err().to_string(), "the Dockerfile (Dockerfile.dev) cannot be empty");
}

#[test]
fn the_seed_style_lowercase_dockerfile() {
    let df = parse(
        "from busybox\nmaintainer me\nrun echo hello > /hello\ncopy hello /hello2\ncmd cat /hello\n",
        "Dockerfile",
    )
    .unwrap();
    let names: Vec<&str> = df.instructions.iter().map(|i| i.name()).collect();
    assert_eq!(names, ["FROM", "MAINTAINER", "RUN", "COPY", "CMD"]);
    assert_eq!(df.instructions[2].original, "run echo hello > /hello");
}

#[test]
fn substitution_per_instruction() {
    let env = |n: &str| match n {
        "A" => Some("a".to_string()),
        "PORTS" => Some("80 443".to_string()),
        "EMPTY" => Some(String::new()),
        "USER" => Some("app".to_string()),
        _ => None,
    };
    let cases: Vec<(&str, Command)> = vec![
        ("ENV x=$A y=\"$A b\" z='$A' w=\\$A", Command::Env(kv(&[("x", "a"), ("y", "a b"), ("z", "$A"), ("w", "$A")]))),
        ("ENV ${A}key=v", Command::Env(kv(&[("akey", "v")]))),
        ("ENV legacy value with $A", Command::Env(kv(&[("legacy", "value with a")]))),
        ("LABEL \"com.x\"=\"${A:-d}\" l=${UNSET:-dflt}", Command::Label(kv(&[("com.x", "a"), ("l", "dflt")]))),
        (
            "ARG n=${A}1 m",
            Command::Arg(vec![
                ArgDecl { name: "n".into(), default: Some("a1".into()) },
                ArgDecl { name: "m".into(), default: None },
            ]),
        ),
        ("EXPOSE $PORTS 8080/${A:+udp}", Command::Expose(s(&["80", "443", "8080/udp"]))),
        ("WORKDIR /home/${USER}", Command::Workdir("/home/app".into())),
        ("WORKDIR \"/a b\"", Command::Workdir("/a b".into())),
        ("USER ${USER}:${EMPTY:-grp}", Command::User("app:grp".into())),
        ("STOPSIGNAL SIG${A:+KILL}", Command::StopSignal("SIGKILL".into())),
        ("VOLUME $A /b/$A", Command::Volume(s(&["a", "/b/a"]))),
        ("VOLUME [\"/x/$A\"]", Command::Volume(s(&["/x/a"]))),
        (
            "COPY --chown=$USER:$USER --chmod=${EMPTY:-644} --from=$A [\"src/$A\", \"/dst dir/\"]",
            Command::Copy(Copy {
                chown: Some("app:app".into()),
                chmod: Some("644".into()),
                from: Some("$A".into()),
                ..copy(&["src/a"], "/dst dir/")
            }),
        ),
        ("ADD --checksum=$A $A /$A/", Command::Add(Add { checksum: Some("a".into()), ..add(&["a"], "/a/") })),
        // Never substituted.
        ("RUN echo $A", run(shell("echo $A"))),
        ("CMD [\"echo\", \"$A\"]", Command::Cmd(exec(&["echo", "$A"]))),
        ("ENTRYPOINT echo $A", Command::Entrypoint(shell("echo $A"))),
        ("SHELL [\"$A\"]", Command::Shell(s(&["$A"]))),
        ("MAINTAINER $A", Command::Maintainer("$A".into())),
        ("HEALTHCHECK CMD echo $A", Command::Healthcheck(health(&["CMD-SHELL", "echo $A"]))),
    ];
    for (text, want) in cases {
        let instr = body(text).remove(0);
        let expanded = instr.expand('\\', env).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(expanded.command, want, "{text:?}");
        assert_eq!(expanded.original, instr.original);
        assert_eq!(
            instr.command.substitutes(),
            !matches!(
                instr.command,
                Command::Run(_)
                    | Command::Cmd(_)
                    | Command::Entrypoint(_)
                    | Command::Shell(_)
                    | Command::Maintainer(_)
                    | Command::Healthcheck(_)
            ),
            "{text}"
        );
    }
    let instr = body("WORKDIR ${A:?must be set}/${NOSUCH:?must be set}").remove(0);
    assert_eq!(
        instr.expand('\\', env).unwrap_err().message(),
        "failed to process \"${A:?must be set}/${NOSUCH:?must be set}\": NOSUCH: must be set"
    );
    // The ONBUILD trigger is stored unexpanded.
    let instr = body("ONBUILD ENV a=$A").remove(0);
    assert_eq!(instr.expand('\\', env).unwrap(), instr);
}

#[test]
fn command_line_with_shell() {
    let sh = s(&["/bin/sh", "-c"]);
    assert_eq!(shell("echo hi").with_shell(&sh), s(&["/bin/sh", "-c", "echo hi"]));
    assert_eq!(exec(&["echo", "hi"]).with_shell(&sh), s(&["echo", "hi"]));
}

#[test]
fn healthcheck_json_shape() {
    let Command::Healthcheck(h) =
        one("HEALTHCHECK --interval=30s --retries=3 CMD [\"curl\", \"-f\", \"http://localhost\"]")
    else {
        panic!()
    };
    assert_eq!(
        serde_json::to_string(&h).unwrap(),
        r#"{"Test":["CMD","curl","-f","http://localhost"],"Interval":30000000000,"Retries":3}"#
    );
    let Command::Healthcheck(none) = one("HEALTHCHECK NONE") else { panic!() };
    assert_eq!(serde_json::to_string(&none).unwrap(), r#"{"Test":["NONE"]}"#);
    let back: HealthConfig = serde_json::from_str(r#"{"Test":["CMD-SHELL","x"],"Timeout":5}"#).unwrap();
    assert_eq!(back, HealthConfig { test: Some(s(&["CMD-SHELL", "x"])), timeout: 5, ..HealthConfig::default() });
}

/// A small deterministic generator standing in for property tests: many random Dockerfile-like
/// inputs must never make the parser or substitution panic, and every error must carry a
/// message.
#[test]
fn random_inputs_never_panic() {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    const ATOMS: &[&str] = &[
        "FROM ",
        "from ",
        "RUN ",
        "COPY ",
        "ADD ",
        "ENV ",
        "LABEL ",
        "ARG ",
        "ONBUILD ",
        "HEALTHCHECK ",
        "SHELL ",
        "CMD ",
        "ENTRYPOINT ",
        "EXPOSE ",
        "VOLUME ",
        "USER ",
        "WORKDIR ",
        "STOPSIGNAL ",
        "MAINTAINER ",
        "NONE ",
        "# escape=`\n",
        "# escape=\\\n",
        "# syntax=x\n",
        "\n",
        "\r\n",
        " ",
        "\t",
        "\\",
        "`",
        "\\\n",
        "`\n",
        "#",
        "\"",
        "'",
        "[",
        "]",
        ",",
        "{",
        "}",
        "$",
        "${",
        ":-",
        ":+",
        ":?",
        "-",
        "+",
        "?",
        "#",
        "%",
        "/",
        "//",
        "*",
        "=",
        "<<",
        "<<-",
        "EOF",
        "'EOF'",
        "--",
        "--from=",
        "--chown=",
        "--mount=",
        "--interval=",
        "1s",
        "AS ",
        "a",
        "b",
        "x=y",
        "[\"a\",\"b\"]",
        "[1]",
        "\u{FEFF}",
        "é",
        "\u{0}",
        "\u{a0}",
        "\\u00",
        "9",
        "CMD",
    ];
    for _ in 0..4000 {
        let n = (next() % 40) as usize;
        let mut text = String::new();
        for _ in 0..n {
            text.push_str(ATOMS[(next() % ATOMS.len() as u64) as usize]);
        }
        match parse(&text, "Dockerfile") {
            Ok(df) => {
                for i in &df.instructions {
                    let _ = i.expand(df.escape, |n| (n.len() % 2 == 0).then(|| n.repeat(2)));
                    let _ = i.full_text();
                }
                let _ = MetaArgs::resolve(&df, &Default::default());
            }
            Err(e) => assert!(!e.to_string().is_empty()),
        }
        let _ = words::expand(&text, '\\', |_| Some("v a l".into()));
        let _ = words::expand_words(&text, '`', |_| None);
        let _ = parse_trigger(&text);
        let _ = crate::build::ignore::DockerIgnore::parse(&text).map(|i| {
            let _ = i.matches(&text);
            let _ = i.can_skip_dir(&text);
        });
    }
}
