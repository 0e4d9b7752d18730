//! Server-sent events (the `text/event-stream` format of the HTML standard, §9.2): one stream
//! per open page, a `reload` event to all of them after every rebuild.

use std::io::Write;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::Mutex;
use std::time::Duration;

/// A comment line is sent this often so that proxies and browsers keep an idle stream open
/// and a closed tab is noticed (the write fails).
const KEEPALIVE: Duration = Duration::from_secs(15);

/// The open event streams.
#[derive(Default)]
pub struct Broadcaster {
    clients: Mutex<Vec<Sender<String>>>,
}

impl Broadcaster {
    /// A new stream's receiving end; registered before this returns, so no later event is missed.
    pub fn subscribe(&self) -> Receiver<String> {
        let (sender, receiver) = mpsc::channel();
        if let Ok(mut clients) = self.clients.lock() {
            clients.push(sender);
        }
        receiver
    }

    /// Sends a `reload` event to every open stream. `paths` are the output files that changed;
    /// None means every page should reload (the error overlay came or went, or too many changed).
    pub fn reload(&self, generation: u64, paths: Option<&[String]>) {
        let data = serde_json::json!({ "generation": generation, "paths": paths });
        let message = format!("event: reload\ndata: {data}\n\n");
        if let Ok(mut clients) = self.clients.lock() {
            clients.retain(|client| client.send(message.clone()).is_ok());
        }
    }

    /// Ends every stream (the server is stopping).
    pub fn close(&self) {
        if let Ok(mut clients) = self.clients.lock() {
            clients.clear();
        }
    }
}

/// Writes the response head and then every event received until the stream is closed or the
/// client goes away. Runs on its own thread, one per open page.
pub fn stream(mut writer: Box<dyn Write + Send>, events: Receiver<String>) {
    let head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\n\
                Cache-Control: no-store\r\nConnection: close\r\n\r\n\
                retry: 500\n: connected\n\n";
    if write_now(&mut writer, head).is_err() {
        return;
    }
    loop {
        let message = match events.recv_timeout(KEEPALIVE) {
            Ok(message) => message,
            Err(RecvTimeoutError::Timeout) => ": keepalive\n\n".to_string(),
            Err(RecvTimeoutError::Disconnected) => return,
        };
        if write_now(&mut writer, &message).is_err() {
            return;
        }
    }
}

fn write_now(writer: &mut Box<dyn Write + Send>, text: &str) -> std::io::Result<()> {
    writer.write_all(text.as_bytes())?;
    writer.flush()
}
