//! Logging setup: `RUST_LOG` (or `USHER_LOG`) picks the level; default info.

use tracing_subscriber::{EnvFilter, fmt};

pub fn init() {
    let filter = std::env::var("USHER_LOG")
        .ok()
        .map(EnvFilter::new)
        .unwrap_or_else(|| EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")));
    let _ = fmt().with_env_filter(filter).with_target(false).try_init();
}
