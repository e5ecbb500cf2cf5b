//! A real SMTP server for tests: speaks enough ESMTP for lettre and keeps
//! every message it receives.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::Notify;

#[derive(Clone, Debug)]
pub struct ReceivedMail {
    pub to: Vec<String>,
    pub data: String,
}

impl ReceivedMail {
    /// The message with quoted-printable soft breaks and escapes undone,
    /// enough to find links and words in it.
    pub fn text(&self) -> String {
        self.data.replace("=\r\n", "").replace("=3D", "=")
    }
}

#[derive(Clone, Default)]
pub struct SmtpSink {
    pub mails: Arc<Mutex<Vec<ReceivedMail>>>,
    arrived: Arc<Notify>,
    /// How long it takes to accept each message (a slow relay).
    delay: Duration,
}

impl SmtpSink {
    /// Listen on `listener` until the test ends.
    pub fn start(listener: TcpListener) -> Self {
        Self::start_slow(listener, Duration::ZERO)
    }

    /// Listen on `listener`, taking `delay` to accept each message.
    pub fn start_slow(listener: TcpListener, delay: Duration) -> Self {
        let sink = Self { delay, ..Self::default() };
        let s = sink.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let s = s.clone();
                tokio::spawn(async move {
                    let _ = s.session(stream).await;
                });
            }
        });
        sink
    }

    async fn session(&self, stream: tokio::net::TcpStream) -> std::io::Result<()> {
        let (read, mut write) = stream.into_split();
        let mut lines = BufReader::new(read);
        write.write_all(b"220 sink ESMTP ready\r\n").await?;
        let mut to = Vec::new();
        let mut line = String::new();
        loop {
            line.clear();
            if lines.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            let upper = line.to_uppercase();
            let reply: &[u8] = if upper.starts_with("EHLO") {
                b"250-sink\r\n250 8BITMIME\r\n"
            } else if upper.starts_with("HELO")
                || upper.starts_with("MAIL")
                || upper.starts_with("RSET")
                || upper.starts_with("NOOP")
            {
                if upper.starts_with("RSET") {
                    to.clear();
                }
                b"250 OK\r\n"
            } else if upper.starts_with("RCPT") {
                let addr =
                    line.trim().trim_start_matches(|c| c != '<').trim_matches(|c| c == '<' || c == '>').to_string();
                to.push(addr);
                b"250 OK\r\n"
            } else if upper.starts_with("DATA") {
                write.write_all(b"354 go ahead\r\n").await?;
                let mut data = String::new();
                loop {
                    line.clear();
                    if lines.read_line(&mut line).await? == 0 {
                        return Ok(());
                    }
                    if line == ".\r\n" || line == ".\n" {
                        break;
                    }
                    data.push_str(line.strip_prefix('.').filter(|_| line.starts_with("..")).unwrap_or(&line));
                }
                tokio::time::sleep(self.delay).await;
                self.mails.lock().unwrap().push(ReceivedMail { to: std::mem::take(&mut to), data });
                self.arrived.notify_waiters();
                b"250 queued\r\n"
            } else if upper.starts_with("QUIT") {
                write.write_all(b"221 bye\r\n").await?;
                return Ok(());
            } else {
                b"502 not implemented\r\n"
            };
            write.write_all(reply).await?;
        }
    }

    /// Wait (up to 15 s) for a message to `recipient`; the newest one.
    pub async fn wait_for(&self, recipient: &str) -> ReceivedMail {
        self.wait_for_nth(recipient, 1).await
    }

    /// Wait for the `n`-th message to `recipient` and return it.
    pub async fn wait_for_nth(&self, recipient: &str, n: usize) -> ReceivedMail {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        loop {
            let arrived = self.arrived.notified();
            if let Some(m) =
                self.mails.lock().unwrap().iter().filter(|m| m.to.iter().any(|t| t == recipient)).nth(n - 1)
            {
                return m.clone();
            }
            if tokio::time::Instant::now() > deadline {
                panic!("no message number {n} arrived for {recipient}");
            }
            let _ = tokio::time::timeout(Duration::from_millis(200), arrived).await;
        }
    }

    pub fn count_for(&self, recipient: &str) -> usize {
        self.mails.lock().unwrap().iter().filter(|m| m.to.iter().any(|t| t == recipient)).count()
    }
}
