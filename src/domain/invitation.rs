//! The invitation state machine: every status, every action, and which
//! action may move which status where. Pure: no I/O, the clock is passed in.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::user::UserStatus;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvitationStatus {
    Pending,
    Accepted,
    Expired,
    Revoked,
    Declined,
}

impl InvitationStatus {
    pub const ALL: [Self; 5] = [Self::Pending, Self::Accepted, Self::Expired, Self::Revoked, Self::Declined];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Accepted => "accepted",
            Self::Expired => "expired",
            Self::Revoked => "revoked",
            Self::Declined => "declined",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// Accepted, revoked and declined invitations never change again.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Accepted | Self::Revoked | Self::Declined)
    }

    /// The status as of `now`: a pending invitation past its expiry is
    /// expired even before the sweeper has marked it.
    pub fn at(self, expires_at: DateTime<Utc>, now: DateTime<Utc>) -> Self {
        if self == Self::Pending && now >= expires_at { Self::Expired } else { self }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Fresh link, old links dead, expiry restarted, sent again.
    Resend,
    Revoke,
    Accept,
    Decline,
    /// The clock ran out (sweeper) or the user became active another way.
    Expire,
}

/// Why an action was refused; the message is shown to people.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("This invitation was already accepted.")]
    AlreadyAccepted,
    #[error("This invitation was revoked.")]
    Revoked,
    #[error("This invitation was declined.")]
    Declined,
    #[error("This invitation has expired.")]
    Expired,
    #[error("This person already has an account; there is nothing to resend.")]
    UserNotInvitable,
    #[error("This invitation was sent moments ago; wait {0} seconds before resending.")]
    Cooldown(i64),
}

/// The status an action leads to from `current` (already evaluated against
/// the clock with [`InvitationStatus::at`]), or why it is refused.
pub fn transition(current: InvitationStatus, action: Action) -> Result<InvitationStatus, Refusal> {
    use InvitationStatus as S;
    match (current, action) {
        (S::Accepted, _) => Err(Refusal::AlreadyAccepted),
        (S::Revoked, _) => Err(Refusal::Revoked),
        (S::Declined, _) => Err(Refusal::Declined),
        (S::Pending | S::Expired, Action::Resend) => Ok(S::Pending),
        (S::Pending | S::Expired, Action::Revoke) => Ok(S::Revoked),
        (S::Pending, Action::Accept) => Ok(S::Accepted),
        (S::Pending, Action::Decline) => Ok(S::Declined),
        (S::Pending, Action::Expire) => Ok(S::Expired),
        (S::Expired, Action::Accept | Action::Decline | Action::Expire) => Err(Refusal::Expired),
    }
}

/// Resend also depends on the invitee (never re-invite an account that is
/// active or disabled) and on the cooldown since the last send.
pub fn check_resend(
    current: InvitationStatus,
    user: UserStatus,
    last_sent: Option<DateTime<Utc>>,
    cooldown: Duration,
    now: DateTime<Utc>,
) -> Result<InvitationStatus, Refusal> {
    if matches!(user, UserStatus::Active | UserStatus::Disabled) {
        return Err(Refusal::UserNotInvitable);
    }
    let next = transition(current, Action::Resend)?;
    if let Some(sent) = last_sent {
        let ready_at = sent + cooldown;
        if now < ready_at {
            let wait = (ready_at - now).num_seconds().max(1);
            return Err(Refusal::Cooldown(wait));
        }
    }
    Ok(next)
}

/// What the invitee's user becomes after an action on their invitation.
pub fn user_status_after(action: Action, user: UserStatus) -> UserStatus {
    match (action, user) {
        (_, UserStatus::Active | UserStatus::Disabled) => user,
        (Action::Accept, _) => UserStatus::Active,
        (Action::Resend, _) => UserStatus::Invited,
        (Action::Revoke | Action::Decline | Action::Expire, _) => UserStatus::InviteExpired,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action::*;
    use InvitationStatus as S;

    #[test]
    fn every_transition_is_allowed_or_refused_as_designed() {
        let table: &[(S, Action, Result<S, Refusal>)] = &[
            (S::Pending, Resend, Ok(S::Pending)),
            (S::Pending, Revoke, Ok(S::Revoked)),
            (S::Pending, Accept, Ok(S::Accepted)),
            (S::Pending, Decline, Ok(S::Declined)),
            (S::Pending, Expire, Ok(S::Expired)),
            (S::Expired, Resend, Ok(S::Pending)),
            (S::Expired, Revoke, Ok(S::Revoked)),
            (S::Expired, Accept, Err(Refusal::Expired)),
            (S::Expired, Decline, Err(Refusal::Expired)),
            (S::Expired, Expire, Err(Refusal::Expired)),
            (S::Accepted, Resend, Err(Refusal::AlreadyAccepted)),
            (S::Accepted, Revoke, Err(Refusal::AlreadyAccepted)),
            (S::Accepted, Accept, Err(Refusal::AlreadyAccepted)),
            (S::Accepted, Decline, Err(Refusal::AlreadyAccepted)),
            (S::Accepted, Expire, Err(Refusal::AlreadyAccepted)),
            (S::Revoked, Resend, Err(Refusal::Revoked)),
            (S::Revoked, Revoke, Err(Refusal::Revoked)),
            (S::Revoked, Accept, Err(Refusal::Revoked)),
            (S::Revoked, Decline, Err(Refusal::Revoked)),
            (S::Revoked, Expire, Err(Refusal::Revoked)),
            (S::Declined, Resend, Err(Refusal::Declined)),
            (S::Declined, Revoke, Err(Refusal::Declined)),
            (S::Declined, Accept, Err(Refusal::Declined)),
            (S::Declined, Decline, Err(Refusal::Declined)),
            (S::Declined, Expire, Err(Refusal::Declined)),
        ];
        assert_eq!(table.len(), S::ALL.len() * 5, "every pair is listed");
        for (from, action, expected) in table {
            assert_eq!(&transition(*from, *action), expected, "{from:?} --{action:?}-->");
        }
    }

    #[test]
    fn final_statuses_are_exactly_accepted_revoked_declined() {
        let finals: Vec<_> = S::ALL.into_iter().filter(|s| s.is_final()).collect();
        assert_eq!(finals, vec![S::Accepted, S::Revoked, S::Declined]);
    }

    #[test]
    fn a_pending_invitation_past_its_expiry_reads_as_expired() {
        let now = Utc::now();
        assert_eq!(S::Pending.at(now, now), S::Expired);
        assert_eq!(S::Pending.at(now + Duration::seconds(1), now), S::Pending);
        assert_eq!(S::Revoked.at(now - Duration::days(1), now), S::Revoked);
    }

    #[test]
    fn resend_is_refused_for_active_or_disabled_people() {
        let now = Utc::now();
        for user in [UserStatus::Active, UserStatus::Disabled] {
            assert_eq!(check_resend(S::Expired, user, None, Duration::zero(), now), Err(Refusal::UserNotInvitable));
        }
        assert_eq!(check_resend(S::Expired, UserStatus::InviteExpired, None, Duration::zero(), now), Ok(S::Pending));
    }

    #[test]
    fn resend_within_the_cooldown_says_how_long_to_wait() {
        let now = Utc::now();
        let sent = now - Duration::seconds(20);
        assert_eq!(
            check_resend(S::Pending, UserStatus::Invited, Some(sent), Duration::seconds(60), now),
            Err(Refusal::Cooldown(40))
        );
        let long_ago = now - Duration::seconds(61);
        assert_eq!(
            check_resend(S::Pending, UserStatus::Invited, Some(long_ago), Duration::seconds(60), now),
            Ok(S::Pending)
        );
    }

    #[test]
    fn the_invitee_follows_the_invitation() {
        assert_eq!(user_status_after(Accept, UserStatus::Invited), UserStatus::Active);
        assert_eq!(user_status_after(Resend, UserStatus::InviteExpired), UserStatus::Invited);
        assert_eq!(user_status_after(Expire, UserStatus::Invited), UserStatus::InviteExpired);
        assert_eq!(user_status_after(Revoke, UserStatus::Invited), UserStatus::InviteExpired);
        assert_eq!(user_status_after(Expire, UserStatus::Active), UserStatus::Active);
    }
}
