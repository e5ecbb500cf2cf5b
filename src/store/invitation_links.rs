//! An invitation's links. A link row holds only the SHA-256 of its token;
//! `state` is `live`, `superseded` (a newer link was issued) or `used`
//! (accepted or declined with it).

use anyhow::Context;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::Conn;
use super::invitations::{Invitation, find};
use crate::on_conn;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkState {
    Live,
    Superseded,
    Used,
}

#[derive(Clone, Debug)]
pub struct Link {
    pub state: LinkState,
    pub expires_at: DateTime<Utc>,
}

/// A new live link: the token's hash, its invitation, when it stops working.
pub struct NewLink {
    pub token_hash: String,
    pub invitation_id: Uuid,
    pub expires_at: DateTime<Utc>,
}

pub async fn insert_link(
    c: &mut Conn<'_>,
    token_hash: &str,
    invitation_id: Uuid,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> anyhow::Result<()> {
    insert_links(c, &[NewLink { token_hash: token_hash.to_string(), invitation_id, expires_at }], now).await
}

pub async fn insert_links(c: &mut Conn<'_>, links: &[NewLink], now: DateTime<Utc>) -> anyhow::Result<()> {
    for chunk in links.chunks(1000) {
        let sql = format!(
            "INSERT INTO invitation_links (token_hash, invitation_id, state, created_at, expires_at) VALUES {}",
            super::values_placeholders(c, chunk.len(), 5)
        );
        on_conn!(c, c => {
            let mut q = super::batch_statement(&sql);
            for l in chunk {
                q = q.bind(&l.token_hash).bind(l.invitation_id).bind("live").bind(now).bind(l.expires_at);
            }
            q.execute(c).await.map(|r| r.rows_affected())
        })
        .context("inserting invitation links")?;
    }
    Ok(())
}

/// Kill every live link of every invitation of a user.
pub async fn supersede_links_of_user(c: &mut Conn<'_>, user_id: Uuid) -> anyhow::Result<()> {
    let sql = "UPDATE invitation_links SET state = 'superseded'
               WHERE state = 'live' AND invitation_id IN (SELECT id FROM invitations WHERE user_id = $1)";
    on_conn!(c, c => sqlx::query(sql).bind(user_id).execute(c).await.map(|r| r.rows_affected()))
        .context("superseding links")?;
    Ok(())
}

/// Consume a live link; false when it was no longer live (a concurrent
/// request used it first), which keeps tokens single-use.
pub async fn use_link(c: &mut Conn<'_>, token_hash: &str) -> anyhow::Result<bool> {
    let sql = "UPDATE invitation_links SET state = 'used' WHERE token_hash = $1 AND state = 'live'";
    let n = on_conn!(c, c => sqlx::query(sql).bind(token_hash).execute(c).await.map(|r| r.rows_affected()))
        .context("using link")?;
    Ok(n == 1)
}

#[derive(sqlx::FromRow)]
struct LinkRow {
    state: String,
    link_expires_at: DateTime<Utc>,
    invitation_id: Uuid,
}

/// The link with this token hash and its invitation.
#[tracing::instrument(skip_all)]
pub async fn find_by_token_hash(c: &mut Conn<'_>, token_hash: &str) -> anyhow::Result<Option<(Link, Invitation)>> {
    let sql = "SELECT state, expires_at AS link_expires_at, invitation_id FROM invitation_links WHERE token_hash = $1";
    let row: Option<LinkRow> =
        on_conn!(c, c => sqlx::query_as(sql).bind(token_hash).fetch_optional(c).await).context("finding link")?;
    let Some(row) = row else { return Ok(None) };
    let state = match row.state.as_str() {
        "live" => LinkState::Live,
        "superseded" => LinkState::Superseded,
        _ => LinkState::Used,
    };
    let invitation = find(c, row.invitation_id).await?.context("link without invitation")?;
    Ok(Some((Link { state, expires_at: row.link_expires_at }, invitation)))
}
