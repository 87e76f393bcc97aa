//! Login attempts per client: at most `max` in any `window`, then 429 with the wait. An IPv4
//! client is one address; an IPv6 client is its /64 (one subscriber's network: anyone holding
//! one has 2^64 addresses to rotate through). The table is bounded.
//!
//! Not `governor`: its GCRA gives a client one more attempt every `window / max` (one every
//! 12 s here) where this promises `max` in any window, and its keyed store grows until swept;
//! this table is exact, bounded, and a screen long.

use parking_lot::Mutex;
use std::{
    collections::{HashMap, VecDeque},
    net::IpAddr,
    time::{Duration, Instant},
};

/// Clients tracked at most: expired entries are swept first, then the least recent goes.
const MAX_CLIENTS: usize = 10_000;

pub struct LoginRateLimit {
    max: usize,
    window: Duration,
    attempts: Mutex<HashMap<IpAddr, VecDeque<Instant>>>,
}

impl LoginRateLimit {
    pub fn new(max: usize, window: Duration) -> LoginRateLimit {
        LoginRateLimit { max, window, attempts: Mutex::default() }
    }

    /// Records an attempt from `client`, or says how long it must wait.
    pub fn attempt(&self, client: IpAddr, now: Instant) -> Result<(), Duration> {
        let client = counted_as(client);
        let mut attempts = self.attempts.lock();
        if attempts.len() >= MAX_CLIENTS && !attempts.contains_key(&client) {
            attempts.retain(|_, times| times.back().is_some_and(|last| now.duration_since(*last) < self.window));
            if attempts.len() >= MAX_CLIENTS {
                let least_recent = attempts.iter().min_by_key(|(_, times)| times.back().copied()).map(|(key, _)| *key);
                attempts.remove(&least_recent.expect("a full table has entries"));
            }
        }
        let times = attempts.entry(client).or_default();
        while times.front().is_some_and(|first| now.duration_since(*first) >= self.window) {
            times.pop_front();
        }
        if times.len() >= self.max {
            let oldest = *times.front().expect("full means non-empty");
            return Err(self.window - now.duration_since(oldest));
        }
        times.push_back(now);
        Ok(())
    }

    /// Forgets `client`'s attempts after a successful login.
    pub fn clear(&self, client: IpAddr) {
        self.attempts.lock().remove(&counted_as(client));
    }
}

/// The key attempts are counted under: an IPv4 address (also when mapped into IPv6), or the
/// /64 network of an IPv6 address.
fn counted_as(client: IpAddr) -> IpAddr {
    match client {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6((u128::from(v6) & !((1u128 << 64) - 1)).into()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_attempts_a_minute_then_a_wait() {
        let limit = LoginRateLimit::new(5, Duration::from_secs(60));
        let client: IpAddr = "203.0.113.7".parse().unwrap();
        let start = Instant::now();
        for i in 0..5 {
            assert!(limit.attempt(client, start + Duration::from_secs(i)).is_ok(), "attempt {i}");
        }
        let wait = limit.attempt(client, start + Duration::from_secs(10)).unwrap_err();
        assert_eq!(wait, Duration::from_secs(50));
        let other: IpAddr = "203.0.113.8".parse().unwrap();
        assert!(limit.attempt(other, start + Duration::from_secs(10)).is_ok(), "limits are per address");
        assert!(limit.attempt(client, start + Duration::from_secs(60)).is_ok(), "the window slides");
    }

    #[test]
    fn an_ipv6_network_counts_as_one_client_and_the_table_is_bounded() {
        let limit = LoginRateLimit::new(2, Duration::from_secs(60));
        let now = Instant::now();
        limit.attempt("2001:db8:1:2::1".parse().unwrap(), now).unwrap();
        limit.attempt("2001:db8:1:2:ffff::9".parse().unwrap(), now).unwrap();
        assert!(limit.attempt("2001:db8:1:2:abcd::".parse().unwrap(), now).is_err(), "same /64");
        assert!(limit.attempt("2001:db8:1:3::1".parse().unwrap(), now).is_ok(), "another /64");
        assert_eq!(counted_as("::ffff:192.0.2.1".parse().unwrap()), "192.0.2.1".parse::<IpAddr>().unwrap());
        for i in 0..MAX_CLIENTS as u32 + 10 {
            limit.attempt(IpAddr::V4(i.into()), now).unwrap();
        }
        assert_eq!(limit.attempts.lock().len(), MAX_CLIENTS);
    }

    #[test]
    fn a_successful_login_clears_the_count() {
        let limit = LoginRateLimit::new(2, Duration::from_secs(60));
        let client: IpAddr = "::1".parse().unwrap();
        let now = Instant::now();
        limit.attempt(client, now).unwrap();
        limit.attempt(client, now).unwrap();
        assert!(limit.attempt(client, now).is_err());
        limit.clear(client);
        assert!(limit.attempt(client, now).is_ok());
    }
}
