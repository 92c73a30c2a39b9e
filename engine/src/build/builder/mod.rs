//! The builder: a context and a Dockerfile become an image, step by step, with Docker's classic
//! builder semantics and output (`docker build` with `DOCKER_BUILDKIT=0`).
//!
//! Each instruction after `FROM` makes one image, the child of the previous one:
//! - config instructions (`ENV`, `CMD`, `LABEL`, …, `ARG`, `MAINTAINER`) only change the config:
//!   the image has no new layer (`empty_layer`, `created_by` `/bin/sh -c #(nop)  ENV A=b`);
//! - `RUN` runs in a container of the current image ([`run`]): its changes become the layer;
//! - `COPY`/`ADD` ([`copy`]) and `WORKDIR` write through an overlay of the current image
//!   ([`fs::StepFs`]) without a container: every destination is resolved inside the image.
//!
//! Every step first asks the [`cache`]. Multi-stage builds build the target stage (`--target`,
//! else the last) and only the stages it needs (`FROM <stage>`, `COPY --from=<stage>`).
//!
//! Files: `context` (where sources come from), `paths` (COPY/ADD path rules), `hash` (source
//! content hashes), `cache`, `dispatch` (one instruction), `run`, `copy`, `fetch` (ADD from
//! http), `fs` (image filesystems), `commit` (publishing a step), `output` (the stream).
//!
//! Differences from Docker's classic builder, all deliberate: config-only steps run no
//! container (so they print no `Running in`/`Removing intermediate container`); a failing `RUN`
//! leaves no container behind unless `rm` is false (Docker keeps it unless `forcerm`); `RUN`
//! containers have no network unless `--network host` (this engine has no bridge); unneeded
//! stages are skipped (BuildKit's behaviour).

mod cache;
mod commit;
mod context;
mod copy;
mod dispatch;
pub mod fetch;
mod fs;
mod hash;
mod output;
pub mod paths;
mod run;

pub use context::{read_dockerfile_from, BuildContext};

use crate::build::dockerfile::{self, Command, Dockerfile, Instruction, MetaArgs, PROXY_ARGS};
use crate::digest::Digest;
use crate::error::{Error, Result};
use crate::store::{Image, Reference, Store};
use crate::stream::Sink;
use crate::types::ImageBuildOptions;
use cache::Cache;
use context::Context;
use dispatch::StageState;
use output::Output;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

/// Build an image; returns its id. Progress is Docker's build stream (`{"stream": "Step 1/2 :
/// FROM busybox\n"}`, …, `{"aux": {"ID": …}}`); an error is returned, not streamed (front ends
/// render it; with `q`, the held-back output is streamed first).
pub fn build(
    store: &Store,
    context: BuildContext<'_>,
    opts: &ImageBuildOptions,
    sink: &mut dyn Sink,
) -> Result<Digest> {
    check_options(opts)?;
    let tags = opts
        .tags
        .iter()
        .map(|t| {
            let r = Reference::parse_tagged(t)?;
            if r.digest().is_some() {
                return Err(Error::invalid(format!("invalid reference format: {t} (a tag cannot be a digest)")));
            }
            Ok(r)
        })
        .collect::<Result<Vec<_>>>()?;
    let mut out = Output::new(sink, opts.quiet);
    let result = (|| {
        let ctx = Context::open(store, context, &opts.dockerfile)?;
        let df = dockerfile::parse(&ctx.dockerfile, &ctx.dockerfile_name)?;
        let image = Builder::new(store, opts, &mut out, ctx, df)?.run()?;
        out.image_id(image.id.as_str())?;
        out.line(format_args!("Successfully built {}", image.id.short()))?;
        if !tags.is_empty() {
            let lock = store.lock()?;
            for r in &tags {
                crate::image::remove::set_tag(store, &lock, r, &image.id)?;
            }
            drop(lock);
            for r in &tags {
                out.line(format_args!("Successfully tagged {}", r.familiar()))?;
            }
        }
        out.quiet_result(image.id.as_str())?;
        Ok(image.id)
    })();
    if result.is_err() {
        out.failed();
    }
    result
}

/// Refuse what this engine cannot do, before any work.
fn check_options(opts: &ImageBuildOptions) -> Result<()> {
    if !opts.remote.is_empty() {
        return Err(Error::unsupported(format!(
            "remote build contexts are not supported ({}): give a directory or a tar",
            opts.remote
        )));
    }
    if opts.pull {
        return Err(Error::unsupported("--pull is not supported: this engine has no registry client"));
    }
    if opts.squash {
        return Err(Error::unsupported("--squash is not supported"));
    }
    if !matches!(opts.version.as_str(), "" | "1") {
        return Err(Error::unsupported(format!(
            "builder version {:?} is not supported: this is the classic builder (version 1), not BuildKit",
            opts.version
        )));
    }
    if !opts.cache_from.is_empty() {
        return Err(Error::unsupported("--cache-from is not supported: only images built here serve as cache"));
    }
    crate::image::platform(Some(&opts.platform))?;
    run::network_mode(&opts.network_mode)?;
    Ok(())
}

/// What became of a stage (a few per build: their size does not matter).
#[derive(Clone)]
#[allow(clippy::large_enum_variant)]
enum Slot {
    NotBuilt,
    /// Its image (`None`: `FROM scratch` and nothing else).
    Built(Option<Image>),
}

pub(super) struct Builder<'a, 'p> {
    store: &'a Store,
    opts: &'a ImageBuildOptions,
    out: &'a mut Output<'p>,
    ctx: Context,
    df: Rc<Dockerfile>,
    meta: MetaArgs,
    /// The build args given with a value.
    args: BTreeMap<String, String>,
    /// Build args some `ARG` declared (the others are reported unused at the end).
    consumed: BTreeSet<String>,
    cache: Cache<'a>,
    stages: Vec<Slot>,
    /// The stage whose image is the result.
    target: usize,
    step: usize,
    total: usize,
}

impl<'a, 'p> Builder<'a, 'p> {
    fn new(
        store: &'a Store,
        opts: &'a ImageBuildOptions,
        out: &'a mut Output<'p>,
        ctx: Context,
        df: Dockerfile,
    ) -> Result<Builder<'a, 'p>> {
        let args: BTreeMap<String, String> =
            opts.build_args.iter().filter_map(|(k, v)| v.clone().map(|v| (k.clone(), v))).collect();
        let meta = MetaArgs::resolve(&df, &args)?;
        let n = df.stages().len();
        Ok(Builder {
            store,
            opts,
            out,
            ctx,
            df: Rc::new(df),
            meta,
            args,
            consumed: BTreeSet::new(),
            cache: Cache::new(store, !opts.no_cache),
            stages: vec![Slot::NotBuilt; n],
            target: n - 1,
            step: 0,
            total: 0,
        })
    }

    fn run(mut self) -> Result<Image> {
        let df = self.df.clone();
        let stages = df.stages();
        let mut seen = BTreeSet::new();
        for s in &stages {
            if let Some(name) = s.name {
                if !seen.insert(name) {
                    return Err(Error::invalid(format!("{name} stage name already used")));
                }
            }
        }
        let target = if self.opts.target.is_empty() {
            stages.len() - 1
        } else {
            df.find_stage(&self.opts.target)
                .ok_or_else(|| Error::invalid(format!("target stage {:?} could not be found", self.opts.target)))?
        };
        self.target = target;
        let needed = self.needed_stages(target)?;
        self.total = df.meta_args().len()
            + stages.iter().filter(|s| needed[s.index]).map(|s| 1 + s.instructions.len()).sum::<usize>()
            + self.opts.labels.len();
        for instr in df.meta_args() {
            self.print_step(&instr.original)?;
        }
        self.consumed.extend(self.meta.names().map(str::to_string));
        for (i, need) in needed.iter().enumerate() {
            if *need {
                self.stage_image(i)?;
            }
        }
        let Slot::Built(Some(image)) = self.stages[target].clone() else {
            return Err(Error::invalid("No image was generated. Is your Dockerfile empty?"));
        };
        let unused: Vec<&str> = self
            .args
            .keys()
            .filter(|k| !self.consumed.contains(*k) && !PROXY_ARGS.contains(&k.as_str()))
            .map(String::as_str)
            .collect();
        if !unused.is_empty() {
            self.out.line(format_args!("[Warning] One or more build-args [{}] were not consumed", unused.join(" ")))?;
        }
        Ok(image)
    }

    /// The stages the target needs: itself, and transitively the earlier stages named by a
    /// `FROM` or a `COPY --from`.
    fn needed_stages(&self, target: usize) -> Result<Vec<bool>> {
        let stages = self.df.stages();
        let mut need = vec![false; stages.len()];
        need[target] = true;
        for i in (0..=target).rev() {
            if !need[i] {
                continue;
            }
            let s = &stages[i];
            let base = self.meta.expand_from(s.from, self.df.escape)?;
            if let Some(j) = self.stage_by_name(&base, i) {
                need[j] = true;
            }
            for instr in s.instructions {
                if let Command::Copy(c) = &instr.command {
                    if let Some(j) = c.from.as_deref().map(|f| self.stage_ref(f, i)).transpose()?.flatten() {
                        need[j] = true;
                    }
                }
            }
        }
        Ok(need)
    }

    /// An earlier stage called `name` (stage names are case-insensitive).
    fn stage_by_name(&self, name: &str, before: usize) -> Option<usize> {
        self.df.stages().iter().take(before).position(|s| s.name.is_some_and(|n| n.eq_ignore_ascii_case(name)))
    }

    /// `COPY --from=x` in stage `current`: an earlier stage by name or index, else `None` (an
    /// image).
    fn stage_ref(&self, x: &str, current: usize) -> Result<Option<usize>> {
        if let Some(j) = self.stage_by_name(x, current) {
            return Ok(Some(j));
        }
        match x.parse::<usize>() {
            Ok(j) if j < current => Ok(Some(j)),
            Ok(j) => Err(Error::invalid(format!("invalid stage index {j}: only earlier stages can be copied from"))),
            Err(_) => Ok(None),
        }
    }

    /// The image of stage `i`, building it first if it was not built yet.
    fn stage_image(&mut self, i: usize) -> Result<Option<Image>> {
        if let Slot::Built(img) = &self.stages[i] {
            return Ok(img.clone());
        }
        let img = self.build_stage(i)?;
        self.stages[i] = Slot::Built(img.clone());
        Ok(img)
    }

    fn build_stage(&mut self, i: usize) -> Result<Option<Image>> {
        let df = self.df.clone();
        let stages = df.stages();
        let stage = stages[i];
        self.print_step(&stage.from_instruction().original)?;
        let name = self.meta.expand_from(stage.from, df.escape)?;
        if let Some(p) = self.meta.expand_platform(stage.from, df.escape)? {
            crate::image::platform(Some(&p))?;
        }
        let base = if let Some(j) = self.stage_by_name(&name, i) {
            self.stage_image(j)?
        } else if name.eq_ignore_ascii_case("scratch") {
            None
        } else {
            Some(crate::image::resolve::resolve(self.store, &name)?)
        };
        let mut st = StageState::new(i, base);
        if let Some(triggers) = st.config.on_build.take().filter(|t| !t.is_empty()) {
            let n = triggers.len();
            self.out.line(format_args!("# Executing {n} build trigger{}", if n == 1 { "" } else { "s" }))?;
            for expression in &triggers {
                for instr in dockerfile::parse_trigger(expression)? {
                    self.dispatch(&mut st, &instr, dockerfile::DEFAULT_ESCAPE, true)
                        .map_err(|e| self.step_failed(e, &instr))?;
                }
            }
        }
        self.print_image(&st)?;
        for instr in stage.instructions {
            self.print_step(&instr.original)?;
            self.dispatch(&mut st, instr, df.escape, true).map_err(|e| self.step_failed(e, instr))?;
            self.print_image(&st)?;
        }
        if i == self.target {
            for (k, v) in &self.opts.labels {
                let instr = label_instruction(k, v);
                self.print_step(&instr.original)?;
                self.dispatch(&mut st, &instr, df.escape, false).map_err(|e| self.step_failed(e, &instr))?;
                self.print_image(&st)?;
            }
        }
        Ok(st.image)
    }

    fn print_step(&mut self, text: &str) -> Result<()> {
        self.step += 1;
        self.out.line(format_args!("Step {}/{} : {text}", self.step, self.total))
    }

    fn print_image(&mut self, st: &StageState) -> Result<()> {
        self.out.line(format_args!(" ---> {}", st.image.as_ref().map_or("", |i| i.id.short())))
    }

    /// A step's failure names the step in its details (front ends need not parse `Step N/M`).
    fn step_failed(&self, e: Error, instr: &Instruction) -> Error {
        let step =
            crate::error::BuildStep { number: self.step, total: self.total, instruction: instr.original.clone() };
        e.with_details(crate::error::ErrorDetails { build_step: Some(step), ..Default::default() })
    }

    /// Intermediate containers go after their step: always unless `rm=false` (then only with
    /// `forcerm`).
    fn remove_containers(&self) -> bool {
        self.opts.remove || self.opts.force_remove
    }
}

/// `--label k=v` as the `LABEL` step Docker appends to the last stage (never substituted).
fn label_instruction(k: &str, v: &str) -> Instruction {
    Instruction {
        line: 0,
        end_line: 0,
        original: format!("LABEL {k}={v}"),
        heredocs: Vec::new(),
        command: Command::Label(vec![dockerfile::KeyValue { key: k.to_string(), value: v.to_string() }]),
    }
}
