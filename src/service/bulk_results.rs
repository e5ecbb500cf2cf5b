//! What bulk imports did: every row's verdict or outcome, one import's
//! result (page and CSV download) and the list of recent imports. An
//! import is visible to the staff whose scope covers it: project-wide staff
//! see every import, tenant-scoped staff those made in their tenant.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::ServiceError;
use crate::domain::{access::Access, csv_export::CsvExport};
use crate::state::AppState;
use crate::store::bulk_imports::{self, Summary};

/// How many imports the bulk page lists.
const RECENT: i64 = 20;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Invite,
    Resend,
    SkippedActive,
    SkippedCooldown,
    Duplicate,
    Invalid,
    DomainNotAllowed,
    OverQuota,
    Failed,
}

impl Kind {
    /// Will this row be written on commit?
    pub fn writes(self) -> bool {
        matches!(self, Self::Invite | Self::Resend)
    }

    pub fn label(self, committed: bool) -> &'static str {
        match (self, committed) {
            (Self::Invite, false) => "will invite",
            (Self::Invite, true) => "invited",
            (Self::Resend, false) => "will resend (already invited)",
            (Self::Resend, true) => "resent",
            (Self::SkippedActive, _) => "skipped: already active",
            (Self::SkippedCooldown, _) => "skipped: invited moments ago",
            (Self::Duplicate, _) => "skipped: duplicate in this file",
            (Self::Invalid, _) => "invalid",
            (Self::DomainNotAllowed, _) => "domain not allowed for this tenant",
            (Self::OverQuota, _) => "skipped: over your daily quota",
            (Self::Failed, _) => "failed",
        }
    }
}

/// One row's verdict (preview) or outcome (after commit).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RowResult {
    pub line: usize,
    pub login_id: String,
    pub name: String,
    pub kind: Kind,
    pub detail: String,
}

/// Where a confirmed import stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportStatus {
    /// Rows are being written (a large import takes a few seconds).
    Committing,
    Committed,
    /// Stopped part way by an unexpected error; the rows listed were written.
    Failed,
}

impl ImportStatus {
    /// From the stored status; None for a preview nobody confirmed.
    pub fn parse(stored: &str) -> Option<Self> {
        match stored {
            "committing" => Some(Self::Committing),
            "committed" => Some(Self::Committed),
            "failed" => Some(Self::Failed),
            _ => None,
        }
    }

    /// How lists show it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Committing => "in progress",
            Self::Committed => "done",
            Self::Failed => "stopped",
        }
    }
}

/// One confirmed import, with every row's outcome.
pub struct ImportResult {
    pub id: Uuid,
    pub status: ImportStatus,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub committed_at: Option<DateTime<Utc>>,
    /// Empty while the import is being committed.
    pub rows: Vec<RowResult>,
}

/// A confirmed import, if `access` may see it.
pub async fn result(state: &AppState, access: &Access, id: Uuid) -> Result<ImportResult, ServiceError> {
    let import = {
        let mut c = state.db.acquire().await?;
        bulk_imports::find(&mut c.conn(), id).await?
    };
    let import = import.filter(|i| access.covers(i.tenant_id.as_slice())).ok_or(ServiceError::NotFound)?;
    let status = ImportStatus::parse(&import.status).ok_or(ServiceError::NotFound)?;
    let rows = import
        .result
        .map(|r| serde_json::from_value(r.0))
        .transpose()
        .map_err(anyhow::Error::from)?
        .unwrap_or_default();
    Ok(ImportResult {
        id,
        status,
        created_by: import.created_by_label,
        created_at: import.created_at,
        committed_at: import.committed_at,
        rows,
    })
}

/// The latest confirmed imports `access` may see, newest first.
pub async fn recent(state: &AppState, access: &Access) -> Result<Vec<Summary>, ServiceError> {
    let mut c = state.db.acquire().await?;
    Ok(bulk_imports::recent(&mut c.conn(), access.tenant_scope, RECENT).await?)
}

/// The result as CSV, for download.
pub fn result_csv(rows: &[RowResult]) -> anyhow::Result<Vec<u8>> {
    let mut csv = CsvExport::new(&["line", "login_id", "name", "outcome", "detail"])?;
    for r in rows {
        csv.row([r.line.to_string().as_str(), &r.login_id, &r.name, r.kind.label(true), &r.detail])?;
    }
    csv.finish()
}
