//! Writing the evidence folder as one unit.
//!
//! Every file is written into a fresh folder next to the target, synced, and
//! the folder is then swapped in: with `renameat2(RENAME_EXCHANGE)` on Linux
//! (one atomic step: a reader sees the old folder or the new one, never a
//! mix), else by renaming the old folder aside first. A crash before the swap
//! leaves the old folder untouched (plus a `.NAME.collect-*` leftover).
//!
//! The six evidence files always come from this run: one the run did not
//! write (the optional `divisions-home.json`) is gone afterwards, so the
//! folder never mixes two runs. Other regular files in the folder (notes, a
//! README) are carried over. A target holding sub-folders or other entries
//! is refused: it is not an evidence folder (e.g. `--out ~` by mistake).

use crate::evidence::CloudFile;
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Why the folder could not be written.
#[derive(Debug)]
pub struct WriteError {
    pub path: PathBuf,
    pub detail: String,
}

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.detail)
    }
}

impl std::error::Error for WriteError {}

fn err(path: &Path, detail: impl std::fmt::Display) -> WriteError {
    WriteError {
        path: path.to_path_buf(),
        detail: detail.to_string(),
    }
}

/// Writes `files` as the evidence folder `out`, replacing it as a whole.
pub fn write_folder(out: &Path, files: &[(CloudFile, Value)]) -> Result<(), WriteError> {
    let name = out
        .file_name()
        .ok_or_else(|| err(out, "--out must name a folder"))?
        .to_string_lossy()
        .into_owned();
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(|e| err(&parent, format!("cannot create: {e}")))?;
    let keep = carried_over(out)?;
    let tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}.collect-"))
        .tempdir_in(&parent)
        .map_err(|e| err(&parent, format!("cannot create a temporary folder: {e}")))?;
    for (f, v) in files {
        let text = serde_json::to_string_pretty(v).map_err(|e| err(out, e))? + "\n";
        write_file(&tmp.path().join(f.file_name()), text.as_bytes())?;
    }
    for k in &keep {
        let Some(fname) = k.file_name() else { continue };
        let bytes = std::fs::read(k).map_err(|e| err(k, format!("cannot carry over: {e}")))?;
        write_file(&tmp.path().join(fname), &bytes)?;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o755))
            .map_err(|e| err(tmp.path(), e))?;
    }
    sync_dir(tmp.path());
    let staged = tmp.keep();
    let swapped = if out.exists() {
        swap(&staged, out)
    } else {
        std::fs::rename(&staged, out).map_err(|e| err(out, format!("cannot move into place: {e}")))
    };
    if let Err(e) = swapped {
        let _ = std::fs::remove_dir_all(&staged);
        return Err(e);
    }
    // `staged` now holds the previous folder (or nothing).
    let _ = std::fs::remove_dir_all(&staged);
    sync_dir(&parent);
    Ok(())
}

/// The regular files of an existing `out` that are not evidence files.
fn carried_over(out: &Path) -> Result<Vec<PathBuf>, WriteError> {
    let meta = match std::fs::symlink_metadata(out) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(err(out, e)),
    };
    if !meta.is_dir() {
        return Err(err(out, "exists and is not a folder"));
    }
    let mut keep = Vec::new();
    let entries = std::fs::read_dir(out).map_err(|e| err(out, format!("cannot list: {e}")))?;
    for e in entries {
        let e = e.map_err(|e| err(out, e))?;
        let ft = e.file_type().map_err(|x| err(&e.path(), x))?;
        let fname = e.file_name();
        if CloudFile::ALL
            .iter()
            .any(|f| std::ffi::OsStr::new(f.file_name()) == fname)
        {
            continue;
        }
        if !ft.is_file() {
            return Err(err(
                out,
                format!(
                    "holds `{}`, which is not a plain file: not an evidence folder; choose a new or empty folder",
                    fname.to_string_lossy()
                ),
            ));
        }
        keep.push(e.path());
    }
    Ok(keep)
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    let mut f = std::fs::File::create(path).map_err(|e| err(path, e))?;
    f.write_all(bytes).map_err(|e| err(path, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        f.set_permissions(std::fs::Permissions::from_mode(0o644))
            .map_err(|e| err(path, e))?;
    }
    f.sync_all().map_err(|e| err(path, e))
}

/// Best effort: makes the renames durable.
fn sync_dir(dir: &Path) {
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Exchanges `staged` and `out`; afterwards `staged` holds the old folder.
#[cfg(target_os = "linux")]
fn swap(staged: &Path, out: &Path) -> Result<(), WriteError> {
    use std::os::unix::ffi::OsStrExt;
    let c = |p: &Path| std::ffi::CString::new(p.as_os_str().as_bytes()).map_err(|e| err(p, e));
    let (a, b) = (c(staged)?, c(out)?);
    // SAFETY: two valid NUL-terminated paths, relative to the working directory.
    let rc = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if rc == 0 {
        return Ok(());
    }
    // Filesystems without RENAME_EXCHANGE (some network and overlay mounts).
    swap_by_rename(staged, out)
}

#[cfg(not(target_os = "linux"))]
fn swap(staged: &Path, out: &Path) -> Result<(), WriteError> {
    swap_by_rename(staged, out)
}

/// Old folder aside, new folder in, old folder to `staged` for removal.
fn swap_by_rename(staged: &Path, out: &Path) -> Result<(), WriteError> {
    let aside = staged.with_extension("old");
    std::fs::rename(out, &aside).map_err(|e| err(out, format!("cannot move aside: {e}")))?;
    if let Err(e) = std::fs::rename(staged, out) {
        let _ = std::fs::rename(&aside, out);
        return Err(err(out, format!("cannot move into place: {e}")));
    }
    std::fs::rename(&aside, staged).map_err(|e| err(&aside, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn rewrite_replaces_evidence_and_keeps_notes() {
        let d = tempfile::tempdir().unwrap();
        let out = d.path().join("tenant-a");
        write_folder(
            &out,
            &[
                (CloudFile::OrganizationsMe, json!({"id": "1"})),
                (CloudFile::DivisionsHome, json!({"id": "h"})),
            ],
        )
        .unwrap();
        std::fs::write(out.join("NOTES.txt"), "mine").unwrap();
        write_folder(&out, &[(CloudFile::OrganizationsMe, json!({"id": "2"}))]).unwrap();
        assert_eq!(names(&out), ["NOTES.txt", "organizations-me.json"]);
        let v: Value = serde_json::from_str(
            &std::fs::read_to_string(out.join("organizations-me.json")).unwrap(),
        )
        .unwrap();
        assert_eq!(v["id"], "2");
        // No temporary or old folder is left next to it.
        assert_eq!(names(d.path()), ["tenant-a"]);
    }

    #[test]
    fn refuses_a_folder_that_is_not_evidence() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir(d.path().join("sub")).unwrap();
        let e = write_folder(d.path(), &[(CloudFile::OrganizationsMe, json!({}))]).unwrap_err();
        assert!(e.detail.contains("not an evidence folder"), "{e}");
        assert!(d.path().join("sub").is_dir());
        let f = d.path().join("file");
        std::fs::write(&f, "x").unwrap();
        let e = write_folder(&f, &[]).unwrap_err();
        assert!(e.detail.contains("not a folder"), "{e}");
    }
}
