//! Login attempts per client address: at most `max` in any `window`, then 429 with the wait.

use std::{
    collections::{HashMap, VecDeque},
    net::IpAddr,
    sync::Mutex,
    time::{Duration, Instant},
};

/// Addresses tracked before expired entries are swept (bounds memory under a flood).
const SWEEP_AT: usize = 10_000;

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
        let mut attempts = self.attempts.lock().expect("rate limit lock");
        if attempts.len() >= SWEEP_AT {
            attempts.retain(|_, times| times.back().is_some_and(|last| now.duration_since(*last) < self.window));
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
        self.attempts.lock().expect("rate limit lock").remove(&client);
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
