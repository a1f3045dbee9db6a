//! A webhook receiver for the tests: records each delivery, and answers 500 while told
//! to fail.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

/// One delivery: the body as JSON, and its `X-Scim-Signature`.
#[derive(Debug, Clone)]
pub struct Delivered {
    pub event: Value,
    pub raw: Vec<u8>,
    pub signature: Option<String>,
}

/// A receiver on a loopback port, answering in a thread of its own.
pub struct Receiver {
    pub url: String,
    failing: Arc<AtomicBool>,
    attempts: Arc<AtomicUsize>,
    delivered: Arc<Mutex<Vec<Delivered>>>,
}

impl Receiver {
    /// Starts one; it answers 500 while `failing`.
    pub fn start(failing: bool) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}/events", listener.local_addr().unwrap());
        let receiver = Receiver {
            url,
            failing: Arc::new(AtomicBool::new(failing)),
            attempts: Arc::default(),
            delivered: Arc::default(),
        };
        let (failing, attempts, delivered) = (
            receiver.failing.clone(),
            receiver.attempts.clone(),
            receiver.delivered.clone(),
        );
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let (failing, attempts, delivered) =
                    (failing.clone(), attempts.clone(), delivered.clone());
                std::thread::spawn(move || {
                    let _ = answer(stream, &failing, &attempts, &delivered);
                });
            }
        });
        receiver
    }

    /// Answers 2xx from now on.
    pub fn recover(&self) {
        self.failing.store(false, Ordering::SeqCst);
    }

    /// Requests received, answered 500 or not.
    pub fn attempts(&self) -> usize {
        self.attempts.load(Ordering::SeqCst)
    }

    /// What was taken (answered 2xx), in the order it came.
    pub fn delivered(&self) -> Vec<Delivered> {
        self.delivered.lock().unwrap().clone()
    }

    /// Waits until `done` holds for what was delivered, or panics after `within`.
    pub fn wait_for(&self, within: Duration, what: &str, done: impl Fn(&[Delivered]) -> bool) {
        let deadline = Instant::now() + within;
        while Instant::now() < deadline {
            if done(&self.delivered()) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "{what}: not delivered within {within:?} ({} taken, {} attempts)",
            self.delivered().len(),
            self.attempts()
        );
    }
}

/// Serves one connection's requests (HTTP/1.1 keep-alive) until it closes.
fn answer(
    stream: std::net::TcpStream,
    failing: &AtomicBool,
    attempts: &AtomicUsize,
    delivered: &Mutex<Vec<Delivered>>,
) -> std::io::Result<()> {
    let mut writer = stream.try_clone()?;
    let mut reader = BufReader::new(stream);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let (mut length, mut signature) = (0, None);
        loop {
            let mut header = String::new();
            reader.read_line(&mut header)?;
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                match name.trim().to_ascii_lowercase().as_str() {
                    "content-length" => length = value.trim().parse().unwrap_or(0),
                    "x-scim-signature" => signature = Some(value.trim().to_owned()),
                    _ => {}
                }
            }
        }
        let mut raw = vec![0; length];
        reader.read_exact(&mut raw)?;
        attempts.fetch_add(1, Ordering::SeqCst);
        let status = if failing.load(Ordering::SeqCst) {
            "500 Internal Server Error"
        } else {
            let event = serde_json::from_slice(&raw).unwrap_or(Value::Null);
            delivered.lock().unwrap().push(Delivered {
                event,
                raw,
                signature,
            });
            "204 No Content"
        };
        writer.write_all(format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\n\r\n").as_bytes())?;
    }
}
