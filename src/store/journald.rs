//! The system journal kept on the data partition (the image's
//! `/data/log/journal`): a factory reset erases it with the rest of the
//! room's data, so a terminal handed on carries no trace of its last owner.

use std::path::Path;

/// Where journald keeps a persistent journal.
const SYSTEM_JOURNAL: &str = "/var/log/journal";

/// Asks journald to start new files (best effort), then deletes the old
/// ones. Returns how many files went.
pub fn erase(dir: &Path) -> std::io::Result<usize> {
    // After a rotation everything written so far sits in archived files
    // and journald writes to fresh ones. Only the journal journald writes
    // is rotated (on the image /var/log/journal leads to /data/log/journal);
    // any other folder, or no journald, and every journal file goes.
    let written_by_journald = std::fs::canonicalize(SYSTEM_JOURNAL)
        .ok()
        .is_some_and(|system| std::fs::canonicalize(dir).ok() == Some(system));
    let rotated = written_by_journald
        && std::process::Command::new("journalctl")
            .arg("--rotate")
            .output()
            .is_ok_and(|out| out.status.success());
    erase_files(dir, rotated)
}

/// Deletes the journal files under `dir` (one folder per machine ID):
/// archived ones (`system@….journal`, `….journal~`) and, unless
/// `keep_active`, the active ones too. Other files stay.
pub fn erase_files(dir: &Path, keep_active: bool) -> std::io::Result<usize> {
    let mut erased = 0;
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(err) => return Err(err),
    };
    for entry in entries {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            erased += erase_files(&path, keep_active)?;
            continue;
        }
        let name = entry.file_name().to_string_lossy().into_owned();
        let archived =
            name.ends_with(".journal~") || (name.ends_with(".journal") && name.contains('@'));
        let active = name.ends_with(".journal") && !name.contains('@');
        if archived || (active && !keep_active) {
            std::fs::remove_file(&path)?;
            erased += 1;
        }
    }
    Ok(erased)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn journal_folder() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let machine = dir.path().join("0123456789abcdef0123456789abcdef");
        std::fs::create_dir(&machine).unwrap();
        for name in [
            "system.journal",
            "system@6f1e9a52-0000000000000001-0005f1e9a5200000.journal",
            "user-1000@6f1e9a52-0000000000000002-0005f1e9a5200000.journal",
            "system@0005f1e9a5200000-6f1e9a526d0b4b8a.journal~",
        ] {
            std::fs::write(machine.join(name), b"LPKSHHRH").unwrap();
        }
        std::fs::write(dir.path().join("README"), b"not a journal").unwrap();
        dir
    }

    fn left(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = walk(dir);
        names.sort();
        names
    }

    fn walk(dir: &Path) -> Vec<String> {
        std::fs::read_dir(dir)
            .unwrap()
            .flat_map(|e| {
                let e = e.unwrap();
                if e.file_type().unwrap().is_dir() {
                    walk(&e.path())
                } else {
                    vec![e.file_name().to_string_lossy().into_owned()]
                }
            })
            .collect()
    }

    #[test]
    fn after_a_rotation_only_the_fresh_files_stay() {
        let dir = journal_folder();
        assert_eq!(erase_files(dir.path(), true).unwrap(), 3);
        assert_eq!(left(dir.path()), ["README", "system.journal"]);
    }

    #[test]
    fn without_journald_every_journal_file_goes() {
        let dir = journal_folder();
        assert_eq!(erase_files(dir.path(), false).unwrap(), 4);
        assert_eq!(left(dir.path()), ["README"]);
        // A folder that does not exist is nothing to erase.
        assert_eq!(erase_files(&dir.path().join("none"), false).unwrap(), 0);
    }
}
