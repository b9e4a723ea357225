//! A file written under a temporary name beside where it goes, and put there in one step once
//! it is complete and on disk: a backup or a restored database that was cut short (a full disk,
//! Ctrl-C, a crash) never looks complete. Removed when dropped unfinished.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};

pub struct PartialFile {
    /// The temporary name, beside `target`.
    path: PathBuf,
    target: PathBuf,
    finished: bool,
}

impl PartialFile {
    /// Creates an empty file, readable by its owner only, beside `target`.
    pub fn beside(target: &Path) -> anyhow::Result<PartialFile> {
        let name = target
            .file_name()
            .with_context(|| format!("{} names no file", target.display()))?;
        let mut temporary = std::ffi::OsString::from(".");
        temporary.push(name);
        temporary.push(format!(".partial-{}", std::process::id()));
        let path = target.with_file_name(temporary);
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        options
            .open(&path)
            .with_context(|| format!("cannot create {}", path.display()))?;
        Ok(PartialFile {
            path,
            target: target.to_path_buf(),
            finished: false,
        })
    }

    /// Where the file is written until it is finished.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Puts the file in place, refusing to replace a file there (a link cannot replace one, so
    /// a file that appeared meanwhile is kept too).
    pub fn finish_new(mut self) -> anyhow::Result<PathBuf> {
        sync_file(&self.path)?;
        match std::fs::hard_link(&self.path, &self.target) {
            Ok(()) => std::fs::remove_file(&self.path)?,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                bail!(
                    "{} already exists; a backup never replaces a file",
                    self.target.display()
                )
            }
            // A file system without hard links: rename, after checking once more.
            Err(_) if !self.target.exists() => std::fs::rename(&self.path, &self.target)?,
            Err(e) => return Err(e).with_context(|| format!("cannot write {}", self.target.display())),
        }
        self.finished = true;
        sync_folder(&self.target)?;
        Ok(self.target.clone())
    }

    /// Puts the file in place, replacing what is there in one step.
    pub fn finish_replacing(mut self) -> anyhow::Result<PathBuf> {
        sync_file(&self.path)?;
        std::fs::rename(&self.path, &self.target)
            .with_context(|| format!("cannot move {} to {}", self.path.display(), self.target.display()))?;
        self.finished = true;
        sync_folder(&self.target)?;
        Ok(self.target.clone())
    }
}

impl Drop for PartialFile {
    fn drop(&mut self) {
        if !self.finished {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

fn sync_file(path: &Path) -> anyhow::Result<()> {
    File::open(path)
        .and_then(|file| file.sync_all())
        .with_context(|| format!("cannot write {} to disk", path.display()))
}

/// Makes a rename or link in `path`'s folder durable.
pub fn sync_folder(path: &Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        let folder = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        File::open(folder)
            .and_then(|dir| dir.sync_all())
            .with_context(|| format!("cannot write {} to disk", folder.display()))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unfinished_file_leaves_nothing_and_a_finished_one_replaces_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("backup.sqlite");
        let partial = PartialFile::beside(&target).unwrap();
        std::fs::write(partial.path(), b"half").unwrap();
        drop(partial);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);

        let partial = PartialFile::beside(&target).unwrap();
        std::fs::write(partial.path(), b"whole").unwrap();
        assert_eq!(partial.finish_new().unwrap(), target);
        assert_eq!(std::fs::read(&target).unwrap(), b"whole");

        let partial = PartialFile::beside(&target).unwrap();
        std::fs::write(partial.path(), b"other").unwrap();
        let err = partial.finish_new().unwrap_err().to_string();
        assert!(err.contains("already exists"), "{err}");
        assert_eq!(std::fs::read(&target).unwrap(), b"whole");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "the partial file is gone"
        );

        let partial = PartialFile::beside(&target).unwrap();
        std::fs::write(partial.path(), b"new").unwrap();
        partial.finish_replacing().unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"new");
    }

    #[cfg(unix)]
    #[test]
    fn the_file_is_readable_by_its_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("backup.sqlite");
        let partial = PartialFile::beside(&target).unwrap();
        let target = partial.finish_new().unwrap();
        let mode = std::fs::metadata(target).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
