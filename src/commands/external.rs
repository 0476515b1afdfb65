//! `plansite check --external`: are the links to other sites still alive?
//!
//! Collects every `http://` and `https://` link and image in the pages'
//! Markdown and every entity's `website`, asks each distinct URL once
//! (HEAD, then GET when a server refuses HEAD), many at a time but at most
//! `PER_HOST` (two) to one host, and reports each place a dead URL is written,
//! with file:line:col. Off by default: it needs the network and depends on
//! other people's servers.
//!
//! The URLs come from the site's authors, so this module must not become a
//! way to make the machine that runs the check talk to its own networks:
//! every host name is looked up here and connected to only at addresses
//! [`is_global`] accepts (or the user allowed), redirects are followed here
//! one at a time and checked the same way, and no proxy is used (a proxy
//! would look the names up itself, past the check).

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::Path;
use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, PoisonError};
use std::time::Duration;

use ureq::http::StatusCode;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{DefaultConnector, NextTimeout};
use url::Url;

use crate::build::{self, BuildOptions};
use crate::diagnostics::{self, Diagnostic};
use crate::site::Site;

/// URLs asked at the same time.
const PARALLEL: usize = 16;
/// Requests to one host at the same time: more makes many servers answer
/// 429 or 403 to links that are fine.
const PER_HOST: usize = 2;
const MAX_REDIRECTS: usize = 10;
const TIMEOUT: Duration = Duration::from_secs(20);

pub struct Report {
    pub diagnostics: Vec<Diagnostic>,
    /// Distinct URLs asked.
    pub urls: usize,
    /// Places they are written at.
    pub links: usize,
}

/// Where a URL is written: a file, its text, and the byte offset in it.
struct Place<'s> {
    file: &'s Path,
    text: &'s str,
    offset: usize,
}

/// What a server's answer means for a link.
enum Verdict {
    Alive,
    Dead(String),
    /// Not checked, why, and what the reader can do instead.
    Unchecked {
        why: String,
        hint: String,
    },
}

/// Loads the site at `root` and checks its external links, connecting to
/// public addresses and those in `allowed` only. Errors that stop the site
/// from loading at all are returned as they are.
pub fn check(root: &Path, drafts: bool, allowed: &[Network]) -> Report {
    let options = BuildOptions {
        root: root.to_owned(),
        output: None,
        base_url: None,
        drafts,
        purpose: build::Purpose::Check,
    };
    let (resolved, mut diagnostics) = build::resolve_site(&options, None);
    let Some((site, _)) = resolved else {
        return Report {
            diagnostics,
            urls: 0,
            links: 0,
        };
    };
    let by_url = collect(&site);
    let links = by_url.values().map(Vec::len).sum();
    let checker = Checker::new(allowed.to_vec());
    let verdicts = checker.ask_all(&interleaved(by_url.keys()));
    for (url, verdict) in verdicts {
        let (message, hint, error) = match verdict {
            Verdict::Alive => continue,
            Verdict::Dead(why) => (
                format!("link to `{url}` is broken: {why}"),
                "update the address, or link to an archived copy".to_owned(),
                true,
            ),
            Verdict::Unchecked { why, hint } => (format!("link to `{url}` was not checked: {why}"), hint, false),
        };
        for place in &by_url[url] {
            let d = if error {
                Diagnostic::error(place.file, message.clone())
            } else {
                Diagnostic::warning(place.file, message.clone())
            };
            diagnostics.push(d.at_offset(place.text, place.offset).with_hint(hint.clone()));
        }
    }
    diagnostics::sort(&mut diagnostics);
    Report {
        diagnostics,
        urls: by_url.len(),
        links,
    }
}

/// Every external URL (without its `#fragment`) and where it is written.
fn collect(site: &Site) -> BTreeMap<String, Vec<Place<'_>>> {
    let mut by_url: BTreeMap<String, Vec<Place>> = BTreeMap::new();
    for (page, analysis) in site.pages.iter().zip(&site.analyses) {
        for (url, offset) in &analysis.external {
            by_url.entry(without_fragment(url)).or_default().push(Place {
                file: &page.file,
                text: page.text(),
                offset: page.body_start + offset,
            });
        }
    }
    for entity in site.facts.values() {
        if let Some(url) = entity
            .facts
            .website
            .as_ref()
            .map(crate::source::link_policy::WebUrl::as_str)
            .filter(|u| crate::site::markdown::is_external(u))
        {
            by_url.entry(without_fragment(url)).or_default().push(Place {
                file: &entity.file,
                text: &entity.text,
                offset: entity.text.find(url).unwrap_or(0),
            });
        }
    }
    by_url
}

fn without_fragment(url: &str) -> String {
    url.split('#').next().unwrap_or(url).to_owned()
}

/// The URLs in rounds, one per host each, so that the first ones asked are
/// on different hosts and a site with many links to one host does not keep
/// every worker waiting for that host.
fn interleaved<'u>(urls: impl Iterator<Item = &'u String>) -> Vec<&'u String> {
    let mut by_host: BTreeMap<String, Vec<&String>> = BTreeMap::new();
    for url in urls {
        by_host.entry(host_key(url)).or_default().push(url);
    }
    let total = by_host.values().map(Vec::len).sum();
    let mut order = Vec::with_capacity(total);
    for round in 0.. {
        if order.len() == total {
            break;
        }
        order.extend(by_host.values().filter_map(|urls| urls.get(round)));
    }
    order
}

fn host_key(url: &str) -> String {
    Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_default()
}

/// An address or network allowed besides the public ones, as given to
/// `--allow-address`: `127.0.0.1`, `10.0.0.0/8`, `fd00::/8`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Network {
    addr: IpAddr,
    prefix: u32,
}

impl FromStr for Network {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let (addr, prefix) = match s.split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (s, None),
        };
        let addr = addr
            .parse::<IpAddr>()
            .map_err(|_| format!("`{addr}` is not an IP address"))?
            .to_canonical();
        let width = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => width,
            Some(p) => p
                .parse()
                .ok()
                .filter(|p| *p <= width)
                .ok_or_else(|| format!("`/{p}` is not a prefix length from 0 to {width}"))?,
        };
        Ok(Network { addr, prefix })
    }
}

impl Network {
    fn contains(&self, ip: IpAddr) -> bool {
        let (net, ip, width) = match (self.addr, ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => (u128::from(net.to_bits()), u128::from(ip.to_bits()), 32),
            (IpAddr::V6(net), IpAddr::V6(ip)) => (net.to_bits(), ip.to_bits(), 128),
            _ => return false,
        };
        let shift = width - self.prefix;
        net.checked_shr(shift).unwrap_or(0) == ip.checked_shr(shift).unwrap_or(0)
    }
}

/// Whether `ip` is a global unicast address: one a page on the public web
/// can mean. Everything else — loopback, private networks, link-local
/// (where clouds answer with their machines' credentials, at
/// 169.254.169.254), shared CGNAT space, documentation and benchmarking
/// ranges, multicast, broadcast, reserved — belongs to some local network,
/// and asking it would let a page make the checker probe the machine it
/// runs on. IPv6 forms that carry an IPv4 address (mapped, NAT64, 6to4) are
/// judged by that address.
pub fn is_global(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(ip) => is_global_v4(ip),
        IpAddr::V6(ip) => match embedded_v4(ip) {
            Some(v4) => is_global_v4(v4),
            None => is_global_v6(ip),
        },
    }
}

fn is_global_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(a == 0 // "this network"; connecting to 0.0.0.0 reaches this host
        || a == 10 // private
        || a == 100 && b & 0xc0 == 64 // shared address space (CGNAT), 100.64.0.0/10
        || a == 127 // loopback
        || a == 169 && b == 254 // link-local
        || a == 172 && b & 0xf0 == 16 // private, 172.16.0.0/12
        || a == 192 && b == 0 && c == 0 // protocol assignments (the few anycast ones are no web sites)
        || a == 192 && b == 0 && c == 2 // documentation
        || a == 192 && b == 88 && c == 99 // 6to4 relays (deprecated)
        || a == 192 && b == 168 // private
        || a == 198 && b & 0xfe == 18 // benchmarking, 198.18.0.0/15
        || a == 198 && b == 51 && c == 100 // documentation
        || a == 203 && b == 0 && c == 113 // documentation
        || a >= 224) // multicast, reserved, broadcast
}

fn is_global_v6(ip: Ipv6Addr) -> bool {
    let [a, b, ..] = ip.segments();
    let special = match (a, b) {
        (0x2001, ..0x0200) => true, // protocol assignments: Teredo, benchmarking, ORCHID, …
        (0x2001, 0x0db8) => true,   // documentation
        (0x3fff, ..0x1000) => true, // documentation, 3fff::/20
        _ => false,
    };
    // Global unicast addresses are allocated from 2000::/3 only; the rest is
    // unspecified, loopback, IPv4-compatible (deprecated), discard-only,
    // local NAT64, unique-local (fc00::/7), link-local (fe80::/10),
    // site-local, multicast or not allocated at all.
    a & 0xe000 == 0x2000 && !special
}

/// The IPv4 address an IPv6 address stands for: IPv4-mapped
/// (`::ffff:a.b.c.d`), NAT64 (`64:ff9b::a.b.c.d`) or 6to4 (`2002:aabb:ccdd::`).
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let last = Ipv4Addr::from_bits(ip.to_bits() as u32);
    match s {
        [0, 0, 0, 0, 0, 0xffff, _, _] | [0x64, 0xff9b, 0, 0, 0, 0, _, _] => Some(last),
        [0x2002, hi, lo, ..] => Some(Ipv4Addr::from_bits((u32::from(hi) << 16) | u32::from(lo))),
        _ => None,
    }
}

/// Why a host was not connected to: an address of it is not public.
#[derive(Debug)]
struct NotPublic(IpAddr);

impl fmt::Display for NotPublic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} is not a public address", self.0)
    }
}

impl std::error::Error for NotPublic {}

/// ureq's own resolver, with every address it finds checked before ureq
/// connects to it: the addresses checked are the addresses used, so a name
/// whose answer changes between a check and a connection (DNS rebinding)
/// cannot slip through.
#[derive(Debug)]
struct CheckedResolver {
    allowed: Vec<Network>,
    inner: DefaultResolver,
}

impl Resolver for CheckedResolver {
    fn resolve(
        &self,
        uri: &ureq::http::Uri,
        config: &ureq::config::Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let addrs = self.inner.resolve(uri, config, timeout)?;
        // One non-public address refuses the whole name: a public site's name
        // does not resolve into a private network by accident.
        let refused = addrs
            .iter()
            .map(|a| a.ip())
            .find(|ip| !is_global(*ip) && !self.allowed.iter().any(|n| n.contains(*ip)));
        match refused {
            Some(ip) => Err(ureq::Error::Other(Box::new(NotPublic(ip)))),
            None => Ok(addrs),
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Method {
    Head,
    Get,
}

/// How following a URL's redirects ended, when it ended without an answer.
enum Stop {
    /// The network, TLS or the timeout: worth asking again with GET.
    NoAnswer(ureq::Error),
    /// The redirects themselves settle it.
    Settled(Verdict),
}

struct Checker {
    agent: ureq::Agent,
    hosts: HostLimiter,
}

impl Checker {
    fn new(allowed: Vec<Network>) -> Checker {
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(TIMEOUT))
            .http_status_as_error(false)
            // `follow` follows redirects, checking every new host
            .max_redirects(0)
            // a proxy would look the names up itself, past `CheckedResolver`
            .proxy(None)
            .user_agent(concat!("plansite/", env!("CARGO_PKG_VERSION"), " (link check)"))
            .build();
        let resolver = CheckedResolver {
            allowed,
            inner: DefaultResolver::default(),
        };
        Checker {
            agent: ureq::Agent::with_parts(config, DefaultConnector::new(), resolver),
            hosts: HostLimiter::default(),
        }
    }

    /// Asks every URL, [`PARALLEL`] at a time, taking them in order.
    fn ask_all<'u>(&self, urls: &[&'u String]) -> Vec<(&'u String, Verdict)> {
        let next = AtomicUsize::new(0);
        let work = || {
            let mut done = Vec::new();
            while let Some(url) = urls.get(next.fetch_add(1, Ordering::Relaxed)) {
                done.push((*url, self.ask(url)));
            }
            done
        };
        std::thread::scope(|scope| {
            // a worker that cannot be started leaves its share to the others
            let workers: Vec<_> = (1..PARALLEL.min(urls.len()))
                .filter_map(|_| std::thread::Builder::new().spawn_scoped(scope, work).ok())
                .collect();
            let mut verdicts = work();
            for worker in workers {
                verdicts.extend(worker.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)));
            }
            verdicts
        })
    }

    fn ask(&self, url: &str) -> Verdict {
        let url = match Url::parse(url) {
            Ok(url) => url,
            Err(e) => return Verdict::Dead(format!("not a valid address: {e}")),
        };
        // Some servers refuse or mishandle HEAD; a GET (body left unread)
        // settles it. A server that asks us to slow down is not asked again.
        let answer = match self.follow(Method::Head, &url) {
            Ok(status) if status.is_success() => return Verdict::Alive,
            Ok(status) if status == StatusCode::TOO_MANY_REQUESTS => Ok(status),
            Ok(_) | Err(Stop::NoAnswer(_)) => self.follow(Method::Get, &url),
            Err(Stop::Settled(verdict)) => return verdict,
        };
        match answer {
            Ok(status) if status.is_success() => Verdict::Alive,
            Ok(status) if status == StatusCode::FORBIDDEN => Verdict::Unchecked {
                why: format!("the server answered {status}"),
                hint: "many servers refuse programs; open the link in a browser to check it by hand".to_owned(),
            },
            Ok(status) if status == StatusCode::TOO_MANY_REQUESTS => Verdict::Unchecked {
                why: format!("the server answered {status}"),
                hint: "the server asks for fewer requests; run the check again later".to_owned(),
            },
            Ok(status) => Verdict::Dead(format!("the server answered {status}")),
            Err(Stop::NoAnswer(e)) => Verdict::Dead(format!("no answer: {e}")),
            Err(Stop::Settled(verdict)) => verdict,
        }
    }

    /// Asks `start` with `method` and follows up to [`MAX_REDIRECTS`]
    /// redirects, each to an http(s) URL whose host is checked again;
    /// returns the status of the first answer that is not a redirect.
    fn follow(&self, method: Method, start: &Url) -> Result<StatusCode, Stop> {
        let mut url = start.clone();
        for hop in 0..=MAX_REDIRECTS {
            let (status, location) = self.request(method, &url).map_err(|e| match e {
                ureq::Error::Other(e) if e.is::<NotPublic>() => {
                    let ip = e.downcast_ref::<NotPublic>().map(|n| n.0);
                    Stop::Settled(not_public(start, &url, ip))
                }
                e => Stop::NoAnswer(e),
            })?;
            let redirect = [301, 302, 303, 307, 308].contains(&status.as_u16());
            if !redirect {
                return Ok(status);
            }
            if hop == MAX_REDIRECTS {
                break;
            }
            let Some(mut next) = location.and_then(|l| url.join(&l).ok()) else {
                return Err(Stop::Settled(Verdict::Dead(format!(
                    "the server answered {status} without a usable `Location`"
                ))));
            };
            if !matches!(next.scheme(), "http" | "https") {
                return Err(Stop::Settled(Verdict::Dead(format!(
                    "redirects to `{next}`, which is not an http(s) address"
                ))));
            }
            next.set_fragment(None);
            url = next;
        }
        Err(Stop::Settled(Verdict::Dead(format!(
            "still redirecting after {MAX_REDIRECTS} redirects"
        ))))
    }

    /// One request, the body left unread: the status and the `Location`.
    fn request(&self, method: Method, url: &Url) -> Result<(StatusCode, Option<String>), ureq::Error> {
        let _permit = self.hosts.acquire(url.host_str().unwrap_or_default());
        let response = match method {
            Method::Head => self.agent.head(url.as_str()).call()?,
            Method::Get => self.agent.get(url.as_str()).call()?,
        };
        let location = response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        Ok((response.status(), location))
    }
}

/// A link to a non-public address is a warning, not an error: it was not
/// asked, so nothing says it is dead, and it may work for readers inside
/// that network. It is still worth a look — on a public site it is usually
/// a mistake, or a page trying to make the checker probe its own network —
/// and the flag is named for the site that means it.
fn not_public(start: &Url, refused: &Url, ip: Option<IpAddr>) -> Verdict {
    let address = ip.map_or_else(String::new, |ip| format!(" ({ip})"));
    let why = if refused == start {
        format!("it resolves to a non-public address{address}")
    } else {
        format!("it redirects to `{refused}`, which resolves to a non-public address{address}")
    };
    let allow = ip.map_or_else(|| "ADDRESS".to_owned(), |ip| ip.to_string());
    Verdict::Unchecked {
        why,
        hint: format!(
            "a public page rarely links into a private network; if this one means to, \
             check it with `--allow-address {allow}`"
        ),
    }
}

/// Requests in flight per host name, at most [`PER_HOST`] each.
#[derive(Default)]
struct HostLimiter {
    busy: Mutex<HashMap<String, usize>>,
    freed: Condvar,
}

/// A request's place at its host, given back when dropped.
struct Permit<'l> {
    limiter: &'l HostLimiter,
    host: String,
}

impl HostLimiter {
    fn acquire(&self, host: &str) -> Permit<'_> {
        let mut busy = self.busy.lock().unwrap_or_else(PoisonError::into_inner);
        while busy.get(host).is_some_and(|n| *n >= PER_HOST) {
            busy = self.freed.wait(busy).unwrap_or_else(PoisonError::into_inner);
        }
        *busy.entry(host.to_owned()).or_default() += 1;
        Permit {
            limiter: self,
            host: host.to_owned(),
        }
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        let mut busy = self.limiter.busy.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(n) = busy.get_mut(&self.host) {
            *n -= 1;
            if *n == 0 {
                busy.remove(&self.host);
            }
        }
        self.limiter.freed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_global_unicast_addresses_are_global() {
        let table = [
            // IPv4
            ("0.0.0.0", false),
            ("0.1.2.3", false),
            ("10.0.0.1", false),
            ("10.255.255.255", false),
            ("100.63.255.255", true),
            ("100.64.0.1", false),
            ("100.127.255.255", false),
            ("100.128.0.0", true),
            ("127.0.0.1", false),
            ("127.0.0.2", false),
            ("169.254.169.254", false),
            ("169.255.0.1", true),
            ("172.15.255.255", true),
            ("172.16.0.1", false),
            ("172.31.255.255", false),
            ("172.32.0.0", true),
            ("192.0.0.8", false),
            ("192.0.2.1", false),
            ("192.88.99.1", false),
            ("192.168.1.1", false),
            ("192.169.0.1", true),
            ("198.17.255.255", true),
            ("198.18.0.1", false),
            ("198.19.255.255", false),
            ("198.20.0.0", true),
            ("198.51.100.7", false),
            ("203.0.113.9", false),
            ("203.0.114.1", true),
            ("224.0.0.1", false),
            ("239.255.255.250", false),
            ("240.0.0.1", false),
            ("255.255.255.255", false),
            ("1.1.1.1", true),
            ("8.8.8.8", true),
            ("193.183.104.4", true),
            ("223.255.255.255", true),
            // IPv6
            ("::", false),
            ("::1", false),
            ("::127.0.0.1", false),
            ("::8.8.8.8", false),
            ("::ffff:127.0.0.1", false),
            ("::ffff:10.0.0.1", false),
            ("::ffff:169.254.169.254", false),
            ("::ffff:8.8.8.8", true),
            ("64:ff9b::a00:1", false),
            ("64:ff9b::808:808", true),
            ("64:ff9b:1::808:808", false),
            ("100::1", false),
            ("2001::1", false),
            ("2001:0:4136:e378:8000:63bf:3fff:fdd2", false),
            ("2001:2::1", false),
            ("2001:db8::1", false),
            ("2002:7f00:1::1", false),
            ("2002:a00:1::1", false),
            ("2002:a9fe:a9fe::1", false),
            ("2002:808:808::1", true),
            ("2a00:1450:4010:c0e::64", true),
            ("2606:4700::1111", true),
            ("3ffe::1", true),
            ("3fff::1", false),
            ("3fff:fff::1", false),
            ("4000::1", false),
            ("5f00::1", false),
            ("fc00::1", false),
            ("fd12:3456::1", false),
            ("fe80::1", false),
            ("febf::1", false),
            ("fec0::1", false),
            ("ff02::1", false),
            ("ff0e::1", false),
        ];
        for (ip, global) in table {
            let parsed: IpAddr = ip.parse().unwrap();
            assert_eq!(is_global(parsed), global, "{ip}");
        }
    }

    #[test]
    fn allowed_networks() {
        let net = |s: &str| s.parse::<Network>().unwrap();
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert!(net("127.0.0.1").contains(ip("127.0.0.1")));
        assert!(net("127.0.0.1").contains(ip("::ffff:127.0.0.1")));
        assert!(!net("127.0.0.1").contains(ip("127.0.0.2")));
        assert!(net("10.0.0.0/8").contains(ip("10.20.30.40")));
        assert!(!net("10.0.0.0/8").contains(ip("11.0.0.0")));
        assert!(net("0.0.0.0/0").contains(ip("192.168.1.1")));
        assert!(!net("0.0.0.0/0").contains(ip("::1")));
        assert!(net("fd00::/8").contains(ip("fd12::1")));
        assert!(!net("fd00::/8").contains(ip("fe80::1")));
        assert!(net("::/0").contains(ip("fe80::1")));
        assert!(net("::1").contains(ip("::1")));
        assert!(net("::ffff:10.0.0.1").contains(ip("10.0.0.1")));
        for bad in ["localhost", "10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/x"] {
            assert!(bad.parse::<Network>().is_err(), "{bad}");
        }
    }

    #[test]
    fn urls_are_asked_one_host_per_round() {
        let urls: Vec<String> = [
            "http://a/1",
            "http://a/2",
            "http://a/3",
            "http://b/1",
            "http://c/1",
            "http://c/2",
        ]
        .map(str::to_owned)
        .into();
        let order: Vec<&str> = interleaved(urls.iter()).into_iter().map(String::as_str).collect();
        assert_eq!(
            order,
            [
                "http://a/1",
                "http://b/1",
                "http://c/1",
                "http://a/2",
                "http://c/2",
                "http://a/3"
            ]
        );
    }
}
