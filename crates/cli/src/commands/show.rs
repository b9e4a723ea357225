use std::process::ExitCode;

use paperboy_domain::{ArxivId, PaperDocument};

use super::{open_store, print_json};
use crate::config::Config;

#[derive(clap::Args)]
pub struct Args {
    /// An arXiv id or URL (`2404.01234`, `arXiv:2404.01234v2`, `https://arxiv.org/abs/…`).
    id: String,
    #[arg(long)]
    json: bool,
}

pub fn run(config: &Config, args: Args) -> anyhow::Result<ExitCode> {
    let id = ArxivId::parse(&args.id)?;
    let store = open_store(config)?;
    let Some(doc) = store.paper(&id)? else {
        eprintln!("error: no paper {id} in {}", config.data_dir.display());
        return Ok(ExitCode::from(1));
    };
    if args.json {
        print_json(&doc)?;
    } else {
        print!("{}", render(&doc));
    }
    Ok(ExitCode::SUCCESS)
}

fn render(doc: &PaperDocument) -> String {
    let p = &doc.paper;
    let mut out = String::new();
    let version = p.version.map(|v| format!("v{v}")).unwrap_or_default();
    out.push_str(&format!("{}{version}  {}\n", p.id, p.title));
    out.push_str(&format!("authors:    {}\n", p.authors.join(", ")));
    if !p.categories.is_empty() {
        out.push_str(&format!("categories: {}\n", p.categories.join(" ")));
    }
    if let Some(day) = p.announced {
        out.push_str(&format!("announced:  {day}\n"));
    }
    if !doc.daily.is_empty() {
        let days: Vec<String> = doc.daily.iter().map(|d| d.to_string()).collect();
        out.push_str(&format!("daily:      {} ({} upvotes)\n", days.join(", "), doc.upvotes));
    }
    let links = p.links();
    out.push_str(&format!("links:      {} {}", links.abs, links.pdf));
    for extra in [links.doi, links.code, links.project].into_iter().flatten() {
        out.push_str(&format!(" {extra}"));
    }
    out.push_str("\n\n");
    out.push_str(&p.abstract_text);
    out.push('\n');
    out
}
