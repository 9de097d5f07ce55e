//! The pacer on a virtual clock: its rules one by one, then against a simulated token-bucket
//! service with 64 tasks, where it must finish at the limit with few 429s.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::time::{Duration, Instant};

use super::*;

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}

/// A pacer at `t0` that has seen `n` requests admitted evenly over the last second, then a
/// 429: pacing at `n * margin` a second.
fn throttled_after(n: u32, t0: Instant) -> Pacer {
    let mut pacer = Pacer::new(RateAdaptation::default(), t0);
    for i in 1..=n {
        let at = t0 + secs(f64::from(i) / f64::from(n));
        let permit = pacer.try_take(at).unwrap();
        pacer.observe(permit, Admission::Admitted, at);
    }
    let at = t0 + secs(1.0);
    let permit = pacer.try_take(at).unwrap();
    pacer.observe(permit, Admission::Throttled, at);
    pacer
}

#[test]
fn until_the_first_429_nothing_waits() {
    let t0 = Instant::now();
    let mut pacer = Pacer::new(RateAdaptation::default(), t0);
    for i in 0..1000 {
        let permit = pacer.try_take(t0).expect("no wait");
        pacer.observe(permit, Admission::Admitted, t0 + secs(f64::from(i) * 1e-4));
    }
    assert_eq!(pacer.rate(), None);
}

#[test]
fn a_429_paces_at_the_rate_admitted_times_the_margin() {
    let t0 = Instant::now();
    let mut pacer = throttled_after(20, t0);
    assert_eq!(pacer.rate(), Some(20.0 * 0.95));
    // The bucket is empty: the next request waits 1/19 s, the one after as long again.
    let at = t0 + secs(1.0);
    let wait = pacer.try_take(at).unwrap_err();
    assert!((wait.as_secs_f64() - 1.0 / 19.0).abs() < 1e-9, "{wait:?}");
    let at = at + wait;
    pacer.try_take(at).expect("a token by then");
    assert!(pacer.try_take(at).is_err());
}

#[test]
fn the_requests_throttled_with_the_first_cut_the_rate_once() {
    let t0 = Instant::now();
    let mut pacer = Pacer::new(RateAdaptation::default(), t0);
    // 64 requests go out at once, before any answer; 20 are admitted, 44 throttled.
    let permits: Vec<Permit> = (0..64).map(|_| pacer.try_take(t0).unwrap()).collect();
    let at = t0 + secs(0.005);
    for (i, permit) in permits.into_iter().enumerate() {
        let answer = if i % 3 == 0 || i >= 60 {
            Admission::Admitted
        } else {
            Admission::Throttled
        };
        pacer.observe(permit, answer, at);
    }
    // Cut once, on the first 429 (with one admission seen), then raised by the admissions
    // of the same burst that came after it: 24 admitted in the last second.
    let admitted = (0..64).filter(|i| i % 3 == 0 || *i >= 60).count() as f64;
    assert_eq!(admitted, 24.0);
    assert_eq!(pacer.rate(), Some(admitted * 0.95));
}

#[test]
fn between_429s_the_rate_grows_and_after_the_quiet_time_pacing_stops() {
    let t0 = Instant::now();
    let mut pacer = throttled_after(20, t0);
    // 10 s later: 2% a second, compounded.
    let at = t0 + secs(11.0);
    pacer.try_take(at).unwrap();
    let rate = pacer.rate().unwrap();
    assert!((rate - 19.0 * (0.2f64).exp()).abs() < 1e-6, "{rate}");
    // A 429 to a request sent under the old pace cuts again only if sent under this one.
    let stale = Permit(0);
    pacer.observe(stale, Admission::Throttled, at);
    assert_eq!(pacer.rate(), Some(rate));
    // 60 s without a 429 (the stale one counts as one): pacing stops.
    let later = at + secs(60.0);
    assert!(pacer.try_take(later).is_ok());
    assert_eq!(pacer.rate(), None);
    assert!(pacer.try_take(later).is_ok(), "no pacing, no wait");
}

#[test]
fn below_the_learnt_limit_the_rate_doubles_each_second() {
    let t0 = Instant::now();
    let mut pacer = throttled_after(20, t0);
    // A second cut with nothing admitted in the last second: the pace drops to the floor, but
    // the limit learnt before (faded by the margin) is the target it climbs back to.
    let at = t0 + secs(5.0);
    let permit = pacer.try_take(at).unwrap();
    pacer.observe(permit, Admission::Throttled, at);
    assert_eq!(pacer.rate(), Some(MIN_RATE));
    // It climbs back fast: 0.5 * 2^t until 19 (about 5.2 s).
    pacer.try_take(at + secs(2.0)).ok();
    assert!((pacer.rate().unwrap() - 2.0).abs() < 1e-9);
}

/// A token-bucket service (one second of burst) and a fleet of processes, each with its own
/// pacer (if any) and `tasks` tasks doing its share of the flows (four requests, one after
/// another), with the client's 429 handling: wait `Retry-After`, send again. Time is
/// simulated: events in order, latencies from a fixed sequence.
struct Run {
    goodput: f64,
    throttled: f64,
    flows_done: usize,
    /// When each process finished its flows, in seconds.
    finished: Vec<f64>,
}

fn simulate(pacer: Option<Pacer>, limit: f64, tasks: usize, flows: usize) -> Run {
    simulate_fleet(vec![pacer], limit, tasks, flows)
}

fn simulate_fleet(mut pacers: Vec<Option<Pacer>>, limit: f64, tasks: usize, flows: usize) -> Run {
    #[derive(PartialEq, Eq, PartialOrd, Ord)]
    enum Event {
        /// The head of a process's queue asks its pacer again.
        Head { process: usize },
        /// The task's request reaches the service.
        Send { task: usize, permit: u64 },
        /// The answer comes back: admitted or not.
        Answer {
            task: usize,
            permit: u64,
            admitted: bool,
            retry_after: u64,
        },
        /// The task sends again after `Retry-After`.
        Again { task: usize },
    }
    let processes = pacers.len();
    let process_of = |task: usize| task / tasks;
    let t0 = Instant::now();
    let mut events: BinaryHeap<Reverse<(u64, u64, Event)>> = BinaryHeap::new();
    let mut sequence = 0u64;
    let mut push = |events: &mut BinaryHeap<_>, at: u64, event: Event| {
        sequence += 1;
        events.push(Reverse((at, sequence, event)));
    };
    // The service's bucket.
    let (mut tokens, mut refilled) = (limit, 0u64);
    // Per task: the step of its flow (0..4). Per process: its flows, those started and done,
    // its queue of tasks waiting for a turn, whether its head is scheduled.
    let mut step = vec![0usize; tasks * processes];
    let share = flows / processes;
    let mut started = vec![tasks.min(share); processes];
    let mut done_by = vec![0usize; processes];
    let mut finished = vec![0.0; processes];
    let mut queues: Vec<VecDeque<usize>> = (0..processes)
        .map(|p| (p * tasks..p * tasks + started[p]).collect())
        .collect();
    let mut head_scheduled = vec![true; processes];
    for process in 0..processes {
        push(&mut events, 0, Event::Head { process });
    }
    let (mut admitted, mut throttled) = (0usize, 0usize);
    let mut random = 0x2545_f491_4f6c_dd1du64;
    let mut latency = || {
        // 2.5 to 7.5 ms, from a fixed sequence.
        random ^= random << 13;
        random ^= random >> 7;
        random ^= random << 17;
        2_500 + random % 5_000
    };
    let mut now = 0u64;
    while let Some(Reverse((at, _, event))) = events.pop() {
        now = at;
        let instant = t0 + Duration::from_micros(now);
        match event {
            Event::Head { process } => {
                let Some(&task) = queues[process].front() else {
                    head_scheduled[process] = false;
                    continue;
                };
                let taken = match pacers[process].as_mut() {
                    Some(pacer) => pacer.try_take(instant),
                    None => Ok(Permit(0)),
                };
                match taken {
                    Ok(permit) => {
                        queues[process].pop_front();
                        push(
                            &mut events,
                            now,
                            Event::Send {
                                task,
                                permit: permit.0,
                            },
                        );
                        push(&mut events, now, Event::Head { process });
                    }
                    Err(wait) => push(
                        &mut events,
                        now + wait.as_micros() as u64 + 1,
                        Event::Head { process },
                    ),
                }
            }
            Event::Send { task, permit } => {
                tokens = (tokens + (now - refilled) as f64 / 1e6 * limit).min(limit.max(1.0));
                refilled = now;
                let (ok, retry_after) = if tokens >= 1.0 {
                    tokens -= 1.0;
                    (true, 0)
                } else {
                    (false, ((1.0 - tokens) / limit).ceil().max(1.0) as u64)
                };
                let answer = Event::Answer {
                    task,
                    permit,
                    admitted: ok,
                    retry_after,
                };
                push(&mut events, now + latency(), answer);
            }
            Event::Answer {
                task,
                permit,
                admitted: ok,
                retry_after,
            } => {
                let process = process_of(task);
                if let Some(pacer) = pacers[process].as_mut() {
                    let answer = if ok {
                        Admission::Admitted
                    } else {
                        Admission::Throttled
                    };
                    pacer.observe(Permit(permit), answer, instant);
                }
                if !ok {
                    throttled += 1;
                    push(
                        &mut events,
                        now + retry_after * 1_000_000,
                        Event::Again { task },
                    );
                    continue;
                }
                admitted += 1;
                step[task] += 1;
                if step[task] == 4 {
                    step[task] = 0;
                    done_by[process] += 1;
                    finished[process] = now as f64 / 1e6;
                    if started[process] == share {
                        continue;
                    }
                    started[process] += 1;
                }
                queues[process].push_back(task);
                if !head_scheduled[process] {
                    head_scheduled[process] = true;
                    push(&mut events, now, Event::Head { process });
                }
            }
            Event::Again { task } => {
                let process = process_of(task);
                queues[process].push_back(task);
                if !head_scheduled[process] {
                    head_scheduled[process] = true;
                    push(&mut events, now, Event::Head { process });
                }
            }
        }
    }
    let seconds = now as f64 / 1e6;
    Run {
        goodput: admitted as f64 / seconds / limit,
        throttled: throttled as f64 / (admitted + throttled) as f64,
        flows_done: done_by.iter().sum(),
        finished,
    }
}

#[test]
fn against_a_rate_limited_service_64_tasks_finish_at_the_limit_with_few_429s() {
    let paced = simulate(
        Some(Pacer::new(RateAdaptation::default(), Instant::now())),
        20.0,
        64,
        1000,
    );
    assert_eq!(paced.flows_done, 1000);
    assert!(paced.goodput >= 0.95, "goodput {}", paced.goodput);
    assert!(paced.throttled <= 0.05, "throttled {}", paced.throttled);

    // Unpaced, the same work finishes too (every 429 is waited out and sent again), but most
    // requests are throttled.
    let unpaced = simulate(None, 20.0, 64, 1000);
    assert_eq!(unpaced.flows_done, 1000);
    assert!(unpaced.throttled > 0.5, "throttled {}", unpaced.throttled);
}

#[test]
fn with_no_limit_learnt_the_rate_doubles_until_the_next_429() {
    // The first answer of the client is a 429 (another process used the tenant's room):
    // nothing admitted, nothing learnt. The pace starts at the floor and doubles, unbounded,
    // rather than crawling at 2% a second.
    let t0 = Instant::now();
    let mut pacer = Pacer::new(RateAdaptation::default(), t0);
    let permit = pacer.try_take(t0).unwrap();
    pacer.observe(permit, Admission::Throttled, t0);
    assert_eq!(pacer.rate(), Some(MIN_RATE));
    pacer.try_take(t0 + secs(5.0)).ok();
    assert!((pacer.rate().unwrap() - MIN_RATE * 32.0).abs() < 1e-9);
    pacer.try_take(t0 + secs(10.0)).ok();
    assert!((pacer.rate().unwrap() - MIN_RATE * 1024.0).abs() < 1e-6);
}

/// 1,000 flows from `processes` processes of `tasks` tasks, each paced by its own pacer, against
/// one limit of 20 a second (printed with `--nocapture`).
fn fleet(processes: usize, tasks: usize) -> Run {
    let t0 = Instant::now();
    let pacers = (0..processes)
        .map(|_| Some(Pacer::new(RateAdaptation::default(), t0)))
        .collect();
    let run = simulate_fleet(pacers, 20.0, tasks, 1000);
    println!(
        "{processes} x {tasks}: goodput {:.3}, throttled {:.3}, finished {:?}",
        run.goodput, run.throttled, run.finished
    );
    assert_eq!(run.flows_done, 1000);
    run
}

#[test]
fn four_processes_each_with_its_own_pace_finish_near_the_limit() {
    // Each learns its share; when others finish, the last find the room they left within
    // seconds (the growth accelerating after the plateau), not in the minute 2% a second takes.
    let run = fleet(4, 16);
    assert!(run.goodput >= 0.95, "goodput {}", run.goodput);
    assert!(run.throttled <= 0.05, "throttled {}", run.throttled);
    // One process alone never reaches the end of the plateau: throttled within 3 s of it.
    let alone = fleet(1, 64);
    assert!(alone.goodput >= 0.99, "goodput {}", alone.goodput);
    assert!(alone.throttled <= 0.03, "throttled {}", alone.throttled);
}

#[test]
fn past_the_plateau_the_growth_doubles_each_second() {
    let t0 = Instant::now();
    // A share of 5 a second learnt (4.75 paced), then no 429 for good.
    let mut pacer = throttled_after(5, t0);
    let rate_at = |pacer: &mut Pacer, s: f64| {
        pacer.try_take(t0 + secs(1.0 + s)).ok();
        pacer.rate().unwrap()
    };
    // On the plateau: 2% a second.
    let on_plateau = rate_at(&mut pacer, PLATEAU);
    assert!(
        (on_plateau - 4.75 * (0.02 * PLATEAU).exp()).abs() < 1e-9,
        "{on_plateau}"
    );
    // Six seconds past it: the growth has doubled six times (2%, 4%, ... 128%), and the rate
    // is past four times the share: the room three finished peers left.
    let past = rate_at(&mut pacer, PLATEAU + 6.0);
    let expected = on_plateau * (0.02 * 63.0 / std::f64::consts::LN_2).exp();
    assert!(
        (past - expected).abs() < 1e-6 * expected,
        "{past} vs {expected}"
    );
    assert!(past > 4.0 * 4.75, "{past}");
    // The cap: no faster than 64 times the growth.
    let later = rate_at(&mut pacer, PLATEAU + 7.0);
    assert!(
        (later / past - (0.02 * 64.0f64).exp()).abs() < 1e-6,
        "{}",
        later / past
    );
}

#[tokio::test]
async fn a_turn_past_the_deadline_is_refused_and_takes_nothing() {
    let clock = crate::clock::VirtualClock::new();
    let t0 = clock.now();
    let rate = AdaptiveRate::new(RateAdaptation::default(), t0);
    let permit = rate.acquire(&clock, t0).await.expect("not pacing: no wait");
    rate.observe(permit, Admission::Throttled, &clock);
    // Pacing at 0.5 a second with nothing saved up: the next turn is 2 s away.
    assert_eq!(rate.acquire(&clock, t0 + secs(1.0)).await, None);
    assert!(
        clock.sleeps().is_empty(),
        "no wait for a turn that cannot be had"
    );
    assert!(rate.acquire(&clock, t0 + secs(3.0)).await.is_some());
    assert_eq!(clock.sleeps(), [secs(2.0)]);
}

#[test]
fn a_caller_on_a_virtual_clock_always_gets_its_turn() {
    // A caller on a virtual clock moves time only by the waits it is given: a wait that
    // rounded to nothing would have it ask again for ever. Over many starting points, each
    // turn comes after at most a few waits, each at least a microsecond.
    let t0 = Instant::now();
    let mut pacer = throttled_after(20, t0);
    let mut now = t0 + secs(1.0);
    for step in 0..10_000u64 {
        now += Duration::from_nanos(step * 7_919 % 50_000_000);
        let mut asked = 0;
        loop {
            asked += 1;
            assert!(asked < 5, "no turn after {asked} waits");
            match pacer.try_take(now) {
                Ok(_) => break,
                Err(wait) => {
                    assert!(wait >= Duration::from_micros(1), "{wait:?}");
                    now += wait;
                }
            }
        }
    }
}
