//! When to shed load: a pure policy, one per UDP worker, driven by how long
//! each datagram waited in the socket's receive queue (the kernel stamps it
//! on arrival) and by the time passed in.
//!
//! The receive queue is the registrar's only queue, and a short one: a few
//! thousand datagrams, some tens of milliseconds of work. So the policy
//! watches for a *standing* queue, as CoDel does (RFC 8289), rather than
//! for a long one: when for a whole [`INTERVAL`] no datagram was picked up
//! sooner than [`TARGET`] after it arrived, the worker is overloaded, and
//! from then on answers every new request that waited `TARGET` or more with
//! `503 Service Unavailable` and a `Retry-After` of [`RETRY_AFTER_SECS`]
//! (plus jitter, so the clients turned away together do not come back
//! together). The answer is built from the head alone: no full parse, no
//! digest work, no state. Requests that waited less are served in full, so
//! the wait stays near `TARGET` and the registrar keeps doing useful work.
//! A burst that drains within an interval is served, not shed. The worker
//! stops shedding after an interval in which nothing waited `TARGET`.
//!
//! A `503` is cheap, not free. Far above capacity, answering every old
//! request would take all the time and leave none for serving: at most
//! [`BUSY_SHARE`] of the CPU time a worker gets goes to `503`s (CPU time,
//! not wall time: on a busy machine a worker preempted in the middle of a
//! `503` must not count the preemption). Past that an old request is
//! dropped unanswered, which costs only its receive. A request that waited
//! [`STALE_AFTER`] is dropped too: its sender has retransmitted it by then.
//!
//! Far above capacity the queue never drains, so nothing is young: a policy
//! that served only young requests would answer almost nothing but `503`s
//! (measured at 4× capacity: 140 answered a second, 25,000 shed). So old
//! requests that waited less than [`SERVE_WITHIN`] (the client's first
//! retransmission, T1) are still served while serving has taken at most
//! [`SERVE_SHARE`] of the interval's CPU time — and first those that
//! *continue* work already begun (a request with credentials answers a
//! challenge this registrar sent), as RFC 6357 §4 recommends: a new request
//! is served only while serving has taken less than [`NEW_SERVE_SHARE`].
//! Serving new REGISTERs alike would spend the budget on `401`s whose
//! authenticated second halves are then shed (measured at 4×: 165,000
//! answers, 3,400 registrations). So the registrar goes on completing
//! registrations at a known fraction of its capacity, however large the
//! flood, and sheds the rest.

use std::time::Duration;

/// The wait a standing queue is measured against.
pub const TARGET: Duration = Duration::from_millis(20);
/// How long the wait must stay above [`TARGET`] before shedding starts (and
/// below it before shedding stops).
pub const INTERVAL: Duration = Duration::from_millis(100);
/// A request that waited this long is dropped: its sender has already
/// retransmitted it (T1 = 500 ms, then 1 s).
pub const STALE_AFTER: Duration = Duration::from_millis(1_500);
/// Most of a worker's CPU time spent answering `503`s, per interval.
pub const BUSY_SHARE: f64 = 0.4;
/// Most of a worker's CPU time spent, per interval while overloaded, serving
/// requests that waited [`TARGET`] or more (young ones are always served).
pub const SERVE_SHARE: f64 = 0.5;
/// A new old request (one that does not continue work already begun) is
/// served only while serving took less than this share of the CPU time.
pub const NEW_SERVE_SHARE: f64 = 0.2;
/// An old request is served (within [`SERVE_SHARE`]) only if it waited less
/// than this: T1, after which its sender has sent it again.
pub const SERVE_WITHIN: Duration = Duration::from_millis(500);
/// `Retry-After` of a `503`: this many seconds, plus up to as many again.
pub const RETRY_AFTER_SECS: u32 = 5;

/// What to do with one received datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Process it in full.
    Serve,
    /// Answer `503` if it is a new request (see `SipCore::busy`).
    Busy,
    /// Drop it unanswered.
    Drop,
}

/// One worker's shedding state. Wall times are offsets from any fixed
/// instant; CPU times are the worker thread's.
#[derive(Debug)]
pub struct Shedder {
    interval_start: Duration,
    /// The thread's CPU time when the interval started.
    interval_cpu: Duration,
    /// Shortest and longest wait seen in this interval.
    shortest: Duration,
    longest: Duration,
    overloaded: bool,
    /// CPU time spent on `503`s in this interval.
    busy_cpu: Duration,
    /// CPU time spent serving in this interval while overloaded.
    serve_cpu: Duration,
}

impl Default for Shedder {
    fn default() -> Self {
        Self {
            interval_start: Duration::ZERO,
            interval_cpu: Duration::ZERO,
            shortest: Duration::MAX,
            longest: Duration::ZERO,
            overloaded: false,
            busy_cpu: Duration::ZERO,
            serve_cpu: Duration::ZERO,
        }
    }
}

impl Shedder {
    /// The verdict for a datagram that waited `age`, picked up at `now`;
    /// `continues` when it continues work already begun (it answers a
    /// challenge); `cpu` reads the thread's CPU time (asked only when needed).
    pub fn verdict(
        &mut self,
        age: Duration,
        continues: bool,
        now: Duration,
        mut cpu: impl FnMut() -> Duration,
    ) -> Verdict {
        if now.saturating_sub(self.interval_start) >= INTERVAL {
            self.overloaded = match self.overloaded {
                false => self.shortest >= TARGET && self.shortest != Duration::MAX,
                true => self.longest >= TARGET,
            };
            self.interval_start = now;
            self.interval_cpu = cpu();
            self.shortest = Duration::MAX;
            self.longest = Duration::ZERO;
            self.busy_cpu = Duration::ZERO;
            self.serve_cpu = Duration::ZERO;
        }
        self.shortest = self.shortest.min(age);
        self.longest = self.longest.max(age);
        if age >= STALE_AFTER {
            return Verdict::Drop;
        }
        if !self.overloaded || age < TARGET {
            return Verdict::Serve;
        }
        let used = cpu().saturating_sub(self.interval_cpu);
        let share = if continues {
            SERVE_SHARE
        } else {
            NEW_SERVE_SHARE
        };
        if age < SERVE_WITHIN && self.serve_cpu <= used.mul_f64(share) {
            Verdict::Serve
        } else if self.busy_cpu <= used.mul_f64(BUSY_SHARE) {
            Verdict::Busy
        } else {
            Verdict::Drop
        }
    }

    /// Accounts for the CPU time one `503` took.
    pub fn spent(&mut self, busy: Duration) {
        self.busy_cpu += busy;
    }

    /// Accounts for the CPU time serving one request took while overloaded.
    pub fn served(&mut self, cost: Duration) {
        self.serve_cpu += cost;
    }

    /// Whether the worker is shedding.
    pub fn overloaded(&self) -> bool {
        self.overloaded
    }
}

/// A `Retry-After` value: [`RETRY_AFTER_SECS`] plus jitter from `random`.
pub fn retry_after(random: u32) -> u32 {
    RETRY_AFTER_SECS + random % (RETRY_AFTER_SECS + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);
    const US: Duration = Duration::from_micros(1);

    /// Feeds datagrams `gap` apart, each having waited `age`, from `from`
    /// for `length`; returns the verdicts. The worker's CPU is busy all the
    /// time (its CPU clock runs with the wall clock); a 503 takes `cost`,
    /// serving one takes five times as much.
    fn run(
        shedder: &mut Shedder,
        from: Duration,
        length: Duration,
        gap: Duration,
        age: Duration,
        cost: Duration,
    ) -> Vec<Verdict> {
        let mut verdicts = Vec::new();
        let mut now = from;
        while now < from + length {
            let verdict = shedder.verdict(age, false, now, || now);
            match verdict {
                Verdict::Busy => shedder.spent(cost),
                Verdict::Serve if shedder.overloaded() => shedder.served(5 * cost),
                _ => {}
            }
            verdicts.push(verdict);
            now += gap;
        }
        verdicts
    }

    fn count(verdicts: &[Verdict], which: Verdict) -> usize {
        verdicts.iter().filter(|v| **v == which).count()
    }

    #[test]
    fn a_burst_that_drains_within_an_interval_is_served() {
        let mut shedder = Shedder::default();
        // 50 ms of a growing queue, then it drains: every datagram served.
        let mut verdicts = Vec::new();
        for i in 0..50u32 {
            verdicts.push(shedder.verdict(i * MS, false, i * MS, || i * MS));
        }
        verdicts.extend(run(&mut shedder, 50 * MS, 500 * MS, MS, MS, US));
        assert_eq!(count(&verdicts, Verdict::Serve), verdicts.len());
        assert!(!shedder.overloaded());
    }

    #[test]
    fn a_standing_queue_is_shed_until_it_is_gone() {
        let mut shedder = Shedder::default();
        // A whole interval in which everything waited 30 ms: overloaded.
        let first = run(&mut shedder, Duration::ZERO, INTERVAL, 10 * US, 30 * MS, US);
        assert_eq!(count(&first, Verdict::Serve), first.len());
        let next = run(&mut shedder, INTERVAL, INTERVAL, 10 * US, 30 * MS, 10 * US);
        assert!(shedder.overloaded());
        // Serving a new old request (50 µs) within 20 % of the CPU: ~400 of
        // the 10,000; 503s (10 µs) within 40 %: ~4,000; the rest dropped.
        let (served, busy) = (count(&next, Verdict::Serve), count(&next, Verdict::Busy));
        assert!((380..=420).contains(&served), "{served}");
        assert!((3_950..=4_050).contains(&busy), "{busy}");
        assert_eq!(count(&next, Verdict::Drop), next.len() - served - busy);
        // One that waited past its sender's retransmission is not served.
        let now = 2 * INTERVAL - 2 * US;
        assert_ne!(
            shedder.verdict(SERVE_WITHIN, false, now, || now),
            Verdict::Serve
        );
        // Young requests are still served while shedding.
        let now = 2 * INTERVAL - US;
        assert_eq!(
            shedder.verdict(TARGET - US, false, now, || now),
            Verdict::Serve
        );
        // Stale ones are dropped whatever the state.
        assert_eq!(
            shedder.verdict(STALE_AFTER, false, now, || now),
            Verdict::Drop
        );
        // An interval with no wait at TARGET ends the shedding.
        run(&mut shedder, 2 * INTERVAL, INTERVAL, 10 * US, MS, US);
        let now = 3 * INTERVAL;
        assert_eq!(shedder.verdict(30 * MS, false, now, || now), Verdict::Serve);
        assert!(!shedder.overloaded());
    }

    #[test]
    fn requests_that_continue_work_are_served_first() {
        let mut shedder = Shedder::default();
        run(&mut shedder, Duration::ZERO, INTERVAL, 10 * US, 30 * MS, US);
        // Old requests 10 µs apart, each served in 50 µs; one in four
        // answers a challenge. Serving takes half the CPU, 50 ms: ~1,000.
        let (mut new, mut continuing) = (Vec::new(), Vec::new());
        let mut now = INTERVAL;
        for i in 0..10_000 {
            let continues = i % 4 == 0;
            let verdict = shedder.verdict(30 * MS, continues, now, || now);
            match verdict {
                Verdict::Serve => shedder.served(50 * US),
                Verdict::Busy => shedder.spent(US),
                Verdict::Drop => {}
            }
            [&mut new, &mut continuing][usize::from(continues)].push(verdict);
            now += 10 * US;
        }
        let served_new = count(&new, Verdict::Serve);
        let served_continuing = count(&continuing, Verdict::Serve);
        assert!((950..=1_050).contains(&(served_new + served_continuing)));
        // Most of it on the quarter that completes registrations.
        assert!(
            served_continuing > 2 * served_new,
            "{served_continuing} vs {served_new}"
        );
        assert!(count(&new, Verdict::Busy) > 5_000);
    }

    #[test]
    fn busy_answers_take_at_most_their_share_of_the_cpu() {
        let mut shedder = Shedder::default();
        run(&mut shedder, Duration::ZERO, INTERVAL, 10 * US, 30 * MS, US);
        // Requests too old to serve, 10 µs apart, each 503 costing 100 µs
        // of the 10 µs between them: 40 % of the interval's CPU, 40 ms,
        // allows about 400.
        let verdicts = run(
            &mut shedder,
            INTERVAL,
            INTERVAL,
            10 * US,
            SERVE_WITHIN,
            100 * US,
        );
        let busy = count(&verdicts, Verdict::Busy);
        assert!((395..=405).contains(&busy), "{busy}");
        assert_eq!(count(&verdicts, Verdict::Drop), verdicts.len() - busy);
        // The next interval allows 503s again.
        let now = 2 * INTERVAL;
        assert_eq!(
            shedder.verdict(SERVE_WITHIN, false, now, || now),
            Verdict::Busy
        );
    }

    #[test]
    fn time_the_worker_did_not_run_is_not_spent_on_busy_answers() {
        let mut shedder = Shedder::default();
        run(&mut shedder, Duration::ZERO, INTERVAL, 10 * US, 30 * MS, US);
        // Preempted for 30 ms in the middle of a 503 that took 5 µs of CPU:
        // only the 5 µs count.
        let now = INTERVAL;
        assert_eq!(
            shedder.verdict(SERVE_WITHIN, false, now, || now),
            Verdict::Busy
        );
        shedder.spent(5 * US);
        let now = INTERVAL + 30 * MS;
        let cpu = INTERVAL + 20 * US;
        assert_eq!(
            shedder.verdict(SERVE_WITHIN, false, now, || cpu),
            Verdict::Busy
        );
    }

    #[test]
    fn retry_after_is_jittered_within_bounds() {
        let values: Vec<u32> = (0..100).map(retry_after).collect();
        assert!(values.iter().all(|v| (5..=10).contains(v)));
        assert!(values.contains(&5) && values.contains(&10));
    }
}
