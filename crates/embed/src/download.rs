//! Fetching the model from huggingface.co into the Hugging Face cache layout, for
//! `EmbedOptions::allow_download`. Only what paperboy runs is fetched: the configuration, the
//! tokenizer and Hugging Face's own ONNX graph (about 90 MB).

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::locate::{check_model_dir, HF_GRAPH, HF_REPO};
use crate::EmbedError;

const FILES: [&str; 3] = ["config.json", "tokenizer.json", HF_GRAPH];

/// The URL of one file of the model's main revision.
pub fn file_url(file: &str) -> String {
    format!("https://huggingface.co/{HF_REPO}/resolve/main/{file}")
}

/// Downloads the files missing from `snapshot` (a `…/snapshots/main` folder) and returns it.
pub fn model(snapshot: &Path) -> Result<PathBuf, EmbedError> {
    for file in FILES {
        let target = snapshot.join(file);
        if !target.is_file() {
            fetch(&file_url(file), &target)?;
        }
    }
    let refs = snapshot.parent().and_then(Path::parent).map(|model| model.join("refs"));
    if let Some(refs) = refs {
        std::fs::create_dir_all(&refs).map_err(|source| EmbedError::Io {
            path: refs.clone(),
            source,
        })?;
        let main = refs.join("main");
        std::fs::write(&main, "main").map_err(|source| EmbedError::Io { path: main, source })?;
    }
    check_model_dir(snapshot)?;
    Ok(snapshot.to_path_buf())
}

/// Streams `url` into `target` through a temporary file, so an interrupted download leaves
/// nothing that looks complete.
fn fetch(url: &str, target: &Path) -> Result<(), EmbedError> {
    tracing::info!(url, target = %target.display(), "downloading the embedding model");
    let download_error = |message: String| EmbedError::Download {
        url: url.to_string(),
        message,
    };
    let io_error = |source| EmbedError::Io {
        path: target.to_path_buf(),
        source,
    };
    if let Some(dir) = target.parent() {
        std::fs::create_dir_all(dir).map_err(io_error)?;
    }
    let response = ureq::get(url)
        .call()
        .map_err(|error| download_error(error.to_string()))?;
    let partial = target.with_extension("partial");
    let mut file = std::fs::File::create(&partial).map_err(io_error)?;
    std::io::copy(&mut response.into_body().into_reader(), &mut file)
        .map_err(|error| download_error(error.to_string()))?;
    file.flush().map_err(io_error)?;
    std::fs::rename(&partial, target).map_err(io_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_point_at_the_main_revision_of_the_repository() {
        assert_eq!(
            file_url("onnx/model.onnx"),
            "https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2/resolve/main/onnx/model.onnx"
        );
    }

    #[test]
    fn a_complete_snapshot_is_not_downloaded_again() {
        let hub = tempfile::tempdir().unwrap();
        let snapshot = crate::locate::hub_snapshot_dir(hub.path(), "main");
        std::fs::create_dir_all(snapshot.join("onnx")).unwrap();
        for file in FILES {
            std::fs::write(snapshot.join(file), "{}").unwrap();
        }
        assert_eq!(model(&snapshot).unwrap(), snapshot);
        let refs_main = crate::locate::hub_model_dir(hub.path()).join("refs/main");
        assert_eq!(std::fs::read_to_string(refs_main).unwrap(), "main");
    }
}
