//! Per-client limits on what readers send: comments and likes, so many a minute from one
//! network (an IPv4 address, an IPv6 /64 — one household or one server).
//!
//! Counts live in this process's memory, in fixed one-minute windows; each node of a cluster
//! counts its own clients. A client over the limit is answered 429 with `Retry-After`.

use std::{
    net::IpAddr,
    sync::{
        Arc,
        atomic::{AtomicU32, Ordering},
    },
    time::Duration,
};

/// What is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// A comment sent.
    Comment,
    /// A like given or taken back.
    Like,
}

/// How many of each a client may send in a minute; 0 for no limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rates {
    /// Comments a minute.
    pub comments: u32,
    /// Likes and unlikes a minute.
    pub likes: u32,
}

impl Default for Rates {
    fn default() -> Self {
        Rates {
            comments: 10,
            likes: 60,
        }
    }
}

/// The counters.
#[derive(Debug)]
pub struct Throttle {
    rates: Rates,
    counts: moka::sync::Cache<(Action, u128), Arc<AtomicU32>>,
}

/// The window counts are kept for.
pub const WINDOW: Duration = Duration::from_secs(60);

impl Throttle {
    /// Counters for `rates`, forgetting each client a minute after its first action.
    pub fn new(rates: Rates) -> Throttle {
        Throttle {
            rates,
            counts: moka::sync::Cache::builder()
                .max_capacity(200_000)
                .time_to_live(WINDOW)
                .build(),
        }
    }

    /// Counts one `action` of `client`; false when it is over the limit (not counted then).
    pub fn allow(&self, action: Action, client: IpAddr) -> bool {
        let limit = match action {
            Action::Comment => self.rates.comments,
            Action::Like => self.rates.likes,
        };
        if limit == 0 {
            return true;
        }
        let count = self
            .counts
            .get_with((action, network(client)), || Arc::new(AtomicU32::new(0)));
        count
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
                (n < limit).then_some(n + 1)
            })
            .is_ok()
    }
}

/// The network a client is counted by: its IPv4 address, or its IPv6 /64.
fn network(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(v4) => u128::from(u32::from(v4)),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => u128::from(u32::from(v4)),
            None => (u128::from(v6) >> 64) << 64 | (1 << 63),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_gets_its_rate_and_no_more_and_others_are_apart() {
        let throttle = Throttle::new(Rates {
            comments: 2,
            likes: 0,
        });
        let one: IpAddr = "192.0.2.1".parse().unwrap();
        let other: IpAddr = "192.0.2.2".parse().unwrap();
        assert!(throttle.allow(Action::Comment, one));
        assert!(throttle.allow(Action::Comment, one));
        assert!(!throttle.allow(Action::Comment, one));
        assert!(throttle.allow(Action::Comment, other), "counted apart");
        for _ in 0..100 {
            assert!(throttle.allow(Action::Like, one), "0: no limit");
        }
    }

    #[test]
    fn an_ipv6_household_counts_as_one() {
        let throttle = Throttle::new(Rates {
            comments: 1,
            likes: 1,
        });
        let a: IpAddr = "2001:db8:1:2::10".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff::1".parse().unwrap();
        let elsewhere: IpAddr = "2001:db8:1:3::10".parse().unwrap();
        assert!(throttle.allow(Action::Like, a));
        assert!(!throttle.allow(Action::Like, b), "same /64");
        assert!(throttle.allow(Action::Like, elsewhere));
        let mapped: IpAddr = "::ffff:192.0.2.9".parse().unwrap();
        let plain: IpAddr = "192.0.2.9".parse().unwrap();
        assert!(throttle.allow(Action::Comment, mapped));
        assert!(!throttle.allow(Action::Comment, plain), "the same client");
    }
}
