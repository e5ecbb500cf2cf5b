//! The one way an event is written down: its audit entry, and — for the
//! events webhooks receive — a delivery queued for every endpoint that
//! wants it, in the caller's transaction, so a change and its record are
//! written together or not at all.

use chrono::{DateTime, Utc};

use crate::domain::{actor::Actor, event::Event, event_payload::webhook_body};
use crate::store::{Conn, audit, webhooks};

/// Record `event`, done by `actor` at `now` (the application's clock).
pub async fn emit(c: &mut Conn<'_>, actor: &Actor, event: Event, now: DateTime<Utc>) -> anyhow::Result<()> {
    let entry = entry_of(&event);
    audit::insert(c, actor, &entry, now).await?;
    if let Some((kind, body)) = webhook_of(&event, &entry, now) {
        webhooks::enqueue(c, kind, &body, None, now).await?;
    }
    Ok(())
}

/// Record many events by one actor, a few statements for all of them (the
/// bulk paths).
pub async fn emit_many(c: &mut Conn<'_>, actor: &Actor, events: &[Event], now: DateTime<Utc>) -> anyhow::Result<()> {
    let entries: Vec<audit::NewEntry> = events.iter().map(entry_of).collect();
    audit::insert_many(c, actor, &entries, now).await?;
    let hooks: Vec<(&str, String)> =
        events.iter().zip(&entries).filter_map(|(event, entry)| webhook_of(event, entry, now)).collect();
    webhooks::enqueue_many(c, &hooks, None, now).await?;
    Ok(())
}

fn entry_of(event: &Event) -> audit::NewEntry {
    audit::NewEntry {
        action: event.action(),
        target: event.target(),
        tenants: event.tenants(),
        details: event.details(),
    }
}

/// The webhook delivery of an event webhooks receive: one, naming the
/// first of its tenants.
fn webhook_of(event: &Event, entry: &audit::NewEntry, now: DateTime<Utc>) -> Option<(&'static str, String)> {
    let kind = event.webhook()?;
    Some((kind, webhook_body(kind, &entry.target, entry.tenants.first().copied(), &entry.details, now)))
}
