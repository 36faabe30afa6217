//! Tests of the SSRF policy: CIDR parsing, the public/non-public classes,
//! URL checks (including every IPv4 literal notation) and DNS vetting.

use super::*;

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

fn allowing(cidrs: &str) -> Policy {
    Policy {
        allow_cidrs: parse_cidrs(cidrs).unwrap(),
        allow_http: false,
    }
}

/// One address of every blocked class, and a CIDR that allow-lists it.
const BLOCKED: &[(&str, &str, &str)] = &[
    ("127.0.0.1", "127.0.0.0/8", "loopback"),
    ("127.255.0.9", "127.0.0.0/8", "loopback"),
    ("::1", "::1/128", "loopback"),
    ("10.1.2.3", "10.0.0.0/8", "private"),
    ("172.16.0.1", "172.16.0.0/12", "private"),
    ("172.31.255.254", "172.16.0.0/12", "private"),
    ("192.168.1.1", "192.168.0.0/16", "private"),
    ("169.254.169.254", "169.254.169.254", "metadata"),
    ("169.254.1.1", "169.254.0.0/16", "link-local"),
    ("100.64.0.1", "100.64.0.0/10", "carrier-grade NAT"),
    ("100.127.255.255", "100.64.0.0/10", "carrier-grade NAT"),
    ("0.0.0.0", "0.0.0.0/32", "unspecified"),
    ("0.1.2.3", "0.0.0.0/8", "this network"),
    ("255.255.255.255", "255.255.255.255/32", "broadcast"),
    ("224.0.0.1", "224.0.0.0/4", "multicast"),
    ("239.255.255.250", "224.0.0.0/4", "multicast"),
    ("ff02::1", "ff00::/8", "multicast"),
    ("ff0e::1", "ff00::/8", "multicast"),
    ("192.0.2.1", "192.0.2.0/24", "documentation"),
    ("198.51.100.7", "198.51.100.0/24", "documentation"),
    ("203.0.113.9", "203.0.113.0/24", "documentation"),
    ("2001:db8::1", "2001:db8::/32", "documentation"),
    ("198.18.0.1", "198.18.0.0/15", "benchmarking"),
    ("198.19.255.1", "198.18.0.0/15", "benchmarking"),
    ("240.0.0.1", "240.0.0.0/4", "reserved"),
    ("192.0.0.8", "192.0.0.0/24", "IETF"),
    ("::", "::/128", "unspecified"),
    ("fc00::1", "fc00::/7", "unique local"),
    ("fd12:3456::1", "fc00::/7", "unique local"),
    ("fe80::1", "fe80::/10", "link-local"),
    ("febf::1", "fe80::/10", "link-local"),
    (
        "::ffff:127.0.0.1",
        "127.0.0.0/8",
        "IPv4-mapped address for 127.0.0.1, a loopback",
    ),
    (
        "::ffff:10.0.0.1",
        "::ffff:0:0/96",
        "IPv4-mapped address for 10.0.0.1, a private",
    ),
    ("::ffff:169.254.169.254", "169.254.0.0/16", "metadata"),
    (
        "64:ff9b::7f00:1",
        "127.0.0.0/8",
        "NAT64 address for 127.0.0.1, a loopback",
    ),
    (
        "64:ff9b::a9fe:a9fe",
        "64:ff9b::/96",
        "NAT64 address for 169.254.169.254",
    ),
    (
        "2002:7f00:1::",
        "127.0.0.0/8",
        "6to4 address for 127.0.0.1, a loopback",
    ),
    (
        "2002:c0a8:101::1",
        "2002::/16",
        "6to4 address for 192.168.1.1, a private",
    ),
    ("::127.0.0.1", "::/96", "IPv4-compatible"),
    ("::8.8.8.8", "::/96", "IPv4-compatible"),
    ("2001::1", "2001::/32", "Teredo"),
    (
        "2001:0:4136:e378:8000:63bf:3fff:fdd2",
        "2001::/32",
        "Teredo",
    ),
    ("2001:2::1", "2001:2::/48", "benchmarking"),
    ("64:ff9b:1::1", "64:ff9b:1::/48", "local-use NAT64"),
    ("100::1", "100::/64", "discard"),
    ("fec0::1", "fec0::/10", "site-local"),
    ("3fff::1", "3fff::/20", "documentation"),
    ("4000::1", "4000::/3", "reserved"),
];

const PUBLIC: &[&str] = &[
    "8.8.8.8",
    "1.1.1.1",
    "93.184.215.14",
    "100.63.255.255",
    "100.128.0.0",
    "172.15.255.255",
    "172.32.0.0",
    "192.169.0.1",
    "198.17.255.255",
    "198.20.0.0",
    "223.255.255.255",
    "169.253.1.1",
    "11.0.0.1",
    "2606:4700::1111",
    "2a00:1450:4001:80b::200e",
    "2001:4860:4860::8888",
    "::ffff:8.8.8.8",
    "64:ff9b::808:808",
    "2002:808:808::1",
];

#[test]
fn every_blocked_class_is_refused_by_default_with_a_reason() {
    let policy = Policy::default();
    for &(addr, _, reason) in BLOCKED {
        let addr = ip(addr);
        assert!(!is_public(addr), "{addr} is public");
        assert!(!policy.allows(addr), "{addr} is allowed");
        let err = policy.check_ip(addr).unwrap_err();
        let message = err.to_string();
        assert!(message.contains(reason), "{addr}: {message}");
        assert!(
            message.starts_with(&format!("webhook_url resolves to {addr}, ")),
            "{message}"
        );
        assert_eq!(err.kind(), "blocked_address");
    }
}

#[test]
fn every_blocked_class_is_allowed_when_the_allow_list_names_it() {
    for &(addr, cidr, _) in BLOCKED {
        let policy = allowing(cidr);
        assert!(policy.allows(ip(addr)), "{addr} not allowed by {cidr}");
        // An unrelated entry does not help.
        assert!(
            !allowing("192.0.2.77/32, 2001:db8::77/128").allows(ip(addr)),
            "{addr}"
        );
    }
}

#[test]
fn public_addresses_are_allowed() {
    let policy = Policy::default();
    for &addr in PUBLIC {
        assert!(is_public(ip(addr)), "{addr}");
        assert!(policy.allows(ip(addr)), "{addr}");
    }
}

#[test]
fn blocked_classes_are_refused_as_url_literals() {
    let policy = Policy::default();
    for &(addr, cidr, _) in BLOCKED {
        let url = match ip(addr) {
            IpAddr::V4(_) => format!("https://{addr}/hook"),
            IpAddr::V6(_) => format!("https://[{addr}]/hook"),
        };
        let err = policy.check_url(&url).unwrap_err();
        assert!(matches!(err, Error::Blocked { .. }), "{url}: {err}");
        let target = allowing(cidr).check_url(&url).unwrap();
        assert_eq!(target.host, addr.parse::<IpAddr>().unwrap().to_string());
    }
}

#[test]
fn every_ipv4_notation_of_loopback_is_refused() {
    let policy = Policy::default();
    let loopback = allowing("127.0.0.0/8");
    for url in [
        "https://127.0.0.1/",
        "https://2130706433/",
        "https://0177.0.0.1/",
        "https://0x7f.0.0.1/",
        "https://0x7f000001/",
        "https://017700000001/",
        "https://127.1/",
        "https://127.0.1/",
        "https://127.0.0.1./",
        "https://0x7F.1/",
        "https://[::ffff:127.0.0.1]/",
        "https://[::ffff:7f00:1]/",
        "https://[0:0:0:0:0:ffff:127.0.0.1]:8443/x",
        "https://%31%32%37.0.0.1/",
        "https://１２７.０.０.１/",
    ] {
        let err = policy.check_url(url).unwrap_err();
        let message = err.to_string();
        assert!(message.contains("loopback"), "{url}: {message}");
        assert!(matches!(err, Error::Blocked { .. }), "{url}: {err:?}");
        // The allow-list applies to the normalised address.
        assert!(loopback.check_url(url).is_ok(), "{url}");
    }
    for url in [
        "https://0/",
        "https://0.0.0.0/",
        "https://[::]/",
        "https://[::1]/",
    ] {
        assert!(policy.check_url(url).is_err(), "{url}");
    }
    // 169.254.169.254 in decimal and hex.
    for url in [
        "https://2852039166/",
        "https://0xa9.0xfe.0xa9.0xfe/",
        "https://0xa9fea9fe/",
    ] {
        let message = policy.check_url(url).unwrap_err().to_string();
        assert!(message.contains("169.254.169.254"), "{url}: {message}");
    }
}

#[test]
fn check_url_accepts_public_https_and_reports_host_and_port() {
    let policy = Policy::default();
    let target = policy.check_url("https://Hooks.Example.COM/a?b=c").unwrap();
    assert_eq!(target.host, "hooks.example.com");
    assert_eq!(target.port, 443);
    let target = policy.check_url("https://8.8.8.8:8443/x").unwrap();
    assert_eq!((target.host.as_str(), target.port), ("8.8.8.8", 8443));
    let target = policy.check_url("https://[2606:4700::1111]/").unwrap();
    assert_eq!(target.host, "2606:4700::1111");
    // An internationalised name is normalised to its ASCII form.
    let target = policy.check_url("https://bücher.example/").unwrap();
    assert_eq!(target.host, "xn--bcher-kva.example");
}

#[test]
fn http_is_refused_unless_allowed() {
    let strict = Policy::default();
    let err = strict.check_url("http://example.com/hook").unwrap_err();
    assert_eq!(err.to_string(), "webhook_url must use https");
    assert_eq!(err.kind(), "invalid_url");
    let lax = Policy {
        allow_http: true,
        ..Policy::default()
    };
    let target = lax.check_url("http://example.com/hook").unwrap();
    assert_eq!(target.port, 80);
    // allow_http does not open other schemes, nor private addresses.
    for url in [
        "ftp://example.com/",
        "file:///etc/passwd",
        "ws://example.com/",
        "gopher://x/",
    ] {
        let message = lax.check_url(url).unwrap_err().to_string();
        assert_eq!(message, "webhook_url must use https or http", "{url}");
        assert!(strict.check_url(url).is_err(), "{url}");
    }
    assert!(lax.check_url("http://127.0.0.1/").is_err());
}

#[test]
fn credentials_and_malformed_urls_are_refused() {
    let policy = Policy::default();
    for url in [
        "https://user:pass@example.com/",
        "https://user@example.com/",
        "https://:pass@example.com/",
    ] {
        let err = policy.check_url(url).unwrap_err();
        assert!(matches!(err, Error::Credentials), "{url}");
        assert!(err.to_string().contains("credentials"));
    }
    for url in [
        "",
        "example.com/hook",
        "https://",
        "https://exa mple.com/",
        "https://[::1/",
    ] {
        let err = policy.check_url(url).unwrap_err();
        assert!(matches!(err, Error::InvalidUrl(_)), "{url}: {err:?}");
        assert!(
            err.to_string()
                .starts_with("webhook_url is not a valid URL"),
            "{err}"
        );
    }
}

#[test]
fn cidrs_parse_mask_and_contain() {
    let c: Cidr = "127.0.0.0/8".parse().unwrap();
    assert!(c.contains(ip("127.1.2.3")));
    assert!(!c.contains(ip("128.0.0.1")));
    assert!(!c.contains(ip("::ffff:127.0.0.1")));
    let single: Cidr = "10.1.2.3".parse().unwrap();
    assert_eq!(single, "10.1.2.3/32".parse().unwrap());
    assert!(single.contains(ip("10.1.2.3")));
    assert!(!single.contains(ip("10.1.2.4")));
    let v6: Cidr = "::1/128".parse().unwrap();
    assert!(v6.contains(ip("::1")));
    assert!(!v6.contains(ip("::2")));
    assert!(!v6.contains(ip("127.0.0.1")));
    let bare6: Cidr = "fd00::1".parse().unwrap();
    assert_eq!(bare6.to_string(), "fd00::1/128");
    // Host bits are cleared.
    let masked: Cidr = "192.168.1.77/24".parse().unwrap();
    assert_eq!(masked.to_string(), "192.168.1.0/24");
    assert!(masked.contains(ip("192.168.1.200")));
    let masked6: Cidr = "2001:db8:1:2::5/33".parse().unwrap();
    assert_eq!(masked6.to_string(), "2001:db8::/33");
    // /0 contains everything of its family.
    let all4: Cidr = "0.0.0.0/0".parse().unwrap();
    assert!(all4.contains(ip("255.255.255.255")) && !all4.contains(ip("::1")));
    let all6: Cidr = "::/0".parse().unwrap();
    assert!(all6.contains(ip("ff02::1")) && !all6.contains(ip("1.2.3.4")));
    let odd: Cidr = "172.16.0.0/12".parse().unwrap();
    assert!(odd.contains(ip("172.31.255.255")) && !odd.contains(ip("172.32.0.0")));
}

#[test]
fn bad_cidrs_are_refused_with_a_reason() {
    for (text, reason) in [
        ("127.0.0.0/33", "at most 32"),
        ("::/129", "at most 128"),
        ("127.0.0.0/", "number"),
        ("127.0.0.0/+8", "number"),
        ("127.0.0.0/-1", "number"),
        ("127.0.0.0/8/8", "number"),
        ("127.0.0.0/0008", "number"),
        ("localhost", "neither IPv4 nor IPv6"),
        ("127.1/8", "neither IPv4 nor IPv6"),
        ("0177.0.0.1", "neither IPv4 nor IPv6"),
        ("", "neither IPv4 nor IPv6"),
    ] {
        let err = text.parse::<Cidr>().unwrap_err();
        let message = err.to_string();
        assert!(message.contains(reason), "{text}: {message}");
        assert!(message.contains("is not a valid CIDR"), "{message}");
    }
}

#[test]
fn cidr_lists_tolerate_whitespace_and_empty_entries() {
    assert_eq!(parse_cidrs("").unwrap(), vec![]);
    assert_eq!(parse_cidrs("  , ,").unwrap(), vec![]);
    let list = parse_cidrs(" 127.0.0.0/8 ,::1/128,\t10.0.0.0/8, ").unwrap();
    assert_eq!(list.len(), 3);
    assert_eq!(list[1], "::1".parse().unwrap());
    let err = parse_cidrs("127.0.0.0/8, nope").unwrap_err();
    assert!(err.to_string().contains("\"nope\""), "{err}");
}

#[test]
fn mapped_forms_are_allowed_by_their_ipv4_entry() {
    let policy = allowing("127.0.0.0/8");
    assert!(policy.allows(ip("::ffff:127.0.0.1")));
    assert!(policy.allows(ip("64:ff9b::7f00:1")));
    assert!(policy.allows(ip("2002:7f00:1::")));
    assert!(!policy.allows(ip("::ffff:10.0.0.1")));
    assert!(!policy.allows(ip("::1")));
}

/// A random walk over IPv4: every address is either public or has a reason,
/// and the two sides agree with `allows`.
#[test]
fn classification_is_consistent_over_many_addresses() {
    let policy = Policy::default();
    let mut x: u32 = 0x9e37_79b9;
    for _ in 0..20_000 {
        // xorshift32: deterministic, no dependency.
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        let v4 = Ipv4Addr::from(x);
        let public = is_public(IpAddr::V4(v4));
        assert_eq!(public, policy.allows(IpAddr::V4(v4)), "{v4}");
        assert_eq!(public, refusal_v4(v4).is_none(), "{v4}");
        // The mapped and NAT64 forms agree with the IPv4 address.
        let mapped = IpAddr::V6(v4.to_ipv6_mapped());
        assert_eq!(public, is_public(mapped), "{mapped}");
        let nat64 = IpAddr::V6(Ipv6Addr::from((0x0064_ff9b_u128 << 96) | u128::from(x)));
        assert_eq!(public, is_public(nat64), "{nat64}");
        let six_to_four = IpAddr::V6(Ipv6Addr::from(
            (0x2002_u128 << 112) | (u128::from(x) << 80) | 1,
        ));
        assert_eq!(public, is_public(six_to_four), "{six_to_four}");
        // Every address is allowed once the allow-list names it.
        let own = allowing(&v4.to_string());
        assert!(own.allows(IpAddr::V4(v4)) && own.allows(mapped), "{v4}");
    }
}

#[tokio::test]
async fn vet_refuses_localhost_by_default_and_allows_it_when_listed() {
    let target = Policy::default()
        .check_url("https://localhost:9/hook")
        .unwrap();
    let err = Policy::default().vet(&target).await.unwrap_err();
    assert!(matches!(err, Error::Blocked { .. }), "{err:?}");
    assert!(err.to_string().contains("loopback"), "{err}");
    let addrs = allowing("127.0.0.0/8, ::1/128").vet(&target).await.unwrap();
    assert!(!addrs.is_empty());
    assert!(
        addrs.iter().all(|a| a.ip().is_loopback() && a.port() == 9),
        "{addrs:?}"
    );
    // Allowing only one family is not enough if localhost also resolves to
    // the other: any refused address refuses the name.
    let v4_only = allowing("127.0.0.0/8").vet(&target).await;
    if let Err(e) = v4_only {
        assert!(e.to_string().contains("::1"), "{e}");
    }
}

#[tokio::test]
async fn vet_checks_literals_without_dns() {
    let policy = Policy::default();
    let target = policy.check_url("https://8.8.8.8/hook").unwrap();
    assert_eq!(
        policy.vet(&target).await.unwrap(),
        vec!["8.8.8.8:443".parse().unwrap()]
    );
    let target = policy.check_url("https://[2606:4700::1111]:8443/").unwrap();
    assert_eq!(
        policy.vet(&target).await.unwrap(),
        vec!["[2606:4700::1111]:8443".parse().unwrap()]
    );
    // A Target built by hand around a blocked literal is still refused.
    let forged = Target {
        url: Url::parse("https://127.0.0.1/").unwrap(),
        host: "127.0.0.1".into(),
        port: 443,
    };
    let err = policy.vet(&forged).await.unwrap_err();
    assert!(matches!(err, Error::Blocked { .. }));
    // Likewise through its decimal spelling.
    let forged = Target {
        url: Url::parse("https://2130706433/").unwrap(),
        host: "2130706433".into(),
        port: 443,
    };
    assert!(policy.vet(&forged).await.is_err());
}

#[test]
fn resolution_failures_are_dns_errors() {
    // Built by hand: a test that really resolves a missing name would depend
    // on the machine's resolver and network.
    let err = Error::Dns {
        host: "no-such-host.invalid".into(),
        source: std::io::Error::other("failed to lookup address information"),
    };
    assert_eq!(err.kind(), "dns");
    assert!(
        err.to_string()
            .contains("no-such-host.invalid could not be resolved"),
        "{err}"
    );
    let err = Error::NoAddresses {
        host: "empty.example".into(),
    };
    assert_eq!(err.kind(), "dns");
}
