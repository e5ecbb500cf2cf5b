//! Bulk invite: preview every row's verdict without writing anything,
//! then commit in chunks, recording every row's outcome.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde_json::json;
use uuid::Uuid;

pub use super::bulk_results::{Kind, RowResult};
use super::{
    ServiceError,
    bulk_rows::request_for,
    catalog::Catalog,
    codes,
    events::emit,
    invitations::{self, Invite, Verdict, quota_left},
};
use crate::domain::{
    access::Access,
    actor::Actor,
    bulk_input::{self, FileError, RawRow},
    event::Event,
    invitation::check_resend,
    login_id::LoginId,
};
use crate::state::AppState;
use crate::store::{Conn, bulk_imports, invitations as inv_store, settings, users};

/// Rows written per transaction when committing, so other writers are not
/// held up for the whole import.
const CHUNK: usize = 500;

/// How long a second confirm of the same import waits for the first.
const WAIT_FOR_COMMIT: Duration = Duration::from_secs(30);

pub use super::bulk_rows::BulkOptions;

pub struct Preview {
    pub import_id: Uuid,
    pub rows: Vec<RowResult>,
}

#[derive(Debug, thiserror::Error)]
pub enum BulkError {
    #[error(transparent)]
    File(#[from] FileError),
    #[error(transparent)]
    Service(#[from] ServiceError),
}

impl From<anyhow::Error> for BulkError {
    fn from(e: anyhow::Error) -> Self {
        Self::Service(ServiceError::Unexpected(e))
    }
}

fn parse(mode: &str, input: &str) -> Result<Vec<RawRow>, FileError> {
    if mode == "csv" { bulk_input::parse_csv(input.as_bytes()) } else { bulk_input::parse_list(input) }
}

enum Planned {
    Invite { request: Box<Invite>, existing_user: Option<Uuid> },
    Resend { invitation_id: Uuid },
}

/// Decides rows, carrying what later rows depend on: the file's login
/// IDs seen so far and how much quota is left.
struct Planner<'a> {
    catalog: &'a Catalog,
    access: &'a Access,
    options: &'a BulkOptions,
    /// How many new invitations may still be made (None: no quota).
    quota: Option<i64>,
    seen: HashSet<String>,
    now: DateTime<Utc>,
}

impl Planner<'_> {
    async fn plan(&mut self, c: &mut Conn<'_>, rows: &[RawRow]) -> anyhow::Result<Vec<(RowResult, Option<Planned>)>> {
        let (catalog, access, options, now) = (self.catalog, self.access, self.options, self.now);
        // One query for the whole chunk: which login IDs are taken already.
        let normalized: Vec<String> =
            rows.iter().filter_map(|r| LoginId::parse(r.login_id()).ok()).map(|l| l.to_string()).collect();
        let taken = users::existing_login_ids(c, &normalized).await?;
        let account = settings::get(c).await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let mut result = RowResult {
                line: row.line,
                login_id: row.login_id().to_string(),
                name: format!("{} {}", row.given_name, row.family_name).trim().to_string(),
                kind: Kind::Invalid,
                detail: String::new(),
            };
            let mut request = match request_for(row, options, catalog) {
                Ok(r) => r,
                Err((kind, detail)) => {
                    result.kind = kind;
                    result.detail = detail;
                    out.push((result, None));
                    continue;
                }
            };
            result.login_id = request.login_id.to_string();
            if !self.seen.insert(request.login_id.to_string()) {
                result.kind = Kind::Duplicate;
                out.push((result, None));
                continue;
            }
            let known_new = !taken.contains(request.login_id.as_str());
            let planned = match invitations::assess(c, catalog, access, &mut request, now, known_new).await {
                Ok(Verdict::Invite { existing_user }) => match self.quota {
                    Some(0) => {
                        result.kind = Kind::OverQuota;
                        None
                    }
                    _ => {
                        self.quota = self.quota.map(|q| q - 1);
                        result.kind = Kind::Invite;
                        Some(Planned::Invite { request: Box::new(request), existing_user })
                    }
                },
                Ok(Verdict::AlreadyInvited { invitation_id, .. }) => {
                    let inv = inv_store::find(c, invitation_id)
                        .await?
                        .ok_or_else(|| anyhow::anyhow!("invitation vanished"))?;
                    let user = users::find(c, inv.user_id).await?.ok_or_else(|| anyhow::anyhow!("user vanished"))?;
                    match check_resend(
                        inv.status_at(now),
                        user.status,
                        Some(inv.last_issued()),
                        account.resend_cooldown,
                        now,
                    ) {
                        Ok(_) => {
                            result.kind = Kind::Resend;
                            Some(Planned::Resend { invitation_id })
                        }
                        Err(refusal) => {
                            result.kind = Kind::SkippedCooldown;
                            result.detail = refusal.to_string();
                            None
                        }
                    }
                }
                Err(ServiceError::Invalid(errors)) => {
                    let e = &errors[0];
                    result.kind = match e.code {
                        codes::ALREADY_ACTIVE => Kind::SkippedActive,
                        codes::DOMAIN_NOT_ALLOWED => Kind::DomainNotAllowed,
                        _ => Kind::Invalid,
                    };
                    result.detail = e.message.clone();
                    None
                }
                Err(ServiceError::Unexpected(e)) => return Err(e),
                Err(other) => {
                    result.detail = other.to_string();
                    None
                }
            };
            out.push((result, planned));
        }
        Ok(out)
    }
}

/// Check every row and keep the input for [`commit`]. Nothing but the
/// import itself is written.
pub async fn preview(
    state: &AppState,
    actor: &Actor,
    access: &Access,
    mode: &str,
    input: &str,
    options: &BulkOptions,
) -> Result<Preview, BulkError> {
    let rows = parse(mode, input)?;
    let now = state.clock.now();
    let mut c = state.db.acquire().await?;
    let mut c = c.conn();
    let catalog = Catalog::load(&mut c).await?;
    let account = settings::get(&mut c).await?;
    let quota = quota_left(&mut c, &account, actor, now).await?;
    let mut planner = Planner { catalog: &catalog, access, options, quota, seen: HashSet::new(), now };
    let planned = planner.plan(&mut c, &rows).await?;
    let created_by = actor.user_id.ok_or_else(|| anyhow::anyhow!("bulk invite needs a signed-in person"))?;
    let new = bulk_imports::NewImport {
        created_by,
        created_by_label: &actor.label,
        tenant_id: access.tenant_scope,
        mode,
        input,
        options: &json!(options),
    };
    let import_id = bulk_imports::insert(&mut c, &new, now).await?;
    let mut results: Vec<RowResult> = planned.into_iter().map(|(r, _)| r).collect();
    explain_quota(&mut c, actor, &mut results, now).await?;
    Ok(Preview { import_id, rows: results })
}

/// Over-quota rows say when the next invitation is possible.
async fn explain_quota(
    c: &mut Conn<'_>,
    actor: &Actor,
    rows: &mut [RowResult],
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    if !rows.iter().any(|r| r.kind == Kind::OverQuota) {
        return Ok(());
    }
    let account = settings::get(c).await?;
    let note = super::quota::bulk_note(c, &account, actor, now).await?;
    for r in rows.iter_mut().filter(|r| r.kind == Kind::OverQuota) {
        r.detail = note.clone();
    }
    Ok(())
}

/// Commit a previewed import: every row is checked again (things may have
/// changed since the preview) and written. Only its creator may commit it.
/// Committing twice commits once: a second request (a double click) finds
/// the import taken and waits for the first, and both land on its result.
pub async fn commit(state: &AppState, actor: &Actor, access: &Access, import_id: Uuid) -> Result<(), BulkError> {
    let import = {
        let mut c = state.db.acquire().await?;
        bulk_imports::find(&mut c.conn(), import_id).await?
    };
    let Some(import) = import.filter(|i| Some(i.created_by) == actor.user_id) else {
        return Err(ServiceError::NotFound.into());
    };
    let claimed = import.status == "previewed" && {
        let mut c = state.db.acquire().await?;
        bulk_imports::claim(&mut c.conn(), import_id).await?
    };
    if !claimed {
        return wait_while_committing(state, import_id).await;
    }
    let mut results = Vec::new();
    let written = write_rows(state, actor, access, &import, &mut results).await;
    // The quota note is a courtesy: failing to write it never marks an
    // import whose rows were all written as stopped.
    let noted = async {
        let mut c = state.db.acquire().await?;
        explain_quota(&mut c.conn(), actor, &mut results, state.clock.now()).await
    };
    if let Err(e) = noted.await {
        tracing::warn!(error = ?e, "explaining over-quota rows of a bulk import");
    }
    // Rows already written stay written: record them even when the import
    // stopped part way, so its result page says what happened.
    let finished = finish(state, actor, access, import_id, &results, written.is_err()).await;
    if let (Err(_), Err(e)) = (&written, &finished) {
        tracing::error!(error = ?e, "recording a failed bulk import");
    }
    written.and(finished)
}

/// A second confirm (a double click) waits for the first to finish, so
/// the person lands on the finished result rather than on "in progress".
async fn wait_while_committing(state: &AppState, import_id: Uuid) -> Result<(), BulkError> {
    let deadline = Instant::now() + WAIT_FOR_COMMIT;
    loop {
        let import = {
            let mut c = state.db.acquire().await?;
            bulk_imports::find(&mut c.conn(), import_id).await?
        };
        if import.is_none_or(|i| i.status != "committing") || Instant::now() >= deadline {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Write every row of a claimed import, chunk by chunk; `results` gets
/// the outcome of every row in the chunks that were committed.
async fn write_rows(
    state: &AppState,
    actor: &Actor,
    access: &Access,
    import: &bulk_imports::BulkImport,
    results: &mut Vec<RowResult>,
) -> Result<(), BulkError> {
    let options: BulkOptions = serde_json::from_value(import.options.0.clone()).map_err(anyhow::Error::from)?;
    let rows = parse(&import.mode, &import.input)?;
    let now = state.clock.now();
    let mut seen = HashSet::new();
    let mut quota = {
        let mut c = state.db.acquire().await?;
        let account = settings::get(&mut c.conn()).await?;
        quota_left(&mut c.conn(), &account, actor, now).await?
    };
    for chunk in rows.chunks(CHUNK) {
        let mut tx = state.db.begin().await?;
        let mut c = tx.conn();
        let catalog = Catalog::load(&mut c).await?;
        let account = settings::get(&mut c).await?;
        let mut planner =
            Planner { catalog: &catalog, access, options: &options, quota, seen: std::mem::take(&mut seen), now };
        let planned = planner.plan(&mut c, chunk).await?;
        (seen, quota) = (planner.seen, planner.quota);
        let mut invites = Vec::new();
        let mut chunk_results = Vec::with_capacity(chunk.len());
        for (mut result, planned) in planned {
            match planned {
                Some(Planned::Invite { request, existing_user }) => invites.push((*request, existing_user)),
                Some(Planned::Resend { invitation_id }) => {
                    if let Err(e) =
                        invitations::resend_in(&mut c, state, actor, access, invitation_id, options.send_now, now).await
                    {
                        result.kind = Kind::Failed;
                        result.detail = e.to_string();
                    }
                }
                None => {}
            }
            chunk_results.push(result);
        }
        invitations::write_invitations(&mut c, state, &catalog, actor, &invites, &account, now).await?;
        tx.commit().await?;
        results.append(&mut chunk_results);
    }
    Ok(())
}

/// Keep the per-row result and its counts, and write the audit entry.
async fn finish(
    state: &AppState,
    actor: &Actor,
    access: &Access,
    import_id: Uuid,
    results: &[RowResult],
    failed: bool,
) -> Result<(), BulkError> {
    let count = |kind: Kind| results.iter().filter(|r| r.kind == kind).count();
    let (invited, resent) = (count(Kind::Invite), count(Kind::Resend));
    let counts = bulk_imports::Counts { rows: results.len() as i64, invited: invited as i64, resent: resent as i64 };
    let mut tx = state.db.begin().await?;
    let value = serde_json::to_value(results).map_err(anyhow::Error::from)?;
    if !bulk_imports::finish(&mut tx.conn(), import_id, failed, &value, counts, state.clock.now()).await? {
        return Err(ServiceError::Refused("This import was already committed.".into()).into());
    }
    let event = Event::InvitationsBulk {
        import_id,
        tenant_id: access.tenant_scope,
        rows: results.len(),
        invited,
        resent,
        stopped: failed,
    };
    emit(&mut tx.conn(), actor, event, state.clock.now()).await?;
    tx.commit().await?;
    state.wake_outbox.notify_waiters();
    Ok(())
}
