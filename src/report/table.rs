//! The terminal table: findings first, grouped by category, readable at 80
//! columns; colour only on a TTY.

use super::Style;
use crate::result::{AuditReport, CheckResult, Status};
use comfy_table::{Attribute, Cell, Color, ContentArrangement, Table, presets};

fn status_cell(s: Status, style: Style) -> Cell {
    let cell = Cell::new(s.as_str().to_uppercase());
    if !style.color {
        return cell;
    }
    match s {
        Status::Pass => cell.fg(Color::Green),
        Status::Warn => cell.fg(Color::Yellow),
        Status::Fail => cell.fg(Color::Red).add_attribute(Attribute::Bold),
        Status::Error => cell.fg(Color::Magenta).add_attribute(Attribute::Bold),
        Status::Skip | Status::Waived => cell.fg(Color::DarkGrey),
    }
}

fn order(s: Status) -> u8 {
    match s {
        Status::Fail => 0,
        Status::Error => 1,
        Status::Warn => 2,
        Status::Skip => 3,
        Status::Waived => 4,
        Status::Pass => 5,
    }
}

pub fn render(report: &AuditReport, style: Style) -> String {
    // Passes are summarised below the table; everything else is a row.
    let mut rows: Vec<&CheckResult> = report
        .results
        .iter()
        .filter(|r| r.status != Status::Pass)
        .collect();
    // Stable: findings first, then skips, each in pack order.
    rows.sort_by_key(|r| order(r.status));
    let mut t = Table::new();
    t.load_style(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(style.width.unwrap_or(100).max(60))
        .set_header(vec!["Status", "Rule", "Subject", "Finding"]);
    let fleet = report.results.iter().any(|r| r.host.is_some());
    if !style.color {
        t.force_no_tty();
    }
    let has_rows = !rows.is_empty();
    for r in rows {
        let finding = match &r.reason {
            Some(reason) if r.status != Status::Pass => format!("[{reason}] {}", r.message),
            _ => r.message.clone(),
        };
        t.add_row(vec![
            status_cell(r.status, style),
            Cell::new(format!("{}\n{}", r.rule, r.severity)),
            Cell::new(match (&r.host, fleet) {
                (Some(h), true) => format!("{}\n@ {h}", r.subject),
                _ => r.subject.clone(),
            }),
            Cell::new(finding),
        ]);
    }
    let s = &report.summary;
    // Rules that passed on every subject they ran on.
    let mut passed: Vec<&str> = Vec::new();
    for r in &report.results {
        let all_pass = report
            .results
            .iter()
            .filter(|x| x.rule == r.rule)
            .all(|x| x.status == Status::Pass);
        if all_pass && !passed.contains(&r.rule.as_str()) {
            passed.push(&r.rule);
        }
    }
    let table = if !has_rows {
        "no findings\n".to_owned()
    } else {
        format!("{t}\n")
    };
    let passed_line = if passed.is_empty() {
        String::new()
    } else {
        format!("passed: {}\n", passed.join(" "))
    };
    let mut notes = String::new();
    for n in &report.waiver_notes {
        notes.push_str(&format!("waiver {} {}: {}\n", n.problem, n.rule, n.message));
    }
    let mut changes = String::new();
    let changed = crate::drift::changes(report);
    if report.results.iter().any(|r| r.drift.is_some()) {
        changes.push_str(&format!("changes since the baseline: {}\n", changed.len()));
        for r in &changed {
            let d = r.drift.map_or("", |d| d.as_str());
            let line = format!(
                "  {d:<8} {:<7} {} {} {}",
                r.status.as_str().to_uppercase(),
                r.rule,
                r.subject,
                r.reason.as_deref().unwrap_or("")
            );
            changes.push_str(line.trim_end());
            changes.push('\n');
        }
    }
    if !report.complete {
        changes.insert_str(
            0,
            "INCOMPLETE: the run was interrupted; network results are missing\n",
        );
    }
    format!(
        "{}: {}\n{changes}{table}{passed_line}{notes}{} checks: {} pass, {} warn, {} fail, {} error, {} skip, {} waived\n",
        report.tool.name,
        report.deployment,
        s.total,
        s.pass,
        s.warn,
        s.fail,
        s.error,
        s.skip,
        s.waived
    )
}
