//! The per-user actions the users table offers for many people at once.

use uuid::Uuid;

use crate::domain::access::Access;
use crate::domain::actor::Actor;
use crate::service::{
    ServiceError,
    accounts::{ensure_visible, set_active},
    invitations,
};
use crate::state::AppState;
use crate::store::{invitations as inv_store, users};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BulkAction {
    Resend,
    Revoke,
    Deactivate,
    Delete,
}

impl BulkAction {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "resend" => Some(Self::Resend),
            "revoke" => Some(Self::Revoke),
            "deactivate" => Some(Self::Deactivate),
            "delete" => Some(Self::Delete),
            _ => None,
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Self::Resend => "Bulk resend",
            Self::Revoke => "Bulk revoke",
            Self::Deactivate => "Bulk deactivate",
            Self::Delete => "Bulk delete",
        }
    }

    pub fn done(self) -> &'static str {
        match self {
            Self::Resend => "resent",
            Self::Revoke => "revoked",
            Self::Deactivate => "deactivated",
            Self::Delete => "deleted",
        }
    }
}

/// One row of a bulk action's report.
pub struct ActionOutcome {
    pub login_id: String,
    pub ok: bool,
    pub message: String,
}

/// Apply `action` to each user, each in its own transaction; rows the
/// viewer may not touch are reported with the reason.
pub async fn bulk_action(
    state: &AppState,
    actor: &Actor,
    access: &Access,
    action: BulkAction,
    ids: &[Uuid],
) -> anyhow::Result<Vec<ActionOutcome>> {
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let login_id = {
            let mut c = state.db.acquire().await?;
            match ensure_visible(&mut c.conn(), access, *id).await {
                Ok(()) => users::find(&mut c.conn(), *id).await?.map(|u| u.login_id),
                Err(_) => None,
            }
        };
        let Some(login_id) = login_id else {
            out.push(ActionOutcome { login_id: id.to_string(), ok: false, message: "not found".into() });
            continue;
        };
        let result = match action {
            BulkAction::Resend | BulkAction::Revoke => {
                let latest = {
                    let mut c = state.db.acquire().await?;
                    inv_store::latest_for_user(&mut c.conn(), *id).await?
                };
                match latest {
                    None => Err(ServiceError::Refused("has no invitation".into())),
                    Some(inv) if action == BulkAction::Resend => {
                        invitations::resend(state, actor, access, inv.id, true).await.map(|_| ())
                    }
                    Some(inv) => invitations::revoke(state, actor, access, inv.id).await,
                }
            }
            BulkAction::Deactivate => set_active(state, actor, access, *id, false).await,
            BulkAction::Delete => super::delete_user(state, actor, access, *id).await.map(|_| ()),
        };
        out.push(match result {
            Ok(()) => ActionOutcome { login_id, ok: true, message: action.done().into() },
            Err(ServiceError::Forbidden(_)) => {
                ActionOutcome { login_id, ok: false, message: "your role does not allow this for this user".into() }
            }
            Err(ServiceError::Unexpected(e)) => return Err(e),
            Err(e) => ActionOutcome { login_id, ok: false, message: e.to_string() },
        });
    }
    Ok(out)
}
