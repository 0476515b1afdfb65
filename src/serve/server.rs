//! The connections of `serve`. One thread accepts them and reads each
//! request head without blocking (mio readiness), under [`http::MAX_HEAD`]
//! and a deadline; requests for files go to a fixed pool of [`WORKERS`]
//! threads, which write their answers under write timeouts; live-reload
//! clients stay with the accepting thread, which writes events and
//! keep-alives to all of them without blocking and drops the gone and the
//! stalled. So no connection — idle, slow, or listening for reloads — holds
//! a thread of its own, and every queue has a bound. What is answered is
//! decided in [`http`] and [`files`]; this module only moves bytes.

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::{IpAddr, SocketAddr};
use std::sync::mpsc::{self, Receiver, Sender, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Registry, Token, Waker};

use super::http::{self, Response, Route};
use super::{State, files};

const LISTENER: Token = Token(0);
const WAKER: Token = Token(1);

/// Threads answering requests for files.
const WORKERS: usize = 8;
/// Requests waiting for a worker; beyond, 503.
const QUEUE: usize = 64;
/// Connections still sending their request head; beyond, the oldest is closed.
const MAX_WAITING: usize = 512;
/// Pages listening for reloads; beyond, 503 with `Retry-After`.
const MAX_LISTENING: usize = 100;
/// How long one write of a worker may block, and how long a live-reload
/// client may leave its events unread before it is dropped.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// A response still not sent after this long is cut off.
const SEND_DEADLINE: Duration = Duration::from_secs(30);
/// Bytes of events queued for one live-reload client; beyond, it is dropped.
const MAX_UNSENT: usize = 1 << 20;
/// How often live-reload clients get a keep-alive comment.
const KEEP_ALIVE_EVERY: Duration = Duration::from_secs(15);

pub(super) struct Server {
    poll: Poll,
    listener: TcpListener,
    addr: SocketAddr,
    waker: Arc<Waker>,
    sender: Sender<String>,
    messages: Receiver<String>,
}

/// Sends messages (`reload`, `error\n…`) to every live-reload client.
pub(super) struct Notifier {
    sender: Sender<String>,
    waker: Arc<Waker>,
}

impl Notifier {
    pub(super) fn send(&self, message: String) {
        if self.sender.send(message).is_ok() {
            let _ = self.waker.wake();
        }
    }
}

impl Server {
    /// Listens on `ip:port`, or the first free of the 20 ports after it.
    pub(super) fn bind(ip: IpAddr, port: u16) -> io::Result<Server> {
        let mut last = None;
        let mut listener = None;
        for p in port..=port.saturating_add(20) {
            match TcpListener::bind(SocketAddr::new(ip, p)) {
                Ok(l) => {
                    listener = Some(l);
                    break;
                }
                Err(e) => last = Some(e),
            }
        }
        let Some(mut listener) = listener else {
            return Err(last.unwrap_or_else(|| io::ErrorKind::AddrInUse.into()));
        };
        let addr = listener.local_addr()?;
        let poll = Poll::new()?;
        poll.registry().register(&mut listener, LISTENER, Interest::READABLE)?;
        let waker = Arc::new(Waker::new(poll.registry(), WAKER)?);
        let (sender, messages) = mpsc::channel();
        Ok(Server {
            poll,
            listener,
            addr,
            waker,
            sender,
            messages,
        })
    }

    pub(super) fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub(super) fn notifier(&self) -> Notifier {
        Notifier {
            sender: self.sender.clone(),
            waker: self.waker.clone(),
        }
    }

    /// Serves `state` until waiting for readiness fails; returns that error.
    /// A request head must arrive within `read_timeout` of connecting.
    pub(super) fn run(mut self, state: Arc<RwLock<State>>, read_timeout: Duration) -> io::Error {
        let mut conns = Connections {
            read_timeout,
            jobs: spawn_workers(&state),
            next: 2,
            waiting: HashMap::new(),
            listening: HashMap::new(),
            overlay: None,
            keep_alive_at: Instant::now() + KEEP_ALIVE_EVERY,
            retry_accept_at: None,
        };
        let mut events = Events::with_capacity(1024);
        loop {
            let timeout = conns.next_deadline().saturating_duration_since(Instant::now());
            if let Err(e) = self.poll.poll(&mut events, Some(timeout)) {
                if e.kind() == io::ErrorKind::Interrupted {
                    continue;
                }
                return e;
            }
            let registry = self.poll.registry();
            for event in &events {
                match event.token() {
                    LISTENER => conns.accept(&self.listener, registry),
                    WAKER => {
                        while let Ok(message) = self.messages.try_recv() {
                            conns.broadcast(registry, message);
                        }
                    }
                    token => conns.ready(registry, token),
                }
            }
            conns.expire(&self.listener, registry);
        }
    }
}

struct Connections {
    read_timeout: Duration,
    jobs: SyncSender<Job>,
    /// The next connection's token.
    next: usize,
    /// Connections whose request head has not all arrived.
    waiting: HashMap<Token, Waiting>,
    /// Live-reload clients.
    listening: HashMap<Token, Listening>,
    /// The last build's errors while they stand: a page that starts
    /// listening is sent them first.
    overlay: Option<String>,
    keep_alive_at: Instant,
    /// Accepting failed (out of file descriptors?): try again then; the
    /// connection waits in the listen backlog meanwhile.
    retry_accept_at: Option<Instant>,
}

struct Waiting {
    stream: TcpStream,
    head: Vec<u8>,
    deadline: Instant,
}

struct Listening {
    stream: TcpStream,
    unsent: Vec<u8>,
    /// Since when the client has not taken what was written to it.
    stalled: Option<Instant>,
}

/// A request for a file, handed to a worker with its connection.
struct Job {
    stream: std::net::TcpStream,
    target: String,
    head_only: bool,
}

impl Connections {
    fn next_deadline(&self) -> Instant {
        let waiting = self.waiting.values().map(|w| w.deadline);
        let stalled = self
            .listening
            .values()
            .filter_map(|l| l.stalled)
            .map(|s| s + WRITE_TIMEOUT);
        waiting
            .chain(stalled)
            .chain(self.retry_accept_at)
            .fold(self.keep_alive_at, Instant::min)
    }

    fn accept(&mut self, listener: &TcpListener, registry: &Registry) {
        self.retry_accept_at = None;
        loop {
            match listener.accept() {
                Ok((mut stream, _)) => {
                    if self.waiting.len() >= MAX_WAITING {
                        self.close_oldest_waiting(registry);
                    }
                    let token = Token(self.next);
                    self.next += 1;
                    if registry.register(&mut stream, token, Interest::READABLE).is_ok() {
                        let deadline = Instant::now() + self.read_timeout;
                        let head = Vec::new();
                        self.waiting.insert(token, Waiting { stream, head, deadline });
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if matches!(e.kind(), io::ErrorKind::Interrupted | io::ErrorKind::ConnectionAborted) => {}
                Err(_) => {
                    self.retry_accept_at = Some(Instant::now() + Duration::from_millis(100));
                    return;
                }
            }
        }
    }

    fn close_oldest_waiting(&mut self, registry: &Registry) {
        let oldest = self.waiting.iter().min_by_key(|(_, w)| w.deadline).map(|(t, _)| *t);
        if let Some(w) = oldest.and_then(|t| self.waiting.remove(&t)) {
            close(registry, w.stream);
        }
    }

    /// A connection is readable or writable.
    fn ready(&mut self, registry: &Registry, token: Token) {
        if let Some(w) = self.waiting.get_mut(&token) {
            let outcome = read_head(&mut w.stream, &mut w.head);
            if matches!(outcome, Head::Pending) {
                return;
            }
            let Some(Waiting { mut stream, head, .. }) = self.waiting.remove(&token) else {
                return;
            };
            match outcome {
                Head::Pending => {}
                Head::Closed => close(registry, stream),
                Head::TooLarge => {
                    let text = format!("request head too large: at most {} KiB\n", http::MAX_HEAD / 1024);
                    send_now(&mut stream, &Response::text(431, &text).into_bytes(false));
                    close(registry, stream);
                }
                Head::Complete(end) => self.dispatch(registry, token, stream, &head[..end]),
            }
        } else if let Some(l) = self.listening.get_mut(&token)
            && l.ready().is_err()
            && let Some(l) = self.listening.remove(&token)
        {
            close(registry, l.stream);
        }
    }

    fn dispatch(&mut self, registry: &Registry, token: Token, mut stream: TcpStream, head: &[u8]) {
        let local = stream.local_addr().ok().map(|a| a.ip());
        match http::route(head, local) {
            Route::Reply(bytes) => {
                send_now(&mut stream, &bytes);
                close(registry, stream);
            }
            Route::Events => self.listen(registry, token, stream),
            Route::File { target, head_only } => {
                let _ = registry.deregister(&mut stream);
                let stream = std::net::TcpStream::from(stream);
                if stream.set_nonblocking(false).is_err() {
                    return;
                }
                let job = Job {
                    stream,
                    target,
                    head_only,
                };
                if let Err(TrySendError::Full(mut job) | TrySendError::Disconnected(mut job)) = self.jobs.try_send(job)
                {
                    let busy = Response::text(503, "busy: try again\n").header("Retry-After", "1");
                    if job.stream.set_nonblocking(true).is_ok() {
                        send_now(&mut job.stream, &busy.into_bytes(job.head_only));
                    }
                }
            }
        }
    }

    fn listen(&mut self, registry: &Registry, token: Token, mut stream: TcpStream) {
        if self.listening.len() >= MAX_LISTENING {
            let full =
                Response::text(503, "too many pages listen for reloads: close some\n").header("Retry-After", "5");
            send_now(&mut stream, &full.into_bytes(false));
            close(registry, stream);
            return;
        }
        let interest = Interest::READABLE | Interest::WRITABLE;
        if registry.reregister(&mut stream, token, interest).is_err() {
            close(registry, stream);
            return;
        }
        let mut client = Listening {
            stream,
            unsent: Vec::new(),
            stalled: None,
        };
        let mut start = http::EVENTS_HEAD.to_vec();
        if let Some(errors) = &self.overlay {
            start.extend(http::event(errors));
        }
        if client.push(&start).is_ok() {
            self.listening.insert(token, client);
        } else {
            close(registry, client.stream);
        }
    }

    fn broadcast(&mut self, registry: &Registry, message: String) {
        let bytes = http::event(&message);
        self.overlay = (message.split('\n').next() == Some("error")).then_some(message);
        self.send_all(registry, &bytes);
    }

    fn send_all(&mut self, registry: &Registry, bytes: &[u8]) {
        let failed: Vec<Token> = self
            .listening
            .iter_mut()
            .filter_map(|(token, l)| l.push(bytes).is_err().then_some(*token))
            .collect();
        for token in failed {
            if let Some(l) = self.listening.remove(&token) {
                close(registry, l.stream);
            }
        }
    }

    /// Closes what has waited too long, sends keep-alives when due, and
    /// retries accepting after a failure.
    fn expire(&mut self, listener: &TcpListener, registry: &Registry) {
        let now = Instant::now();
        let late: Vec<Token> = self
            .waiting
            .iter()
            .filter(|(_, w)| w.deadline <= now)
            .map(|(t, _)| *t)
            .collect();
        for token in late {
            if let Some(mut w) = self.waiting.remove(&token) {
                // a connection that sent nothing is closed quietly (browsers
                // open some ahead of need)
                if !w.head.is_empty() {
                    let timeout = Response::text(408, "request timeout: the request took too long to arrive\n");
                    send_now(&mut w.stream, &timeout.into_bytes(false));
                }
                close(registry, w.stream);
            }
        }
        let stalled: Vec<Token> = self
            .listening
            .iter()
            .filter(|(_, l)| l.stalled.is_some_and(|s| s + WRITE_TIMEOUT <= now))
            .map(|(t, _)| *t)
            .collect();
        for token in stalled {
            if let Some(l) = self.listening.remove(&token) {
                close(registry, l.stream);
            }
        }
        if self.keep_alive_at <= now {
            self.keep_alive_at = now + KEEP_ALIVE_EVERY;
            self.send_all(registry, http::KEEP_ALIVE);
        }
        if self.retry_accept_at.is_some_and(|at| at <= now) {
            self.accept(listener, registry);
        }
    }
}

enum Head {
    Pending,
    Complete(usize),
    TooLarge,
    Closed,
}

/// Reads what has arrived of a request head, up to the end of the head or
/// a little past [`http::MAX_HEAD`].
fn read_head(stream: &mut TcpStream, head: &mut Vec<u8>) -> Head {
    let mut chunk = [0; 4096];
    loop {
        if let Some(end) = http::head_end(head) {
            return if end > http::MAX_HEAD {
                Head::TooLarge
            } else {
                Head::Complete(end)
            };
        }
        if head.len() > http::MAX_HEAD {
            return Head::TooLarge;
        }
        match stream.read(&mut chunk) {
            Ok(0) => return Head::Closed,
            Ok(n) => head.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Head::Pending,
            Err(_) => return Head::Closed,
        }
    }
}

impl Listening {
    /// Queues `bytes` and writes what the connection takes now; an error
    /// means the client is gone or too far behind.
    fn push(&mut self, bytes: &[u8]) -> io::Result<()> {
        if self.unsent.len() + bytes.len() > MAX_UNSENT {
            return Err(io::Error::other("live-reload client too far behind"));
        }
        self.unsent.extend_from_slice(bytes);
        self.flush()
    }

    fn flush(&mut self) -> io::Result<()> {
        while !self.unsent.is_empty() {
            match self.stream.write(&self.unsent) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => {
                    self.unsent.drain(..n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.stalled.get_or_insert_with(Instant::now);
                    return Ok(());
                }
                Err(e) => return Err(e),
            }
        }
        self.stalled = None;
        Ok(())
    }

    /// Readiness: what the page sends (nothing, normally) is read and
    /// dropped, its going away noticed, and what is queued written.
    fn ready(&mut self) -> io::Result<()> {
        let mut sink = [0; 1024];
        loop {
            match self.stream.read(&mut sink) {
                Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) => return Err(e),
            }
        }
        self.flush()
    }
}

fn close(registry: &Registry, mut stream: TcpStream) {
    let _ = registry.deregister(&mut stream);
}

/// One write without waiting, for short answers that a fresh connection's
/// send buffer always holds; what does not fit is dropped with the connection.
fn send_now(stream: &mut impl Write, bytes: &[u8]) {
    let _ = stream.write(bytes);
}

fn spawn_workers(state: &Arc<RwLock<State>>) -> SyncSender<Job> {
    let (jobs, queue) = mpsc::sync_channel::<Job>(QUEUE);
    let queue = Arc::new(Mutex::new(queue));
    for _ in 0..WORKERS {
        let (queue, state) = (queue.clone(), state.clone());
        std::thread::spawn(move || {
            loop {
                let job = queue.lock().unwrap_or_else(|e| e.into_inner()).recv();
                let Ok(job) = job else { return };
                // a defect in answering one request answers it with 500
                // and keeps the worker (the panic is printed)
                let answered =
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| files::answer(&job.target, &state)));
                let response = answered.unwrap_or_else(|_| {
                    Response::text(
                        500,
                        "plansite failed to answer this request; the message is in its terminal\n",
                    )
                });
                let _ = send(job.stream, &response, job.head_only);
            }
        });
    }
    jobs
}

/// Writes a response, no write blocking longer than [`WRITE_TIMEOUT`] and
/// no writing starting after [`SEND_DEADLINE`]: a client that reads slowly
/// or not at all cannot keep a worker.
fn send(mut stream: std::net::TcpStream, response: &Response, head_only: bool) -> io::Result<()> {
    stream.set_write_timeout(Some(WRITE_TIMEOUT))?;
    let deadline = Instant::now() + SEND_DEADLINE;
    write_by(&mut stream, &response.head(), deadline)?;
    if !head_only {
        write_by(&mut stream, response.body_bytes(), deadline)?;
    }
    Ok(())
}

fn write_by(stream: &mut std::net::TcpStream, mut bytes: &[u8], deadline: Instant) -> io::Result<()> {
    while !bytes.is_empty() {
        if Instant::now() >= deadline {
            return Err(io::ErrorKind::TimedOut.into());
        }
        match stream.write(bytes) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => bytes = &bytes[n..],
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
