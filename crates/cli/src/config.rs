//! paperboy's configuration: one typed struct, resolved once at start-up from the TOML file
//! (`--config`), then the environment, then command-line flags — each overriding the last.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Deserialize;

/// The data folder used when nothing else names one.
pub const DEFAULT_DATA_DIR: &str = "./paperboy-data";

/// Settings read from the TOML file. Every key is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub data_dir: Option<PathBuf>,
    pub listen: Option<SocketAddr>,
    #[serde(default)]
    pub harvest: HarvestFileConfig,
    #[serde(default)]
    pub search: SearchFileConfig,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchFileConfig {
    /// A sentence-transformers model folder (model.safetensors, tokenizer.json, config.json).
    pub model_dir: Option<PathBuf>,
    /// `false` turns semantic search off (keyword search only, no model loaded).
    pub semantic: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HarvestFileConfig {
    pub endpoint: Option<String>,
    pub delay_seconds: Option<f64>,
}

/// The resolved configuration handed to commands.
#[derive(Debug, Clone)]
pub struct Config {
    pub data_dir: PathBuf,
    pub listen: Option<SocketAddr>,
    pub harvest_endpoint: Option<String>,
    pub harvest_delay_seconds: Option<f64>,
    /// The embedding model's folder, when named (else the model is looked for in the usual places).
    pub model_dir: Option<PathBuf>,
    /// Whether to load an embedding model at all.
    pub semantic: bool,
}

impl FileConfig {
    pub fn load(path: &Path) -> anyhow::Result<FileConfig> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("cannot read config file {}", path.display()))?;
        toml::from_str(&text).with_context(|| format!("config file {} is invalid", path.display()))
    }
}

impl Config {
    /// `data_dir_override` comes from `--data-dir` or `PAPERBOY_DATA_DIR` (clap resolves those
    /// two, flag first); the file fills what they leave open.
    pub fn resolve(file: FileConfig, data_dir_override: Option<PathBuf>) -> Config {
        Config {
            data_dir: data_dir_override
                .or(file.data_dir)
                .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR)),
            listen: file.listen,
            harvest_endpoint: file.harvest.endpoint,
            harvest_delay_seconds: file.harvest.delay_seconds,
            model_dir: file.search.model_dir,
            semantic: file.search.semantic.unwrap_or(true),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_or_env_beats_file_beats_default() {
        let file: FileConfig = toml::from_str("data_dir = \"/from/file\"").unwrap();
        assert_eq!(
            Config::resolve(file, Some("/flag".into())).data_dir,
            PathBuf::from("/flag")
        );
        let file: FileConfig = toml::from_str("data_dir = \"/from/file\"").unwrap();
        assert_eq!(Config::resolve(file, None).data_dir, PathBuf::from("/from/file"));
        assert_eq!(
            Config::resolve(FileConfig::default(), None).data_dir,
            PathBuf::from(DEFAULT_DATA_DIR)
        );
    }

    #[test]
    fn unknown_keys_are_refused() {
        assert!(toml::from_str::<FileConfig>("data_dri = \"x\"").is_err());
    }
}
