//! The SSRF policy for user-supplied webhook URLs: which schemes and which
//! addresses a delivery may reach.
//!
//! By default only `https` URLs whose host is, or resolves only to, public
//! unicast addresses are allowed ([`is_public`]). Operators may opt in to
//! `http` ([`Policy::allow_http`]) and to non-public ranges
//! ([`Policy::allow_cidrs`]), for tests and on-premises receivers.
//!
//! The URL is checked with the WHATWG host parser of the `url` crate, which
//! turns every IPv4 notation (`2130706433`, `0177.0.0.1`, `0x7f.0.0.1`,
//! `127.1`) and bracketed IPv6 into an address, so literals are judged as
//! addresses. Names are resolved once per attempt by [`Policy::vet`], and the
//! connection is pinned to exactly the vetted addresses (see
//! [`attempt`](super::attempt())), so a rebinding DNS answer cannot slip past.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::str::FromStr;

use ipnet::IpNet;
use url::{Host, Url};

use super::Error;

/// The schemes allowed, in words, for the [`Error::Scheme`] message.
const HTTPS_ONLY: &str = "https";
/// Likewise, when [`Policy::allow_http`] is set.
const HTTPS_OR_HTTP: &str = "https or http";

/// Which webhook targets may be reached. The default is the safe one: `https`
/// only, public addresses only.
#[derive(Clone, Debug, Default)]
pub struct Policy {
    /// Ranges allowed even though they are not public (e.g. `127.0.0.0/8` for
    /// tests, `10.0.0.0/8` on premises). Defaults to empty.
    pub allow_cidrs: Vec<Cidr>,
    /// Whether `http://` URLs are allowed. Defaults to false.
    pub allow_http: bool,
}

/// An IPv4 or IPv6 network: an address and a prefix length. Host bits are
/// cleared when parsing, so `10.1.2.3/8` is `10.0.0.0/8`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cidr(IpNet);

/// A URL that passed the syntactic checks: scheme allowed, host present, no
/// credentials, no IP literal outside the policy.
#[derive(Clone, Debug)]
pub struct Target {
    /// The parsed (WHATWG-normalised) URL.
    pub url: Url,
    /// The host as the URL spells it after normalisation: a lowercase ASCII
    /// domain, or an IP address (IPv6 without brackets).
    pub host: String,
    /// The port, explicit or the scheme's default.
    pub port: u16,
}

impl FromStr for Cidr {
    type Err = Error;

    /// Parses `127.0.0.0/8`, `::1/128`, or a bare address (a `/32` or `/128`). The
    /// address is read as `std` reads one (dotted-quad IPv4, no shorthand) and the
    /// prefix as plain decimal digits, so that `127.1/8` or `10.0.0.0/+8` are refused
    /// rather than guessed at.
    fn from_str(text: &str) -> Result<Cidr, Error> {
        let invalid = |reason: &str| Error::InvalidCidr {
            text: text.to_string(),
            reason: reason.to_string(),
        };
        let trimmed = text.trim();
        let (addr_text, prefix_text) = match trimmed.split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (trimmed, None),
        };
        let addr: IpAddr = addr_text
            .parse()
            .map_err(|_| invalid("the address is neither IPv4 nor IPv6"))?;
        let Some(prefix) = prefix_text else {
            return Ok(Cidr(IpNet::from(addr)));
        };
        if prefix.is_empty() || prefix.len() > 3 || !prefix.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid("the prefix length must be a number"));
        }
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let net = prefix
            .parse::<u8>()
            .ok()
            .and_then(|prefix| IpNet::new(addr, prefix).ok())
            .ok_or_else(|| {
                invalid(&format!(
                    "the prefix length must be at most {max} for this address"
                ))
            })?;
        Ok(Cidr(net.trunc()))
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl Cidr {
    /// Whether `ip` lies in this network. An IPv4 network never contains an
    /// IPv6 address, not even a mapped one ([`Policy::allows`] handles those).
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.0.contains(&ip)
    }
}

/// The netmask of an IPv6 prefix length (at most 128).
fn mask_v6(prefix: u8) -> u128 {
    u128::MAX
        .checked_shl(128 - u32::from(prefix.min(128)))
        .unwrap_or(0)
}

/// Parses a comma-separated list of CIDRs; whitespace and empty entries are
/// ignored, so `""` is the empty list.
pub fn parse_cidrs(list: &str) -> Result<Vec<Cidr>, Error> {
    list.split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .map(Cidr::from_str)
        .collect()
}

/// Whether `ip` is a public unicast address a webhook may reach without an
/// allow-list entry. IPv6 forms that carry an IPv4 address which the network
/// will actually reach (IPv4-mapped, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`)
/// are judged by that IPv4 address.
pub fn is_public(ip: IpAddr) -> bool {
    refusal(ip).is_none()
}

/// Why `ip` is not public, as a noun phrase ("a loopback address"), or `None`
/// when it is public.
fn refusal(ip: IpAddr) -> Option<String> {
    match ip {
        IpAddr::V4(v4) => refusal_v4(v4).map(str::to_string),
        IpAddr::V6(v6) => refusal_v6(v6),
    }
}

/// The IPv4 ranges that are not public (IANA special-purpose registry).
fn refusal_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, d] = ip.octets();
    let reason = match (a, b, c, d) {
        (0, 0, 0, 0) => "the unspecified address",
        (0, ..) => "a \"this network\" address (0.0.0.0/8)",
        (10, ..) => "a private address",
        (100, 64..=127, ..) => "a shared (carrier-grade NAT) address",
        (127, ..) => "a loopback address",
        (169, 254, 169, 254) => "a link-local address (the cloud metadata endpoint)",
        (169, 254, ..) => "a link-local address",
        (172, 16..=31, ..) => "a private address",
        (192, 0, 0, _) => "an IETF protocol assignment address",
        (192, 0, 2, _) | (198, 51, 100, _) | (203, 0, 113, _) => "a documentation address",
        (192, 88, 99, _) => "a deprecated 6to4 relay address",
        (192, 168, ..) => "a private address",
        (198, 18..=19, ..) => "a benchmarking address",
        (224..=239, ..) => "a multicast address",
        (255, 255, 255, 255) => "the broadcast address",
        (240..=255, ..) => "a reserved address",
        _ => return None,
    };
    Some(reason)
}

/// The IPv4 address an IPv6 address stands for on the wire, if it is one of
/// the translated forms: IPv4-mapped `::ffff:0:0/96`, NAT64 `64:ff9b::/96`,
/// or 6to4 `2002::/16` (the 32 bits after the prefix).
fn embedded_v4(ip: Ipv6Addr) -> Option<(Ipv4Addr, &'static str)> {
    let bits = u128::from(ip);
    let low32 = Ipv4Addr::from((bits & 0xffff_ffff) as u32);
    if bits >> 32 == 0xffff {
        return Some((low32, "an IPv4-mapped address"));
    }
    if bits >> 32 == 0x0064_ff9b_0000_0000_0000_0000 {
        return Some((low32, "a NAT64 address"));
    }
    if bits >> 112 == 0x2002 {
        let v4 = Ipv4Addr::from(((bits >> 80) & 0xffff_ffff) as u32);
        return Some((v4, "a 6to4 address"));
    }
    None
}

/// The IPv6 ranges that are not public. Only `2000::/3` is allocated for
/// global unicast; everything outside it is refused unless it is a translated
/// form of a public IPv4 address.
fn refusal_v6(ip: Ipv6Addr) -> Option<String> {
    if let Some((v4, form)) = embedded_v4(ip) {
        return refusal_v4(v4).map(|reason| format!("{form} for {v4}, {reason}"));
    }
    let bits = u128::from(ip);
    let in_net = |net: u128, prefix: u8| bits & mask_v6(prefix) == net;
    let reason = if bits == 0 {
        "the unspecified address"
    } else if bits == 1 {
        "a loopback address"
    } else if in_net(0, 96) {
        "a deprecated IPv4-compatible address"
    } else if in_net(0x0064_ff9b_0001 << 80, 48) {
        "a local-use NAT64 address"
    } else if in_net(0x0100 << 112, 64) {
        "a discard-only address"
    } else if in_net(0xfc00 << 112, 7) {
        "a unique local address"
    } else if in_net(0xfe80 << 112, 10) {
        "a link-local address"
    } else if in_net(0xfec0 << 112, 10) {
        "a deprecated site-local address"
    } else if in_net(0xff00 << 112, 8) {
        "a multicast address"
    } else if !in_net(0x2000 << 112, 3) {
        "a reserved address"
    } else if in_net(0x2001_0000 << 96, 32) {
        "a Teredo address"
    } else if in_net(0x2001_0db8 << 96, 32) || in_net(0x3fff << 112, 20) {
        "a documentation address"
    } else if in_net(0x2001_0002_0000 << 80, 48) {
        "a benchmarking address"
    } else if in_net(0x2001 << 112, 23) {
        "an IETF protocol assignment address"
    } else {
        return None;
    };
    Some(reason.to_string())
}

impl Policy {
    /// Whether a delivery may connect to `ip`: it is public, or an allow-list
    /// entry contains it (or contains the IPv4 address that a mapped, NAT64
    /// or 6to4 form stands for).
    pub fn allows(&self, ip: IpAddr) -> bool {
        if is_public(ip) || self.allow_cidrs.iter().any(|cidr| cidr.contains(ip)) {
            return true;
        }
        match ip {
            IpAddr::V6(v6) => embedded_v4(v6).is_some_and(|(v4, _)| {
                self.allow_cidrs
                    .iter()
                    .any(|cidr| cidr.contains(IpAddr::V4(v4)))
            }),
            IpAddr::V4(_) => false,
        }
    }

    /// The refusal of `ip`, or `Ok` if [`Policy::allows`] it.
    fn check_ip(&self, ip: IpAddr) -> Result<(), Error> {
        if self.allows(ip) {
            return Ok(());
        }
        let reason = refusal(ip).unwrap_or_else(|| "an address the policy refuses".to_string());
        Err(Error::Blocked { ip, reason })
    }

    /// The submit-time check of a webhook URL, without DNS: the scheme is
    /// `https` (or `http` if allowed), there are no credentials, there is a
    /// host, and an IP-literal host is allowed. Each error says why.
    pub fn check_url(&self, url: &str) -> Result<Target, Error> {
        let url = Url::parse(url.trim()).map_err(|e| Error::InvalidUrl(e.to_string()))?;
        let scheme_ok = match url.scheme() {
            "https" => true,
            "http" => self.allow_http,
            _ => false,
        };
        if !scheme_ok {
            let allowed = if self.allow_http {
                HTTPS_OR_HTTP
            } else {
                HTTPS_ONLY
            };
            return Err(Error::Scheme { allowed });
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Error::Credentials);
        }
        let host = match url.host() {
            None => return Err(Error::InvalidUrl("it has no host".to_string())),
            Some(Host::Domain(domain)) => domain.to_string(),
            Some(Host::Ipv4(v4)) => {
                self.check_ip(IpAddr::V4(v4))?;
                v4.to_string()
            }
            Some(Host::Ipv6(v6)) => {
                self.check_ip(IpAddr::V6(v6))?;
                v6.to_string()
            }
        };
        if host.is_empty() {
            return Err(Error::InvalidUrl("it has no host".to_string()));
        }
        let port = url
            .port_or_known_default()
            .ok_or_else(|| Error::InvalidUrl("it has no port".to_string()))?;
        Ok(Target { url, host, port })
    }

    /// Resolves (`tokio::net::lookup_host`) and vets every address; Err if
    /// none or ANY is not allowed. IP literals are vetted without DNS.
    ///
    /// Refusing the whole name when one address is bad (rather than keeping
    /// the good ones) means a name that mixes public and internal answers is
    /// never delivered to, whichever address the connection would pick.
    pub async fn vet(&self, target: &Target) -> Result<Vec<SocketAddr>, Error> {
        let literal = match target.url.host() {
            Some(Host::Ipv4(v4)) => Some(IpAddr::V4(v4)),
            Some(Host::Ipv6(v6)) => Some(IpAddr::V6(v6)),
            Some(Host::Domain(_)) | None => None,
        };
        if let Some(ip) = literal {
            self.check_ip(ip)?;
            return Ok(vec![SocketAddr::new(ip, target.port)]);
        }
        let resolved = tokio::net::lookup_host((target.host.as_str(), target.port))
            .await
            .map_err(|source| Error::Dns {
                host: target.host.clone(),
                source,
            })?;
        let mut addrs: Vec<SocketAddr> = Vec::new();
        for addr in resolved {
            self.check_ip(addr.ip())?;
            if !addrs.contains(&addr) {
                addrs.push(addr);
            }
        }
        if addrs.is_empty() {
            return Err(Error::NoAddresses {
                host: target.host.clone(),
            });
        }
        Ok(addrs)
    }
}

#[cfg(test)]
mod tests;
