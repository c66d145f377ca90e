//! The activation brute-force rule: at least [`MAX_FAILURES`] wrong codes from
//! one IP within [`WINDOW_SECS`] lock that IP out for [`LOCK_SECS`].
//!
//! Pure state; the caller passes the time in.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;

pub const MAX_FAILURES: usize = 10;
pub const WINDOW_SECS: i64 = 5 * 60;
pub const LOCK_SECS: i64 = 10 * 60;
/// Above this many tracked addresses, idle ones are dropped first.
const MAX_TRACKED: usize = 100_000;

#[derive(Debug, Default)]
struct IpRecord {
    failures: VecDeque<i64>,
    locked_until: Option<i64>,
}

impl IpRecord {
    fn prune(&mut self, now: i64) {
        while self
            .failures
            .front()
            .is_some_and(|&t| t <= now - WINDOW_SECS)
        {
            self.failures.pop_front();
        }
        if self.locked_until.is_some_and(|until| until <= now) {
            self.locked_until = None;
        }
    }

    fn is_idle(&self) -> bool {
        self.failures.is_empty() && self.locked_until.is_none()
    }
}

#[derive(Debug, Default)]
pub struct Lockout {
    ips: HashMap<IpAddr, IpRecord>,
}

impl Lockout {
    /// Seconds the IP must still wait, if it is locked.
    pub fn locked_for(&mut self, ip: IpAddr, now: i64) -> Option<u64> {
        let record = self.ips.get_mut(&ip)?;
        record.prune(now);
        let remaining = record.locked_until.map(|until| (until - now) as u64);
        if record.is_idle() {
            self.ips.remove(&ip);
        }
        remaining
    }

    /// Records a wrong code; returns the lock duration if this failure locked the IP.
    pub fn record_failure(&mut self, ip: IpAddr, now: i64) -> Option<u64> {
        if self.ips.len() >= MAX_TRACKED && !self.ips.contains_key(&ip) {
            self.ips.retain(|_, r| {
                r.prune(now);
                !r.is_idle()
            });
        }
        let record = self.ips.entry(ip).or_default();
        record.prune(now);
        record.failures.push_back(now);
        if record.failures.len() >= MAX_FAILURES {
            record.failures.clear();
            record.locked_until = Some(now + LOCK_SECS);
            return Some(LOCK_SECS as u64);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const IP: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 7));
    const OTHER: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 8));

    #[test]
    fn tenth_failure_within_window_locks_for_ten_minutes() {
        let mut lock = Lockout::default();
        for i in 0..9 {
            assert_eq!(lock.record_failure(IP, 1000 + i * 30), None);
        }
        assert_eq!(lock.locked_for(IP, 1270), None);
        assert_eq!(lock.record_failure(IP, 1290), Some(600));
        assert_eq!(lock.locked_for(IP, 1290), Some(600));
        assert_eq!(lock.locked_for(IP, 1590), Some(300));
        assert_eq!(lock.locked_for(OTHER, 1590), None);
        assert_eq!(lock.locked_for(IP, 1890), None);
    }

    #[test]
    fn failures_older_than_five_minutes_do_not_count() {
        let mut lock = Lockout::default();
        for i in 0..9 {
            lock.record_failure(IP, i * 10);
        }
        // The first failures (t=0..) leave the window at t=300.
        assert_eq!(lock.record_failure(IP, 305), None);
        assert_eq!(lock.locked_for(IP, 305), None);
    }
}
