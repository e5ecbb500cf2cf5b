//! Delivery backends: SMTP through lettre (rustls), or the dev mailbox that
//! stores messages in the database for the console to show.

use anyhow::Context;
use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message as EmailMessage, Tokio1Executor,
    message::{Mailbox, MultiPart, header::HeaderValue},
};

use super::worker::{Courier, Outcome};
use crate::config::{MailSettings, Settings};
use crate::store::{Conn, Db, invitations, mailbox, outbox, outbox::Message};

/// The longest one SMTP delivery may take, all commands together.
pub const SEND_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

#[derive(Clone)]
pub enum Mailer {
    Smtp { transport: AsyncSmtpTransport<Tokio1Executor>, from: Mailbox },
    DevMailbox,
}

impl Mailer {
    pub fn from_settings(settings: &Settings) -> anyhow::Result<Self> {
        match &settings.mail {
            MailSettings::DevMailbox => Ok(Self::DevMailbox),
            MailSettings::Smtp { url } => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .context("USHER_SMTP_URL is not a usable SMTP URL")?
                    .timeout(Some(std::time::Duration::from_secs(15)))
                    .build();
                let from = settings.mail_from.parse().context("USHER_MAIL_FROM is not an address")?;
                Ok(Self::Smtp { transport, from })
            }
        }
    }

    pub fn describe(&self) -> &'static str {
        match self {
            Self::Smtp { .. } => "SMTP",
            Self::DevMailbox => "dev mailbox (no USHER_SMTP_URL set; messages are shown in the console)",
        }
    }

    /// Deliver one outbox message (`now`: when, for the dev mailbox). SMS
    /// goes to the dev mailbox until an SMS connector is configured.
    pub async fn deliver(&self, db: &Db, m: &Message, now: chrono::DateTime<chrono::Utc>) -> anyhow::Result<()> {
        match self {
            Self::Smtp { transport, from } if m.channel == "email" => {
                let email = build_email(from, m)?;
                tokio::time::timeout(SEND_TIMEOUT, transport.send(email))
                    .await
                    .context("SMTP delivery timed out")?
                    .context("SMTP delivery failed")?;
                Ok(())
            }
            _ => {
                let mut c = db.acquire().await?;
                mailbox::store(&mut c.conn(), m, now).await
            }
        }
    }
}

/// The messages lane of the outbox: email and SMS through the [`Mailer`].
pub struct MailCourier {
    pub db: Db,
    pub mailer: Mailer,
    /// The dev mailbox stamps messages with the application's clock.
    pub clock: std::sync::Arc<dyn crate::clock::Clock>,
}

impl Courier for MailCourier {
    const LANE: outbox::Lane = outbox::Lane::Messages;
    /// The send's own time limit plus room to record it.
    const SEND_LEASE: chrono::Duration = chrono::Duration::seconds(SEND_TIMEOUT.as_secs() as i64 + 60);
    const BATCH: i64 = 50;
    /// A message that failed this often waits for someone to press Retry.
    const GIVE_UP: outbox::GiveUp = outbox::GiveUp { after_attempts: Some(outbox::MAX_ATTEMPTS), after_age: None };
    type Report = ();

    async fn send(&self, m: &Message) -> anyhow::Result<(Outcome, ())> {
        let outcome = match self.mailer.deliver(&self.db, m, self.clock.now()).await {
            Ok(()) => Outcome::Delivered,
            Err(e) => Outcome::failed(format!("{e:#}")),
        };
        Ok((outcome, ()))
    }

    async fn record(
        &self,
        c: &mut Conn<'_>,
        m: &Message,
        outcome: &Outcome,
        _: &(),
        held: bool,
        now: chrono::DateTime<chrono::Utc>,
    ) -> anyhow::Result<()> {
        if held
            && *outcome == Outcome::Delivered
            && let Some(inv) = m.invitation_id
        {
            invitations::mark_sent(c, inv, now).await?;
        }
        Ok(())
    }
}

fn build_email(from: &Mailbox, m: &Message) -> anyhow::Result<EmailMessage> {
    let to: Mailbox = m.recipient.parse().context("recipient is not an email address")?;
    let builder = EmailMessage::builder()
        .from(from.clone())
        .to(to)
        .subject(&m.subject)
        // The outbox row id makes redeliveries recognisable downstream.
        .message_id(Some(format!("<{}@usher>", m.id)));
    let builder = builder.raw_header(HeaderValue::new(
        lettre::message::header::HeaderName::new_from_ascii_str("X-Usher-Idempotency-Key"),
        m.id.to_string(),
    ));
    let body = if m.body_html.is_empty() {
        builder.body(m.body_text.clone())?
    } else {
        builder.multipart(MultiPart::alternative_plain_html(m.body_text.clone(), m.body_html.clone()))?
    };
    Ok(body)
}
