//! A real HTTP server that receives webhooks, checks nothing itself, can
//! be told to fail the next N deliveries with a 500, and can be slow.

use std::collections::HashMap;
use std::sync::{
    Arc, Mutex,
    atomic::{AtomicUsize, Ordering},
};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

#[derive(Clone, Debug)]
pub struct Received {
    pub headers: HashMap<String, String>,
    pub body: String,
    /// Did the sink answer 2xx?
    pub ok: bool,
}

#[derive(Clone, Default)]
pub struct WebhookSink {
    pub received: Arc<Mutex<Vec<Received>>>,
    pub fail_next: Arc<AtomicUsize>,
    pub url: String,
    /// How long it takes to answer each delivery (after recording it).
    delay: Duration,
}

impl WebhookSink {
    pub async fn start() -> Self {
        Self::start_on(0).await
    }

    pub async fn start_on(port: u16) -> Self {
        Self::listen(port, Duration::ZERO).await
    }

    /// A receiver that takes `delay` to answer each delivery.
    pub async fn start_slow(delay: Duration) -> Self {
        Self::listen(0, delay).await
    }

    async fn listen(port: u16, delay: Duration) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        let url = format!("http://127.0.0.1:{}/hook", listener.local_addr().unwrap().port());
        let sink = Self { url, delay, ..Self::default() };
        let s = sink.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let s = s.clone();
                tokio::spawn(async move {
                    let _ = s.handle(stream).await;
                });
            }
        });
        sink
    }

    async fn handle(&self, stream: tokio::net::TcpStream) -> std::io::Result<()> {
        let (read, mut write) = stream.into_split();
        let mut reader = BufReader::new(read);
        let mut line = String::new();
        reader.read_line(&mut line).await?;
        let mut headers = HashMap::new();
        loop {
            line.clear();
            reader.read_line(&mut line).await?;
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((k, v)) = l.split_once(':') {
                headers.insert(k.trim().to_lowercase(), v.trim().to_string());
            }
        }
        let len: usize = headers.get("content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
        let mut body = vec![0; len];
        reader.read_exact(&mut body).await?;
        let fail = self.fail_next.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok();
        self.received.lock().unwrap().push(Received {
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
            ok: !fail,
        });
        tokio::time::sleep(self.delay).await;
        let status = if fail { "500 Internal Server Error" } else { "204 No Content" };
        write
            .write_all(format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n").as_bytes())
            .await?;
        Ok(())
    }

    /// Wait (up to 15 s) until `n` deliveries of `event` were accepted.
    pub async fn wait_for(&self, event: &str, n: usize) -> Vec<Received> {
        for _ in 0..150 {
            let got: Vec<Received> = self
                .received
                .lock()
                .unwrap()
                .iter()
                .filter(|r| r.ok && r.body.contains(&format!("\"type\":\"{event}\"")))
                .cloned()
                .collect();
            if got.len() >= n {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("fewer than {n} deliveries of {event} arrived");
    }
}
