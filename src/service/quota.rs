//! The per-inviter quota counts a rolling 24 hours, so the refusal says
//! when the next invitation is possible: the moment enough of the counted
//! invitations have left the window (never "tomorrow").

use chrono::{DateTime, Duration, Timelike, Utc};

use super::ServiceError;
use crate::store::{Conn, audit::Actor, invitations, invitations::MadeBy, settings::AccountSettings};

/// How far back the quota counts.
pub const WINDOW: Duration = Duration::hours(24);

/// How many invitations `inviter` made in the window, and when one more
/// is possible; None when no quota applies.
pub async fn standing(
    c: &mut Conn<'_>,
    account: &AccountSettings,
    inviter: &Actor,
    now: DateTime<Utc>,
) -> anyhow::Result<Option<(i64, DateTime<Utc>)>> {
    let limit = account.invites_per_inviter_per_day;
    if limit <= 0 {
        return Ok(None);
    }
    let since = now - WINDOW;
    // Below the limit once `used - limit + 1` of them have left the window:
    // the one at that place (oldest first) is the one to wait for.
    let by = match (inviter.user_id, inviter.api_key_id) {
        (Some(id), _) => MadeBy::Person(id),
        (None, Some(key)) => MadeBy::ApiKey(key),
        (None, None) => return Ok(None),
    };
    let used = invitations::count_made_since(c, by, since).await?;
    let freeing = invitations::nth_made_since(c, by, since, (used - limit).max(0)).await?;
    // Nothing counted yet (a bulk import about to use the whole quota):
    // the invitations made now are the ones to wait for.
    Ok(Some((used, freeing.unwrap_or(now) + WINDOW)))
}

/// The next whole minute at or after `t`, so "possible at 14:32" is
/// never a minute early.
fn round_up_to_minute(t: DateTime<Utc>) -> DateTime<Utc> {
    let floor = t.with_second(0).and_then(|t| t.with_nanosecond(0)).unwrap_or(t);
    if floor == t { t } else { floor + Duration::minutes(1) }
}

fn show(t: DateTime<Utc>) -> String {
    super::show_time(round_up_to_minute(t))
}

/// The message for someone who has made `used` invitations in the window.
pub fn message(used: i64, limit: i64, next_at: DateTime<Utc>) -> String {
    format!(
        "You have sent {used} invitations in the last 24 hours (your limit is {limit}); the next one is possible at {}",
        show(next_at)
    )
}

/// The refusal for an inviter who has used up their quota: the message
/// and when the next invitation is possible.
pub async fn refusal(
    c: &mut Conn<'_>,
    account: &AccountSettings,
    inviter: &Actor,
    now: DateTime<Utc>,
) -> anyhow::Result<ServiceError> {
    let limit = account.invites_per_inviter_per_day;
    let (used, retry_at) = standing(c, account, inviter, now).await?.unwrap_or((limit, now + WINDOW));
    let retry_at = round_up_to_minute(retry_at);
    Ok(ServiceError::OverQuota { message: message(used, limit, retry_at), retry_at, now })
}

/// Why a bulk row was skipped over quota, and when the next is possible.
pub async fn bulk_note(
    c: &mut Conn<'_>,
    account: &AccountSettings,
    inviter: &Actor,
    now: DateTime<Utc>,
) -> anyhow::Result<String> {
    let next_at = standing(c, account, inviter, now).await?.map_or(now + WINDOW, |(_, at)| at);
    Ok(format!(
        "your limit is {} invitations in 24 hours; the next one is possible at {}",
        account.invites_per_inviter_per_day,
        show(next_at)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_possible_time_is_rounded_up_never_down() {
        let t: DateTime<Utc> = "2026-11-23T14:31:05Z".parse().unwrap();
        assert_eq!(show(t), "2026-11-23 14:32 UTC");
        let exact: DateTime<Utc> = "2026-11-23T14:31:00Z".parse().unwrap();
        assert_eq!(show(exact), "2026-11-23 14:31 UTC");
        assert_eq!(
            message(20, 20, t),
            "You have sent 20 invitations in the last 24 hours (your limit is 20); the next one is possible at 2026-11-23 14:32 UTC"
        );
    }
}
