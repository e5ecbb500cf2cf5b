//! Settings read from the environment (and an optional `KEY=value` file).
//!
//! Every setting has a default that works on a laptop. Secrets (the SMTP
//! password) are kept out of `Debug` output so they never reach a log.

use std::{fmt, net::SocketAddr, path::Path};

use anyhow::{Context, bail};

/// Where mail goes.
#[derive(Clone)]
pub enum MailSettings {
    /// No SMTP configured: messages are stored and shown in the console.
    DevMailbox,
    /// Deliver over SMTP; the URL may carry credentials.
    Smtp { url: String },
}

impl fmt::Debug for MailSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::DevMailbox => write!(f, "DevMailbox"),
            Self::Smtp { url } => write!(f, "Smtp({})", redact_url(url)),
        }
    }
}

/// Replace the password in a URL with `***`, for logs.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        Ok(parsed) => parsed.to_string(),
        Err(_) => "<unparseable url>".into(),
    }
}

/// The bearer token `/metrics` asks for. Shown as `***` in `Debug` output.
#[derive(Clone)]
pub struct MetricsToken(String);

impl MetricsToken {
    /// Shorter tokens could be guessed by a scraper-sized botnet.
    pub const MIN_LEN: usize = 16;

    /// Does `presented` equal the token? Both are hashed first, so the
    /// comparison takes the same time whatever their lengths and contents.
    pub fn matches(&self, presented: &str) -> bool {
        use sha2::{Digest, Sha256};
        use subtle::ConstantTimeEq;
        Sha256::digest(self.0.as_bytes()).ct_eq(&Sha256::digest(presented.as_bytes())).into()
    }
}

impl fmt::Debug for MetricsToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MetricsToken(***)")
    }
}

#[derive(Clone, Debug)]
pub struct Settings {
    pub database_url: String,
    pub listen: SocketAddr,
    pub base_url: String,
    pub mail: MailSettings,
    pub mail_from: String,
    /// How often background workers look for work.
    pub worker_interval: std::time::Duration,
    /// How often the sweeper expires invitations and purges sessions.
    pub sweep_interval: std::time::Duration,
    /// First retry delay of a failed delivery; doubles each attempt.
    pub retry_base: chrono::Duration,
    /// How long claimed messages that no delivery has started yet stay with
    /// one instance before another may take them (after a crash, say).
    pub claim_lease: chrono::Duration,
    /// Mark session cookies `Secure` (derived from an https base URL).
    pub secure_cookies: bool,
    /// May webhooks target loopback and private addresses? Default: yes
    /// for a plain-http (development) base URL, no for https (production).
    pub webhooks_allow_private: bool,
    /// `/metrics` answers only requests bearing this token; unset, it is off.
    pub metrics_token: Option<MetricsToken>,
}

impl Settings {
    /// Read settings from the process environment, after loading an optional
    /// config file named by `USHER_CONFIG` (lines of `KEY=value`; the
    /// environment wins over the file).
    pub fn from_env() -> anyhow::Result<Self> {
        let file = match std::env::var("USHER_CONFIG") {
            Ok(path) => read_config_file(Path::new(&path))?,
            Err(_) => Vec::new(),
        };
        let get = |key: &str| -> Option<String> {
            std::env::var(key)
                .ok()
                .or_else(|| file.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()))
                .filter(|v| !v.trim().is_empty())
        };
        Self::from_lookup(get)
    }

    /// Build settings from any key lookup (tests pass a closure).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let database_url = get("DATABASE_URL").unwrap_or_else(|| "sqlite://usher.db".into());
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://"))
        {
            bail!("DATABASE_URL must start with sqlite: or postgres:// (got {})", redact_url(&database_url));
        }
        let listen: SocketAddr = get("USHER_LISTEN")
            .unwrap_or_else(|| "127.0.0.1:8080".into())
            .parse()
            .context("USHER_LISTEN must be an address like 127.0.0.1:8080")?;
        let base_url =
            get("USHER_BASE_URL").unwrap_or_else(|| format!("http://{listen}")).trim_end_matches('/').to_string();
        url::Url::parse(&base_url).context("USHER_BASE_URL must be a URL like https://usher.example.com")?;
        let mail = match get("USHER_SMTP_URL") {
            None => MailSettings::DevMailbox,
            Some(url) => {
                url::Url::parse(&url).context("USHER_SMTP_URL must be a URL like smtp://host:25")?;
                MailSettings::Smtp { url }
            }
        };
        let mail_from = get("USHER_MAIL_FROM").unwrap_or_else(|| "Usher <usher@localhost>".into());
        mail_from
            .parse::<lettre::message::Mailbox>()
            .context("USHER_MAIL_FROM must be an address like 'Usher <usher@example.com>'")?;
        let worker_interval_ms: u64 = get("USHER_WORKER_INTERVAL_MS")
            .map(|v| v.parse().context("USHER_WORKER_INTERVAL_MS must be a number"))
            .transpose()?
            .unwrap_or(1000);
        let sweep_interval_ms: u64 = get("USHER_SWEEP_INTERVAL_MS")
            .map(|v| v.parse().context("USHER_SWEEP_INTERVAL_MS must be a number"))
            .transpose()?
            .unwrap_or(60_000);
        let retry_base_ms: i64 = get("USHER_RETRY_BASE_MS")
            .map(|v| v.parse().context("USHER_RETRY_BASE_MS must be a number"))
            .transpose()?
            .unwrap_or(2000);
        let claim_lease_ms: i64 = get("USHER_CLAIM_LEASE_MS")
            .map(|v| v.parse().context("USHER_CLAIM_LEASE_MS must be a number"))
            .transpose()?
            .unwrap_or(30_000);
        if !(100..=600_000).contains(&claim_lease_ms) {
            bail!("USHER_CLAIM_LEASE_MS must be between 100 and 600000 (got {claim_lease_ms})");
        }
        let webhooks_allow_private = match get("USHER_WEBHOOKS_ALLOW_PRIVATE").as_deref() {
            Some("1" | "true" | "yes") => true,
            Some("0" | "false" | "no") => false,
            Some(other) => bail!("USHER_WEBHOOKS_ALLOW_PRIVATE must be true or false (got {other})"),
            None => !base_url.starts_with("https://"),
        };
        let metrics_token = get("USHER_METRICS_TOKEN").map(|t| t.trim().to_string());
        if metrics_token.as_ref().is_some_and(|t| t.chars().count() < MetricsToken::MIN_LEN) {
            bail!(
                "USHER_METRICS_TOKEN must be at least {} characters (e.g. the output of openssl rand -hex 32)",
                MetricsToken::MIN_LEN
            );
        }
        Ok(Self {
            metrics_token: metrics_token.map(MetricsToken),
            webhooks_allow_private,
            retry_base: chrono::Duration::milliseconds(retry_base_ms),
            claim_lease: chrono::Duration::milliseconds(claim_lease_ms),
            sweep_interval: std::time::Duration::from_millis(sweep_interval_ms),
            database_url,
            listen,
            secure_cookies: base_url.starts_with("https://"),
            base_url,
            mail,
            mail_from,
            worker_interval: std::time::Duration::from_millis(worker_interval_ms),
        })
    }
}

fn read_config_file(path: &Path) -> anyhow::Result<Vec<(String, String)>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read config file {}", path.display()))?;
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().trim_matches('"').to_string()))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_password_never_appears_in_debug_output() {
        let s =
            Settings::from_lookup(|k| (k == "USHER_SMTP_URL").then(|| "smtp://bob:hunter2@mail.example:587".into()))
                .unwrap();
        let shown = format!("{s:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("bob"));
    }

    #[test]
    fn defaults_work_on_a_laptop() {
        let s = Settings::from_lookup(|_| None).unwrap();
        assert_eq!(s.database_url, "sqlite://usher.db");
        assert_eq!(s.base_url, "http://127.0.0.1:8080");
        assert!(matches!(s.mail, MailSettings::DevMailbox));
    }

    #[test]
    fn the_metrics_token_is_never_shown_and_must_be_long_enough() {
        let token = "s3cret-metrics-token-0123456789";
        let s = Settings::from_lookup(|k| (k == "USHER_METRICS_TOKEN").then(|| token.into())).unwrap();
        assert!(!format!("{s:?}").contains(token));
        let t = s.metrics_token.unwrap();
        assert!(t.matches(token));
        assert!(!t.matches("s3cret-metrics-token-012345678"));
        assert!(!t.matches(""));
        let err = Settings::from_lookup(|k| (k == "USHER_METRICS_TOKEN").then(|| "short".into())).unwrap_err();
        assert!(err.to_string().contains("USHER_METRICS_TOKEN"), "{err}");
        assert!(Settings::from_lookup(|_| None).unwrap().metrics_token.is_none(), "off by default");
    }

    #[test]
    fn a_mysql_url_is_refused_with_a_clear_message() {
        let err = Settings::from_lookup(|k| (k == "DATABASE_URL").then(|| "mysql://x".into())).unwrap_err();
        assert!(err.to_string().contains("DATABASE_URL"));
    }
}
