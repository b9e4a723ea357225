//! A TCP proxy a test can cut: put between a program and its database server, it makes the
//! server go away and come back — as a restart does — without touching the server itself,
//! which every other test shares.
//!
//! [`TcpProxy::cut`] closes every connection through the proxy at once, and until
//! [`TcpProxy::restore`] each new one is closed as soon as it is accepted, before a byte is
//! forwarded: the client sees its connection end, as it does while a server shuts down or
//! starts up. The listener stays bound the whole time: giving the port up and binding it
//! again could lose it to another process, and the test with it.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// A loopback TCP proxy to one upstream address; stops when dropped.
pub struct TcpProxy {
    address: SocketAddr,
    shared: Arc<Shared>,
}

struct Shared {
    upstream: SocketAddr,
    stopped: AtomicBool,
    /// The cut flag and the open connections under one lock, so that a connection accepted
    /// while the proxy is being cut is either closed by the cut or refused after it.
    state: Mutex<State>,
    next_id: AtomicU64,
}

#[derive(Default)]
struct State {
    cut: bool,
    /// Both ends of every forwarded connection, by id.
    open: HashMap<u64, (TcpStream, TcpStream)>,
}

impl TcpProxy {
    /// A proxy on a free loopback port forwarding to `upstream`.
    pub fn to(upstream: impl ToSocketAddrs) -> TcpProxy {
        let upstream = upstream
            .to_socket_addrs()
            .expect("the upstream address resolves")
            .next()
            .expect("the upstream address names a host");
        let listener = TcpListener::bind("127.0.0.1:0").expect("a free loopback port for the proxy");
        let address = listener.local_addr().expect("the proxy's address");
        let shared = Arc::new(Shared {
            upstream,
            stopped: AtomicBool::new(false),
            state: Mutex::default(),
            next_id: AtomicU64::new(0),
        });
        let accepting = Arc::clone(&shared);
        std::thread::spawn(move || accept(&listener, &accepting));
        TcpProxy { address, shared }
    }

    /// Where clients connect.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Closes every connection through the proxy and refuses new ones until [`restore`].
    ///
    /// [`restore`]: TcpProxy::restore
    pub fn cut(&self) {
        let mut state = self.shared.lock();
        state.cut = true;
        for (_, (client, server)) in state.open.drain() {
            let _ = client.shutdown(Shutdown::Both);
            let _ = server.shutdown(Shutdown::Both);
        }
    }

    /// Forwards new connections again.
    pub fn restore(&self) {
        self.shared.lock().cut = false;
    }
}

impl Drop for TcpProxy {
    fn drop(&mut self) {
        self.shared.stopped.store(true, Ordering::SeqCst);
        self.cut();
        // Wakes the accept loop, which then sees it should stop.
        let _ = TcpStream::connect(self.address);
    }
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn accept(listener: &TcpListener, shared: &Arc<Shared>) {
    for client in listener.incoming() {
        if shared.stopped.load(Ordering::SeqCst) {
            return;
        }
        let Ok(client) = client else { continue };
        if shared.lock().cut {
            let _ = client.shutdown(Shutdown::Both);
            continue;
        }
        let Ok(server) = TcpStream::connect(shared.upstream) else {
            let _ = client.shutdown(Shutdown::Both);
            continue;
        };
        let (Ok(client_copy), Ok(server_copy)) = (client.try_clone(), server.try_clone()) else {
            continue;
        };
        let id = shared.next_id.fetch_add(1, Ordering::Relaxed);
        {
            let mut state = shared.lock();
            if state.cut {
                let _ = client.shutdown(Shutdown::Both);
                let _ = server.shutdown(Shutdown::Both);
                continue;
            }
            state.open.insert(id, (client_copy, server_copy));
        }
        let (Ok(client_reader), Ok(server_reader)) = (client.try_clone(), server.try_clone()) else {
            shared.lock().open.remove(&id);
            continue;
        };
        let upward = Arc::clone(shared);
        std::thread::spawn(move || pump(client_reader, server, id, &upward));
        let downward = Arc::clone(shared);
        std::thread::spawn(move || pump(server_reader, client, id, &downward));
    }
}

/// Copies `from` to `to` until either ends, then closes the connection both ways (so the
/// other direction's pump ends too) and forgets it.
fn pump(mut from: TcpStream, mut to: TcpStream, id: u64, shared: &Shared) {
    let mut buffer = [0u8; 16 * 1024];
    loop {
        match from.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if to.write_all(&buffer[..n]).is_err() {
                    break;
                }
            }
        }
    }
    let _ = from.shutdown(Shutdown::Both);
    let _ = to.shutdown(Shutdown::Both);
    shared.lock().open.remove(&id);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An upstream that echoes every line it reads.
    fn echo_server() -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                std::thread::spawn(move || {
                    let mut writer = stream.try_clone().unwrap();
                    let _ = std::io::copy(&mut &stream, &mut writer);
                });
            }
        });
        address
    }

    fn round_trip(stream: &mut TcpStream) -> std::io::Result<Vec<u8>> {
        stream.write_all(b"ping")?;
        let mut answer = [0u8; 4];
        stream.read_exact(&mut answer)?;
        Ok(answer.to_vec())
    }

    #[test]
    fn a_cut_closes_open_connections_and_refuses_new_ones_until_restored() {
        let proxy = TcpProxy::to(echo_server());
        let mut before = TcpStream::connect(proxy.address()).unwrap();
        assert_eq!(round_trip(&mut before).unwrap(), b"ping");

        proxy.cut();
        assert!(round_trip(&mut before).is_err(), "an open connection ends");
        let mut during = TcpStream::connect(proxy.address()).unwrap();
        assert!(round_trip(&mut during).is_err(), "a new connection ends unanswered");

        proxy.restore();
        let mut after = TcpStream::connect(proxy.address()).unwrap();
        assert_eq!(round_trip(&mut after).unwrap(), b"ping");
    }
}
