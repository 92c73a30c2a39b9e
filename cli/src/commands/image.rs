//! Image commands: import, images, inspect, history, tag, rmi, save, load.

use crate::format::{ago, ellipsis, human_size, short_id, table};
use crate::output::Console;
use crate::{CmdResult, Failure};
use clap::Args;
use engine::types::{ImageImportOptions, ImageListOptions, ImageRemoveOptions};
use engine::Engine;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

#[derive(Args)]
pub struct ImportArgs {
    /// Apply Dockerfile instruction to the created image
    #[arg(short = 'c', long = "change", value_name = "CHANGE")]
    change: Vec<String>,
    /// Set commit message for imported image
    #[arg(short = 'm', long = "message")]
    message: Option<String>,
    /// Set platform if server is multi-platform capable
    #[arg(long)]
    platform: Option<String>,
    /// file or - for STDIN
    #[arg(value_name = "file|-")]
    source: String,
    #[arg(value_name = "REPOSITORY[:TAG]")]
    reference: Option<String>,
}

pub fn import(engine: &Engine, a: ImportArgs) -> CmdResult {
    if a.source.contains("://") {
        return Err(Failure::new(1, format!("importing from a URL is not supported: {}", a.source)));
    }
    let opts =
        ImageImportOptions { reference: a.reference, changes: a.change, message: a.message, platform: a.platform };
    let mut console = Console::new();
    let id = if a.source == "-" {
        let stdin = std::io::stdin();
        if stdin.is_terminal() {
            return Err(Failure::new(1, "requested import from STDIN, but STDIN is a terminal"));
        }
        engine.image_import(&mut stdin.lock(), None, &opts, &mut console)?
    } else {
        engine.image_import_file(Path::new(&a.source), &opts, &mut console)?
    };
    console.bar.done();
    println!("{id}");
    Ok(())
}

#[derive(Args)]
pub struct ImagesArgs {
    /// Show all images (default hides intermediate images)
    #[arg(short = 'a', long = "all")]
    all: bool,
    /// Only show image IDs
    #[arg(short = 'q', long = "quiet")]
    quiet: bool,
    /// Don't truncate output
    #[arg(long = "no-trunc")]
    no_trunc: bool,
    /// Show digests
    #[arg(long = "digests")]
    digests: bool,
    /// Filter output based on conditions provided (reference=, dangling=, label=, before=, since=)
    #[arg(short = 'f', long = "filter", value_name = "FILTER")]
    filter: Vec<String>,
    #[arg(value_name = "REPOSITORY[:TAG]")]
    reference: Option<String>,
}

pub fn images(engine: &Engine, a: ImagesArgs) -> CmdResult {
    let filters = engine::options::filters(&a.filter).map_err(|e| Failure::new(125, e.message()))?;
    let mut opts = ImageListOptions { all: a.all, digests: a.digests, filters, ..Default::default() };
    if let Some(r) = &a.reference {
        opts.filters.entry("reference".into()).or_default().push(r.clone());
    }
    let list = engine.image_list(&opts)?;
    let mut rows = Vec::new();
    let mut header = vec!["REPOSITORY".to_string(), "TAG".into()];
    if a.digests {
        header.push("DIGEST".into());
    }
    header.extend(["IMAGE ID".into(), "CREATED".into(), "SIZE".into()]);
    rows.push(header);
    for img in &list {
        let id = short_id(&img.id, a.no_trunc);
        if a.quiet {
            // One line per row, as docker prints them (an image with three tags: three lines).
            for _ in 0..img.repo_tags.len().max(1) {
                println!("{id}");
            }
            continue;
        }
        // One row per tag; an untagged image is one `<none>` row.
        let tags: Vec<(String, String)> = if img.repo_tags.is_empty() {
            vec![("<none>".into(), "<none>".into())]
        } else {
            img.repo_tags
                .iter()
                .map(|t| match t.rsplit_once(':').filter(|(_, tag)| !tag.contains('/')) {
                    Some((n, tag)) => (n.to_string(), tag.to_string()),
                    None => (t.clone(), "<none>".into()),
                })
                .collect()
        };
        for (repo, tag) in tags {
            let mut row = vec![repo, tag];
            if a.digests {
                row.push(
                    img.repo_digests
                        .first()
                        .and_then(|d| d.split_once('@'))
                        .map(|(_, d)| d.to_string())
                        .unwrap_or_else(|| "<none>".into()),
                );
            }
            row.extend([id.clone(), ago(img.created), human_size(img.size)]);
            rows.push(row);
        }
    }
    if !a.quiet {
        print!("{}", table(&rows));
    }
    Ok(())
}

#[derive(Args)]
pub struct InspectArgs {
    /// Only inspect objects of the given type (container, image, volume)
    #[arg(long = "type")]
    kind: Option<String>,
    /// Format output using a Go-style template: {{.Field.Sub}}, {{json .Field}}
    #[arg(short = 'f', long = "format")]
    format: Option<String>,
    #[arg(required = true, value_name = "NAME|ID")]
    names: Vec<String>,
}

/// `dock inspect X`: a container, else an image, else a volume (docker's order).
pub fn inspect(engine: &Engine, a: InspectArgs) -> CmdResult {
    let kind = a.kind.as_deref().unwrap_or("");
    if !matches!(kind, "" | "container" | "image" | "volume") {
        return Err(Failure::new(1, format!("\"{kind}\" is not a valid value for --type")));
    }
    let mut docs = Vec::new();
    let mut failed = false;
    for name in &a.names {
        let found = lookup(engine, kind, name);
        match found {
            Ok(Some(v)) => docs.push(v),
            Ok(None) => {
                eprintln!("Error: No such object: {name}");
                failed = true;
            }
            Err(e) => {
                eprintln!("Error: {e}");
                failed = true;
            }
        }
    }
    match &a.format {
        Some(t) => {
            for d in &docs {
                println!("{}", crate::template::render(t, d).map_err(|e| Failure::new(1, e))?);
            }
        }
        None => print_json_indent(&serde_json::Value::Array(docs)),
    }
    if failed {
        Err(Failure::silent(1))
    } else {
        Ok(())
    }
}

fn lookup(engine: &Engine, kind: &str, name: &str) -> engine::Result<Option<serde_json::Value>> {
    // Looking through every kind, a name that is not even valid for one kind (a 300-character
    // name is no image reference) is not an object of that kind; docker's CLI skips it alike.
    let not_found = |r: engine::Result<serde_json::Value>| match r {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.kind() == engine::ErrorKind::NotFound => Ok(None),
        Err(e) if kind.is_empty() && e.kind() == engine::ErrorKind::InvalidArgument => Ok(None),
        Err(e) => Err(e),
    };
    fn json<T: serde::Serialize>(d: T) -> serde_json::Value {
        serde_json::to_value(d).expect("documents serialise")
    }
    if kind.is_empty() || kind == "container" {
        if let Some(v) = not_found(engine.container_inspect(name).map(json))? {
            return Ok(Some(v));
        }
    }
    if kind.is_empty() || kind == "image" {
        if let Some(v) = not_found(engine.image_inspect(name).map(json))? {
            return Ok(Some(v));
        }
    }
    if kind.is_empty() || kind == "volume" {
        if let Some(v) = not_found(engine.volume_inspect(name).map(json))? {
            return Ok(Some(v));
        }
    }
    Ok(None)
}

/// `json.MarshalIndent(v, "", "    ")` like docker inspect.
pub fn print_json_indent(v: &serde_json::Value) {
    let mut buf = Vec::new();
    let fmt = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, fmt);
    serde::Serialize::serialize(v, &mut ser).expect("json");
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(&buf);
    let _ = out.write_all(b"\n");
}

#[derive(Args)]
pub struct HistoryArgs {
    /// Don't truncate output
    #[arg(long = "no-trunc")]
    no_trunc: bool,
    /// Only show image IDs
    #[arg(short = 'q', long = "quiet")]
    quiet: bool,
    /// Print sizes and dates in human readable format
    #[arg(short = 'H', long = "human", default_value_t = true, action = clap::ArgAction::Set)]
    human: bool,
    image: String,
}

pub fn history(engine: &Engine, a: HistoryArgs) -> CmdResult {
    let rows = engine.image_history(&a.image)?;
    if a.quiet {
        for r in &rows {
            println!("{}", if r.id == "<missing>" { r.id.clone() } else { short_id(&r.id, a.no_trunc) });
        }
        return Ok(());
    }
    let mut t = vec![vec!["IMAGE".to_string(), "CREATED".into(), "CREATED BY".into(), "SIZE".into(), "COMMENT".into()]];
    for r in &rows {
        let id = if r.id == "<missing>" { r.id.clone() } else { short_id(&r.id, a.no_trunc) };
        let created_by = r.created_by.replace('\t', " ");
        t.push(vec![
            id,
            if a.human { ago(r.created) } else { r.created.to_string() },
            if a.no_trunc { created_by } else { ellipsis(&created_by, 45) },
            if a.human { human_size(r.size) } else { r.size.to_string() },
            r.comment.clone(),
        ]);
    }
    print!("{}", table(&t));
    Ok(())
}

#[derive(Args)]
pub struct TagArgs {
    #[arg(value_name = "SOURCE_IMAGE[:TAG]")]
    source: String,
    #[arg(value_name = "TARGET_IMAGE[:TAG]")]
    target: String,
}

pub fn tag(engine: &Engine, a: TagArgs) -> CmdResult {
    engine.image_tag(&a.source, &a.target)?;
    Ok(())
}

#[derive(Args)]
pub struct RmiArgs {
    /// Force removal of the image
    #[arg(short = 'f', long = "force")]
    force: bool,
    /// Do not delete untagged parents
    #[arg(long = "no-prune")]
    no_prune: bool,
    #[arg(required = true, value_name = "IMAGE")]
    images: Vec<String>,
}

pub fn rmi(engine: &Engine, a: RmiArgs) -> CmdResult {
    let opts = ImageRemoveOptions { force: a.force, no_prune: a.no_prune };
    super::for_each(
        &a.images,
        |name| engine.image_remove(name, &opts),
        |_, items| {
            for i in items {
                if let Some(u) = i.untagged {
                    println!("Untagged: {u}");
                }
                if let Some(d) = i.deleted {
                    println!("Deleted: {d}");
                }
            }
        },
    )
}

#[derive(Args)]
pub struct SaveArgs {
    /// Write to a file, instead of STDOUT
    #[arg(short = 'o', long = "output")]
    output: Option<PathBuf>,
    #[arg(required = true, value_name = "IMAGE")]
    images: Vec<String>,
}

pub fn save(engine: &Engine, a: SaveArgs) -> CmdResult {
    match &a.output {
        Some(path) => engine.image_save_file(&a.images, path, None)?,
        None => {
            let stdout = std::io::stdout();
            if stdout.is_terminal() {
                return Err(Failure::new(1, "cowardly refusing to save to a terminal. Use the -o flag or redirect"));
            }
            let mut out = std::io::BufWriter::with_capacity(1 << 20, stdout.lock());
            engine.image_save(&a.images, &mut out, None)?;
            out.flush().map_err(|e| Failure::new(1, format!("write to stdout: {e}")))?;
        }
    }
    Ok(())
}

#[derive(Args)]
pub struct LoadArgs {
    /// Read from tar archive file, instead of STDIN
    #[arg(short = 'i', long = "input")]
    input: Option<PathBuf>,
    /// Suppress the load output
    #[arg(short = 'q', long = "quiet")]
    quiet: bool,
}

pub fn load(engine: &Engine, a: LoadArgs) -> CmdResult {
    let mut console = Console { bar: crate::output::Bar::new(a.quiet) };
    let result = match &a.input {
        Some(p) => engine.image_load_file(p, &mut console)?,
        None => {
            let stdin = std::io::stdin();
            if stdin.is_terminal() {
                return Err(Failure::new(1, "requested load from stdin, but stdin is empty"));
            }
            engine.image_load(&mut stdin.lock(), &mut console)?
        }
    };
    console.bar.done();
    for t in &result.tags {
        println!("Loaded image: {t}");
    }
    for id in &result.untagged_ids {
        println!("Loaded image ID: {id}");
    }
    Ok(())
}
