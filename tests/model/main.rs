//! The model test from the host's side: seeded random operations on every kind of object
//! rcprobe knows (Probes, WeakProbes, holds, links and loans from Lua; tracked `Rc`s, their
//! handles met or not, Tallies in Rust and in userdata, host `Link`s, watched Lua values and
//! loans from Rust), each followed by a comparison of `stats`, `live`, the counts, `is_alive`,
//! `leaks` (as an operation) and `paths.why`'s attribution with a model (tests/model/model.rs).
//!
//! Environment variables:
//!   RCPROBE_HOST_MODEL_OPS             operations per run (default 3000)
//!   RCPROBE_HOST_MODEL_SEED            the seed (default 1)
//!   RCPROBE_HOST_MODEL_SHRINK_SECONDS  how long a failure may spend shrinking (default 60)
//!
//!   RCPROBE_HOST_MODEL_OPS=20000 RCPROBE_HOST_MODEL_SEED=7 cargo test --features lua54,vendored --test model
//!
//! A disagreement fails with the seed, the first operation that disagreed (the operations up to
//! it replay it), its last operations, and the shortest list of operations found that still
//! disagrees. Every run is in a new Lua state, with the collector stopped: handles only go at
//! the collections the operations ask for. At the end the test drops what Rust holds and closes
//! the state, which must drop every tracked `Rc`, those in cycles through Rust included.

mod check;
#[path = "../common/mod.rs"]
mod common;
mod model;
mod ops;
mod world;

use std::panic::{self, AssertUnwindSafe};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::model::Model;
use crate::ops::{Failure, OPS, Rng, Run};
use crate::world::World;

const DEFAULT_OPS: u64 = 3000;
const DEFAULT_SEED: u64 = 1;
const DEFAULT_SHRINK_SECONDS: u64 = 60;
/// Operations of the failing prefix that a report shows, the last ones.
const SHOWN: usize = 40;

/// One run at a time: a run replaces the panic hook.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Where the last panic of a run happened, for its report (the hook below records it).
static PANICKED_AT: Mutex<Option<String>> = Mutex::new(None);

/// Records where a panic happens instead of printing it: a run reports its panics, and the
/// replays of a shrinking failure may panic hundreds of times.
fn record_panics() {
    panic::set_hook(Box::new(|info| {
        let place = info.location().map(|l| format!("{}:{}", l.file(), l.line()));
        *PANICKED_AT.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = place;
    }));
}

/// The kind of a disagreement, without the numbers that removing operations changes: a shrunk
/// list must disagree the same way.
fn kind_of(message: &str) -> String {
    let first = message.lines().next().unwrap_or("");
    let head = first.split(": expected").next().unwrap_or(first);
    head.chars().filter(|c| !c.is_ascii_digit()).collect()
}

fn env_number(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(text) if !text.is_empty() => {
            text.parse().unwrap_or_else(|_| panic!("{name} must be a non-negative integer, got {text:?}"))
        }
        _ => default,
    }
}

/// The model's rules: right, or wrong on purpose, for the test of the test.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Rules {
    Right,
    /// Forgets that collecting an Entity's userdata drops its Tally.
    KeepsCollectedEntities,
}

/// An operation of a run: which, and the seed of its random numbers.
type Step = (usize, u64);

struct Disagreement {
    /// 1-based; one past the last operation for a check after the run.
    index: usize,
    message: String,
}

/// Runs `next(run, k)`'s operations (None ends), each followed by the checks, then closes the
/// state. `log` receives what each did.
fn run(
    rules: Rules,
    mut next: impl FnMut(&Run, usize) -> Option<Step>,
    log: &mut Vec<String>,
) -> Option<Disagreement> {
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| -> Result<Option<Disagreement>, Failure> {
        let marks = cfg!(any(feature = "lua51", feature = "luajit"));
        let mut state = Run { world: World::new()?, model: Model::new(marks) };
        state.model.keeps_collected_entities = rules == Rules::KeepsCollectedEntities;
        let mut index = 0;
        while let Some((op, seed)) = next(&state, index + 1) {
            index += 1;
            let mut rng = Rng::new(seed);
            log.push(format!("{} (failed on the way)", OPS[op].name));
            if !ops::applies(&OPS[op], &state.model) {
                *log.last_mut().expect("pushed") = format!("{}: skipped", OPS[op].name);
                continue;
            }
            match (OPS[op].run)(&mut state, &mut rng) {
                Ok(what) => *log.last_mut().expect("pushed") = what,
                Err(Failure(message)) => return Ok(Some(Disagreement { index, message })),
            }
            state.world.lua.gc_stop();
            if let Err(Failure(message)) = check::verify(&mut state, index) {
                return Ok(Some(Disagreement { index, message }));
            }
        }
        // Closing the state drops every host object: Rust's own references go first.
        let ids: Vec<rcprobe::Id> = state.model.alive_ids.iter().copied().collect();
        let mut weaks = Vec::new();
        for id in ids {
            if let Some(weak) = rcprobe::downgrade(&state.world.lua, id)? {
                weaks.push((id, weak));
            }
        }
        let Run { world, model: _ } = state;
        drop(world);
        let kept: Vec<rcprobe::Id> =
            weaks.iter().filter(|(_, weak)| weak.strong_count() > 0).map(|(id, _)| *id).collect();
        if !kept.is_empty() {
            let message = format!("closing the state left these objects alive: {kept:?}");
            return Ok(Some(Disagreement { index: index + 1, message }));
        }
        Ok(None)
    }));
    match outcome {
        Ok(Ok(result)) => result,
        Ok(Err(Failure(message))) => Some(Disagreement { index: log.len() + 1, message }),
        Err(payload) => {
            let message = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "a panic".into());
            let place = PANICKED_AT.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).take();
            let place = place.map(|place| format!(" at {place}")).unwrap_or_default();
            Some(Disagreement { index: log.len().max(1), message: format!("panicked{place}: {message}") })
        }
    }
}

/// Replays a list of steps in a new state.
fn replay(rules: Rules, steps: &[Step], log: &mut Vec<String>) -> Option<Disagreement> {
    run(rules, |_, k| steps.get(k - 1).copied(), log)
}

/// The operations of a failing list that still disagree: the shortest suffix that fails, then
/// chunks of ever smaller size removed while it still fails, within `budget`.
fn shrink(rules: Rules, mut steps: Vec<Step>, kind: &str, budget: Duration) -> Vec<Step> {
    let deadline = Instant::now() + budget;
    let fails = |candidate: &[Step]| -> Option<Vec<Step>> {
        let failure = replay(rules, candidate, &mut Vec::new())?;
        (kind_of(&failure.message) == kind).then(|| candidate[..failure.index.min(candidate.len())].to_vec())
    };
    let mut size = 1;
    while size < steps.len() && Instant::now() < deadline {
        if let Some(cut) = fails(&steps[steps.len() - size..]) {
            steps = cut;
            break;
        }
        size *= 4;
    }
    let mut chunk = steps.len() / 2;
    while chunk >= 1 && Instant::now() < deadline {
        let (mut start, mut removed) = (0, false);
        while start < steps.len() && Instant::now() < deadline {
            let candidate: Vec<Step> = steps
                .iter()
                .enumerate()
                .filter(|(k, _)| *k < start || *k >= start + chunk)
                .map(|(_, s)| *s)
                .collect();
            match (!candidate.is_empty()).then(|| fails(&candidate)).flatten() {
                Some(cut) => {
                    steps = cut;
                    removed = true;
                }
                None => start += chunk,
            }
        }
        if !removed {
            chunk /= 2;
        }
    }
    steps
}

/// Runs `count` random operations from `seed`: None, or the report of the first disagreement.
fn check_random(rules: Rules, seed: u64, count: u64, shrink_budget: Duration) -> Option<String> {
    let hook = panic::take_hook();
    record_panics();
    let report = report_random(rules, seed, count, shrink_budget);
    panic::set_hook(hook);
    report
}

fn report_random(rules: Rules, seed: u64, count: u64, shrink_budget: Duration) -> Option<String> {
    let mut choices = Rng::new(seed);
    let mut steps: Vec<Step> = Vec::new();
    let mut log = Vec::new();
    let failure = run(
        rules,
        |state, k| {
            if k as u64 > count {
                return None;
            }
            let step = (ops::choose(state, choices.unit()), choices.next_u64());
            steps.push(step);
            Some(step)
        },
        &mut log,
    )?;
    let mut lines = vec![
        format!("rcprobe disagrees with the model at operation {} of seed {seed}:", failure.index),
        format!("  {}", failure.message),
        format!(
            "The shortest failing prefix: RCPROBE_HOST_MODEL_SEED={seed} RCPROBE_HOST_MODEL_OPS={}",
            failure.index.min(steps.len())
        ),
        format!("Its last {SHOWN} operations:"),
    ];
    let first = failure.index.saturating_sub(SHOWN);
    for (k, what) in log.iter().enumerate().skip(first) {
        lines.push(format!("{:7}  {what}", k + 1));
    }
    steps.truncate(failure.index);
    let shrunk = shrink(rules, steps, &kind_of(&failure.message), shrink_budget);
    let mut shrunk_log = Vec::new();
    if let Some(again) = replay(rules, &shrunk, &mut shrunk_log) {
        lines.push(format!("Shrunk to {} operations that still disagree:", again.index));
        for (k, what) in shrunk_log.iter().enumerate().take(again.index) {
            lines.push(format!("{:5}  {what}", k + 1));
        }
        lines.push(format!("  -> {}", again.message));
    }
    Some(lines.join("\n"))
}

#[test]
fn agrees_with_the_model_after_every_operation_on_every_kind_of_object() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let count = env_number("RCPROBE_HOST_MODEL_OPS", DEFAULT_OPS);
    let seed = env_number("RCPROBE_HOST_MODEL_SEED", DEFAULT_SEED);
    let budget = Duration::from_secs(env_number("RCPROBE_HOST_MODEL_SHRINK_SECONDS", DEFAULT_SHRINK_SECONDS));
    if let Some(report) = check_random(Rules::Right, seed, count, budget) {
        panic!("{report}");
    }
}

#[test]
fn reports_the_seed_the_failing_prefix_and_a_shrunk_list_when_the_model_is_wrong() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let report = check_random(Rules::KeepsCollectedEntities, 1, 3000, Duration::from_secs(60))
        .expect("a model that keeps collected Entities alive disagrees");
    let number_after = |text: &str| -> usize {
        let rest = report.split(text).nth(1).unwrap_or_else(|| panic!("no {text:?} in:\n{report}"));
        rest.split(' ')
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no number in:\n{report}"))
    };
    let index = number_after("at operation ");
    assert!(
        report.contains(&format!("RCPROBE_HOST_MODEL_SEED=1 RCPROBE_HOST_MODEL_OPS={index}")),
        "{report}"
    );
    let shrunk = number_after("Shrunk to ");
    assert!(shrunk < index, "{report}");
    assert!(report.contains("Entity"), "{report}");
}
