//! The input formats paperboy reads, and detection of which one a source is.
//!
//! Every parser streams: it reads from a `BufRead` and yields records one at a time, so that
//! memory stays flat however large the input (Hugging Face daily lists, a few kB each, are
//! the exception and are read whole).

use std::io::BufRead;

use crate::record::{Parsed, SourceContext};

pub mod atom;
pub mod hf_daily;
pub mod jsonl;
pub mod oai;

/// An input format, as named by `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// arXiv OAI-PMH `ListRecords`/`GetRecord` (metadataPrefix `arXiv`, `arXivRaw`, `oai_dc`).
    ArxivOai,
    /// arXiv API Atom feed (`export.arxiv.org/api/query`).
    ArxivAtom,
    /// Hugging Face `/api/daily_papers` JSON.
    HfDaily,
    /// JSON lines: paperboy's export, the Kaggle arXiv snapshot, daily-arXiv listing archives.
    Jsonl,
}

/// Parses a source in `format`, yielding records and problems in source order.
pub fn parse(format: Format, input: Box<dyn BufRead + Send>, ctx: SourceContext) -> Box<dyn Iterator<Item = Parsed> + Send> {
    match format {
        Format::ArxivOai => Box::new(oai::OaiParser::new(input, ctx)),
        Format::ArxivAtom => Box::new(atom::AtomParser::new(input, ctx)),
        Format::HfDaily => Box::new(hf_daily::parse(input, ctx)),
        Format::Jsonl => Box::new(jsonl::JsonlParser::new(input, ctx)),
    }
}
