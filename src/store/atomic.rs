//! Files that survive power cuts: written to a temporary file in the same
//! folder, flushed to disk, then renamed over the old one (and the folder
//! flushed), so a reader sees either the old or the new content, never half.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

pub fn write_atomic(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir)?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut options = fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&tmp)?;
        file.write_all(contents)?;
        file.sync_all()?;
        fs::rename(&tmp, path)?;
        // The rename itself is durable only once the folder is flushed.
        fs::File::open(dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// What loading a state file found.
#[derive(Debug)]
pub enum Loaded<T> {
    Found(T),
    Missing,
    /// Unreadable or invalid: moved aside to the given path, never deleted.
    Corrupt {
        moved_to: PathBuf,
        reason: String,
    },
}

/// Reads a JSON state file. A corrupt one is moved aside (kept for
/// diagnosis) so the caller can fall back to defaults without losing it.
pub fn load_json<T: serde::de::DeserializeOwned>(path: &Path) -> Loaded<T> {
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Loaded::Missing,
        Err(err) => return set_aside(path, err.to_string()),
    };
    match serde_json::from_slice(&bytes) {
        Ok(value) => Loaded::Found(value),
        Err(err) => set_aside(path, err.to_string()),
    }
}

fn set_aside<T>(path: &Path, reason: String) -> Loaded<T> {
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let moved_to = path.with_extension(format!("corrupt-{stamp}"));
    match fs::rename(path, &moved_to) {
        Ok(()) => Loaded::Corrupt { moved_to, reason },
        Err(err) => Loaded::Corrupt {
            moved_to: path.to_path_buf(),
            reason: format!("{reason} (and it could not be moved aside: {err})"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_replace_and_corruption_is_set_aside() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        assert!(matches!(load_json::<Vec<u32>>(&path), Loaded::Missing));
        write_atomic(&path, b"[1,2]").unwrap();
        write_atomic(&path, b"[3]").unwrap();
        assert!(matches!(load_json::<Vec<u32>>(&path), Loaded::Found(v) if v == [3]));
        // No temporary files are left behind.
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);

        fs::write(&path, b"[3, oops").unwrap();
        let Loaded::Corrupt { moved_to, .. } = load_json::<Vec<u32>>(&path) else {
            panic!("corruption not detected");
        };
        assert_eq!(fs::read(&moved_to).unwrap(), b"[3, oops");
        assert!(matches!(load_json::<Vec<u32>>(&path), Loaded::Missing));
    }
}
