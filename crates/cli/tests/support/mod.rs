//! Test kit for the `paperboy` binary: a temp data folder and running commands in it.

#![allow(dead_code)] // each test file uses its own part of the kit

pub use paperboy_testkit::shared_data;

use std::path::Path;
use std::process::{Command, Output, Stdio};

/// A data folder of its own, and the binary pointed at it.
pub struct Paperboy {
    pub dir: tempfile::TempDir,
}

impl Paperboy {
    pub fn new() -> Paperboy {
        Paperboy {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn data_dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_paperboy"));
        cmd.arg("--quiet").arg("--data-dir").arg(self.dir.path()).args(args);
        cmd.env_remove("PAPERBOY_DATA_DIR")
            .env_remove("PAPERBOY_CONFIG")
            .stdin(Stdio::null());
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("run paperboy")
    }

    /// Runs a command that prints one JSON object; asserts its exit code.
    pub fn json(&self, args: &[&str], expected_code: i32) -> serde_json::Value {
        let out = self.run(args);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            out.status.code(),
            Some(expected_code),
            "paperboy {args:?}\nstdout: {stdout}\nstderr: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"))
    }
}

pub fn path_str(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}
