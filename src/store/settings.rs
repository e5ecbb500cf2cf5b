//! Account settings: one row.

use anyhow::Context;
use chrono::Duration;

use super::Conn;
use crate::on_conn;

#[derive(Clone, Debug)]
pub struct AccountSettings {
    pub account_name: String,
    pub invitation_lifetime: Duration,
    pub link_lifetime: Duration,
    pub resend_cooldown: Duration,
    pub default_lang: String,
    /// 0 means no quota.
    pub invites_per_inviter_per_day: i64,
    pub audit_retention_days: i64,
}

#[derive(sqlx::FromRow)]
struct Row {
    account_name: String,
    invitation_lifetime_secs: i64,
    link_lifetime_secs: i64,
    resend_cooldown_secs: i64,
    default_lang: String,
    invites_per_inviter_per_day: i64,
    audit_retention_days: i64,
}

#[tracing::instrument(skip(c))]
pub async fn get(c: &mut Conn<'_>) -> anyhow::Result<AccountSettings> {
    let sql = "SELECT account_name, invitation_lifetime_secs, link_lifetime_secs, resend_cooldown_secs, default_lang,
               invites_per_inviter_per_day, audit_retention_days FROM account_settings WHERE id = 1";
    let r: Row = on_conn!(c, c => sqlx::query_as(sql).fetch_one(c).await).context("reading account settings")?;
    Ok(AccountSettings {
        account_name: r.account_name,
        invitation_lifetime: Duration::seconds(r.invitation_lifetime_secs),
        link_lifetime: Duration::seconds(r.link_lifetime_secs),
        resend_cooldown: Duration::seconds(r.resend_cooldown_secs),
        default_lang: r.default_lang,
        invites_per_inviter_per_day: r.invites_per_inviter_per_day,
        audit_retention_days: r.audit_retention_days,
    })
}

#[tracing::instrument(skip(c))]
pub async fn update(c: &mut Conn<'_>, s: &AccountSettings) -> anyhow::Result<()> {
    let sql = "UPDATE account_settings SET account_name = $1, invitation_lifetime_secs = $2,
               link_lifetime_secs = $3, resend_cooldown_secs = $4, default_lang = $5,
               invites_per_inviter_per_day = $6, audit_retention_days = $7 WHERE id = 1";
    on_conn!(c, c => sqlx::query(sql)
        .bind(&s.account_name)
        .bind(s.invitation_lifetime.num_seconds())
        .bind(s.link_lifetime.num_seconds())
        .bind(s.resend_cooldown.num_seconds())
        .bind(&s.default_lang)
        .bind(s.invites_per_inviter_per_day)
        .bind(s.audit_retention_days)
        .execute(c)
        .await.map(|r| r.rows_affected()))
    .context("updating account settings")?;
    Ok(())
}
