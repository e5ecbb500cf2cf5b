//! Bulk invite: preview every row's verdict without writing anything,
//! then commit in chunks, recording every row's outcome.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use super::{
    ServiceError,
    catalog::Catalog,
    invitations::{self, InviteRequest, Verdict, quota_left},
};
use crate::domain::{
    access::Access,
    bulk_input::{self, FileError, RawRow},
    invitation::check_resend,
    login_id::LoginId,
};
use crate::messaging::compose::LANGUAGES;
use crate::state::AppState;
use crate::store::{
    Conn, audit, audit::Actor, bulk_imports, invitations as inv_store, invitations::Grants, invitations::TenantRole,
    settings, users,
};

/// Rows written per transaction when committing, so other writers are not
/// held up for the whole import.
const CHUNK: usize = 500;

/// Settings shared by every row: the list mode's roles and tenants, and
/// defaults for CSV rows.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct BulkOptions {
    pub roles: Vec<String>,
    pub tenants: Vec<Uuid>,
    pub lang: String,
    pub send_now: bool,
}

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
    Invite { request: Box<InviteRequest>, existing_user: Option<Uuid> },
    Resend { invitation_id: Uuid },
}

/// Turn a raw row into an invitation request, or say why it cannot be one.
fn request_for(row: &RawRow, options: &BulkOptions, catalog: &Catalog) -> Result<InviteRequest, (Kind, String)> {
    let invalid = |m: String| (Kind::Invalid, m);
    if let Some(problem) = &row.problem {
        return Err(invalid(format!("row {problem}")));
    }
    if row.login_id().is_empty() {
        return Err(invalid("no email or phone".into()));
    }
    let login_id = LoginId::parse(row.login_id()).map_err(|m| {
        invalid(if row.email.trim().is_empty() {
            "not a phone number in international format".into()
        } else {
            format!("not an email address ({m})")
        })
    })?;
    let mut grants = Grants { roles: options.roles.clone(), tenants: options.tenants.clone(), tenant_roles: vec![] };
    for reference in &row.tenants {
        let tenant = catalog.tenant_by_ref(reference).ok_or_else(|| invalid(format!("unknown tenant {reference}")))?;
        if !grants.tenants.contains(&tenant.id) {
            grants.tenants.push(tenant.id);
        }
    }
    for role in &row.roles {
        match role.split_once(':') {
            Some((tenant_ref, role)) => {
                let tenant =
                    catalog.tenant_by_ref(tenant_ref).ok_or_else(|| invalid(format!("unknown tenant {tenant_ref}")))?;
                grants.tenant_roles.push(TenantRole { tenant: tenant.id, role: role.to_string() });
            }
            None => grants.roles.push(role.clone()),
        }
    }
    let lang = if row.lang.is_empty() { options.lang.clone() } else { row.lang.clone() };
    if !lang.is_empty() && !LANGUAGES.contains(&lang.as_str()) {
        return Err(invalid(format!("unknown language {lang}")));
    }
    let mut custom_attributes = crate::store::users::Attributes::new();
    for (k, v) in &row.custom {
        custom_attributes.insert(k.clone(), serde_json::Value::String(v.clone()));
    }
    let (given_name, family_name) =
        if row.given_name.is_empty() && row.family_name.is_empty() && !row.display_name.is_empty() {
            match row.display_name.split_once(' ') {
                Some((g, f)) => (g.to_string(), f.to_string()),
                None => (row.display_name.clone(), String::new()),
            }
        } else {
            (row.given_name.clone(), row.family_name.clone())
        };
    Ok(InviteRequest {
        login_id,
        given_name,
        family_name,
        custom_attributes,
        grants,
        send_now: options.send_now,
        lang: (!lang.is_empty()).then_some(lang),
        redirect_url: None,
        template_key: "invite".into(),
        expires_in: None,
    })
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
                    result.kind = if e.message == invitations::ALREADY_ACTIVE {
                        Kind::SkippedActive
                    } else if e.message.contains(invitations::DOMAIN_REFUSED) {
                        Kind::DomainNotAllowed
                    } else {
                        Kind::Invalid
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
    let now = Utc::now();
    let mut c = state.db.acquire().await?;
    let mut c = c.conn();
    let catalog = Catalog::load(&mut c).await?;
    let account = settings::get(&mut c).await?;
    let quota = quota_left(&mut c, &account, actor, now).await?;
    let mut planner = Planner { catalog: &catalog, access, options, quota, seen: HashSet::new(), now };
    let planned = planner.plan(&mut c, &rows).await?;
    let created_by = actor.user_id.ok_or_else(|| anyhow::anyhow!("bulk invite needs a signed-in person"))?;
    let import_id = bulk_imports::insert(&mut c, created_by, mode, input, &json!(options), now).await?;
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
/// changed since the preview) and written. Committing twice commits once.
pub async fn commit(
    state: &AppState,
    actor: &Actor,
    access: &Access,
    import_id: Uuid,
) -> Result<Vec<RowResult>, BulkError> {
    let import = {
        let mut c = state.db.acquire().await?;
        bulk_imports::find(&mut c.conn(), import_id).await?
    };
    let Some(import) = import.filter(|i| Some(i.created_by) == actor.user_id) else {
        return Err(ServiceError::NotFound.into());
    };
    if let Some(result) = import.result.filter(|_| import.status == "committed") {
        return Ok(serde_json::from_value(result.0).map_err(anyhow::Error::from)?);
    }
    {
        let mut c = state.db.acquire().await?;
        if !bulk_imports::claim(&mut c.conn(), import_id).await? {
            return Err(ServiceError::Refused(
                "This import is already being committed; open the users page in a moment.".into(),
            )
            .into());
        }
    }
    let options: BulkOptions = serde_json::from_value(import.options.0).map_err(anyhow::Error::from)?;
    let rows = parse(&import.mode, &import.input)?;
    let now = Utc::now();
    let mut results = Vec::with_capacity(rows.len());
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
            results.push(result);
        }
        invitations::write_invitations(&mut c, state, &catalog, actor, &invites, &account, now).await?;
        tx.commit().await?;
    }
    {
        let mut c = state.db.acquire().await?;
        explain_quota(&mut c.conn(), actor, &mut results, Utc::now()).await?;
    }
    let mut tx = state.db.begin().await?;
    let value = serde_json::to_value(&results).map_err(anyhow::Error::from)?;
    if !bulk_imports::mark_committed(&mut tx.conn(), import_id, &value, Utc::now()).await? {
        return Err(ServiceError::Refused("This import was already committed.".into()).into());
    }
    let invited = results.iter().filter(|r| r.kind == Kind::Invite).count();
    let resent = results.iter().filter(|r| r.kind == Kind::Resend).count();
    audit::record(
        &mut tx.conn(),
        actor,
        "invitation.bulk",
        &format!("{} rows", results.len()),
        access.tenant_scope,
        json!({ "import_id": import_id, "invited": invited, "resent": resent, "rows": results.len() }),
    )
    .await?;
    tx.commit().await?;
    state.wake_outbox.notify_waiters();
    Ok(results)
}

/// The result as CSV, for download.
pub fn result_csv(rows: &[RowResult]) -> anyhow::Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["line", "login_id", "name", "outcome", "detail"])?;
    for r in rows {
        w.write_record([r.line.to_string().as_str(), &r.login_id, &r.name, r.kind.label(true), &r.detail])?;
    }
    Ok(String::from_utf8(w.into_inner()?)?)
}
