//! Stage 4 of the pipeline: reporters, one format per module behind
//! [`format`], and the one place that writes reports (atomically).

mod html;
mod json;
mod junit;
mod markdown;
pub mod merge;
mod prometheus;
mod table;

use crate::result::AuditReport;
use std::io::Write;
use std::path::{Path, PathBuf};

/// A report format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Junit,
    Html,
    Markdown,
    Prometheus,
}

impl Format {
    pub const NAMES: &'static str = "table, json, junit, html, markdown, prometheus";

    fn parse(s: &str) -> Option<Format> {
        match s {
            "table" => Some(Format::Table),
            "json" => Some(Format::Json),
            "junit" => Some(Format::Junit),
            "html" => Some(Format::Html),
            "markdown" | "md" => Some(Format::Markdown),
            "prometheus" => Some(Format::Prometheus),
            _ => None,
        }
    }
}

/// Where a report goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Stdout,
    File(PathBuf),
}

/// `--report FORMAT[:PATH]` (`-` or no path = stdout).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportSpec {
    pub format: Format,
    pub target: Target,
}

impl std::str::FromStr for ReportSpec {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (name, path) = match s.split_once(':') {
            Some((n, p)) => (n, Some(p)),
            None => (s, None),
        };
        let format = Format::parse(name).ok_or_else(|| {
            format!(
                "unknown report format `{name}` (expected {})",
                Format::NAMES
            )
        })?;
        let target = match path {
            None | Some("-") => Target::Stdout,
            Some("") => return Err(format!("`{s}`: empty path (use `{name}:-` for stdout)")),
            Some(p) => Target::File(PathBuf::from(p)),
        };
        Ok(ReportSpec { format, target })
    }
}

/// Options that change how reports look.
#[derive(Debug, Clone, Copy, Default)]
pub struct Style {
    /// ANSI colour in the table (only when writing to a terminal).
    pub color: bool,
    /// Terminal width for the table.
    pub width: Option<u16>,
}

/// Renders a report in one format.
pub fn render(format: Format, report: &AuditReport, style: Style) -> String {
    match format {
        Format::Table => table::render(report, style),
        Format::Json => json::render(report),
        Format::Junit => junit::render(report),
        Format::Html => html::render(report),
        Format::Markdown => markdown::render(report),
        Format::Prometheus => prometheus::render(report),
    }
}

/// Writes `text` to `path` atomically: a temporary file in the same
/// directory, flushed and synced, then renamed over the target.
pub fn write_atomic(path: &Path, text: &str) -> std::io::Result<()> {
    // A device or pipe (`/dev/null`, `/dev/stdout`, a FIFO) is written into,
    // never replaced; a directory is refused. A symlink is replaced, not
    // followed (it may have been planted to redirect the report).
    if let Ok(meta) = std::fs::symlink_metadata(path) {
        let t = meta.file_type();
        if t.is_dir() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::IsADirectory,
                "is a directory",
            ));
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileTypeExt;
            if t.is_char_device() || t.is_block_device() || t.is_fifo() || t.is_socket() {
                let mut f = std::fs::OpenOptions::new().write(true).open(path)?;
                return f.write_all(text.as_bytes());
            }
        }
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".hybrid-preflight-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    tmp.write_all(text.as_bytes())?;
    // Reports are read by other users and tools (a textfile collector, a
    // web server): not the temporary file's private 0600.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))?;
    }
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_specs() {
        assert_eq!(
            "json:out/r.json".parse::<ReportSpec>().unwrap(),
            ReportSpec {
                format: Format::Json,
                target: Target::File("out/r.json".into())
            }
        );
        assert_eq!(
            "junit:-".parse::<ReportSpec>().unwrap().target,
            Target::Stdout
        );
        assert_eq!("table".parse::<ReportSpec>().unwrap().format, Format::Table);
        assert!(
            "xml:x"
                .parse::<ReportSpec>()
                .unwrap_err()
                .contains("unknown report format")
        );
        assert!("json:".parse::<ReportSpec>().is_err());
    }

    #[test]
    fn atomic_write_replaces_whole_file() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("r.json");
        write_atomic(&p, "first, longer content").unwrap();
        write_atomic(&p, "second").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "second");
        let leftovers = std::fs::read_dir(d.path()).unwrap().count();
        assert_eq!(leftovers, 1);
    }
}
