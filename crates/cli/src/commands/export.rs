use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::ValueEnum;
use paperboy_store::StoreError;

use super::open_store;
use crate::config::Config;

#[derive(clap::Args)]
pub struct Args {
    #[arg(long, value_enum, default_value_t = ExportFormat::Jsonl)]
    format: ExportFormat,
    /// Write to this file instead of stdout.
    #[arg(long, short)]
    output: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum ExportFormat {
    /// One paper document per line, as `show --json` prints it; `ingest` reads it back.
    Jsonl,
}

pub fn run(config: &Config, args: Args) -> anyhow::Result<ExitCode> {
    let ExportFormat::Jsonl = args.format;
    let store = open_store(config)?;
    let sink: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(File::create(path).with_context(|| format!("cannot create {}", path.display()))?),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut out = BufWriter::new(sink);
    let mut count = 0u64;
    store.for_each_paper(&mut |doc| {
        let write = serde_json::to_writer(&mut out, &doc)
            .map_err(std::io::Error::from)
            .and_then(|()| out.write_all(b"\n"));
        count += 1;
        write.map_err(|e| StoreError::Other(format!("writing the export failed: {e}")))
    })?;
    out.flush().context("writing the export failed")?;
    tracing::info!(papers = count, "export done");
    Ok(ExitCode::SUCCESS)
}
