//! What the host-side model test checks after every operation: `stats` (all, and one label by
//! turns), `live`, the counts and `is_alive` of every live object and of those dropped since
//! the last check, and `paths.why` of all of them from one walk.

use mlua::{MultiValue, Table, Value as LuaValue, Variadic};
use rcprobe::{Counts, Kind};

use std::collections::BTreeMap;

use crate::model::{HandleKind, Hid, Id, Model, Stats, Why};
use crate::ops::{Failure, LABELS, Run, ensure, same};

fn stats_agree(what: &str, want: &Stats, got: &rcprobe::Stats) -> Result<(), Failure> {
    same(want.created, got.created, || format!("{what}.created"))?;
    same(want.dropped, got.dropped, || format!("{what}.dropped"))?;
    same(want.alive(), got.alive(), || format!("{what}.alive"))?;
    ensure(want.peak_low <= got.peak && got.peak <= want.peak_high, || {
        format!("{what}.peak: expected {} to {}, got {}", want.peak_low, want.peak_high, got.peak)
    })
}

pub fn verify(run: &mut Run, index: usize) -> Result<(), Failure> {
    let Run { world, model } = run;
    let lua = &world.lua;

    // stats() looks, so every drop is counted from here on.
    let total = rcprobe::stats(lua)?;
    model.looked();
    stats_agree("stats()", &model.total, &total)?;
    let label = LABELS[index % LABELS.len()];
    let want = model.labels.get(label).copied().unwrap_or_default();
    stats_agree(&format!("stats({label:?})"), &want, &rcprobe::stats_of(lua, label)?)?;

    let alive: Vec<Id> = model.alive_ids.iter().copied().collect();
    same(alive.clone(), rcprobe::live(lua, None)?, || "live()".into())?;
    let labelled: Vec<Id> = alive.iter().copied().filter(|id| model.object(*id).label == label).collect();
    same(labelled, rcprobe::live(lua, Some(label))?, || format!("live({label:?})"))?;

    let mut asked = alive.clone();
    asked.extend(model.dropped_lately.iter().copied());
    for &id in &asked {
        let object = model.object(id);
        let counted = matches!(object.kind, Kind::Probe | Kind::Rc);
        let expected = counted.then(|| Counts { strong: object.strong(), weak: object.weak_count() });
        same(expected, rcprobe::counts(lua, id)?, || format!("counts(#{id})"))?;
        same(object.alive, rcprobe::is_alive(lua, id)?, || format!("is_alive(#{id})"))?;
    }

    // paths.why of every one, from one walk.
    if asked.is_empty() {
        return Ok(());
    }
    let answers = model.why_all();
    let table_paths = model.table_paths();
    let results: MultiValue = world.why.call(Variadic::from_iter(asked.iter().copied()))?;
    same(asked.len(), results.len(), || "how many answers paths.why gave".into())?;
    for (&id, result) in asked.iter().zip(results) {
        why_agrees(model, &answers, &table_paths, id, result).map_err(|Failure(message)| {
            let report = rcprobe::report(lua, &[id]).unwrap_or_else(|error| error.to_string());
            Failure(format!("{message}\nrcprobe::report(#{id}):\n{report}"))
        })?;
    }
    model.dropped_lately.clear();
    Ok(())
}

fn why_agrees(
    model: &Model,
    answers: &BTreeMap<Id, Why>,
    table_paths: &BTreeMap<Hid, String>,
    id: Id,
    result: LuaValue,
) -> Result<(), Failure> {
    let LuaValue::Table(why) = result else {
        return Err(Failure(format!("paths.why(#{id}) gave a {}", result.type_name())));
    };
    let object = model.object(id);
    let what = |field: &str| format!("paths.why(#{id}).{field}");
    let verdict: String = why.get("verdict")?;
    if !object.alive {
        return same("dropped", verdict.as_str(), || what("verdict"));
    }
    let want = &answers[&id];
    same(object.kind.as_str(), why.get::<String>("kind")?.as_str(), || what("kind"))?;
    same(Some(object.label.to_string()), why.get::<Option<String>>("label")?, || what("label"))?;
    let counted = matches!(object.kind, Kind::Probe | Kind::Rc);
    same(counted.then(|| object.strong()), why.get::<Option<usize>>("strong")?, || what("strong"))?;
    same(want.reachable, why.get::<usize>("reachable")?, || what("reachable"))?;
    same(want.unreached, why.get::<usize>("unreached")?, || what("unreached"))?;
    same(want.held, why.get::<usize>("held")?, || what("held"))?;
    same(want.linked, why.get::<usize>("linked")?, || what("linked"))?;
    same(want.outside, why.get::<Option<usize>>("outside")?, || what("outside"))?;
    same(want.cycle, why.get::<bool>("cycle")?, || what("cycle"))?;
    same(want.verdict, verdict.as_str(), || what("verdict"))?;
    let paths: Table = why.get("paths")?;
    let (reachable, linked, weak): (Vec<String>, Vec<String>, Vec<String>) =
        (paths.get("reachable")?, paths.get("linked")?, paths.get("weak")?);
    same(want.reachable, reachable.len(), || format!("#paths.why(#{id}).paths.reachable: {reachable:?}"))?;
    same(want.linked, linked.len(), || format!("#paths.why(#{id}).paths.linked: {linked:?}"))?;
    same(want.weak_paths, weak.len(), || format!("#paths.why(#{id}).paths.weak: {weak:?}"))?;
    // The paths through plain tables, word for word (a cycle's line says more after it).
    for (hid, handle) in model.handles.iter().filter(|(_, handle)| handle.object == id) {
        let Some(path) = table_paths.get(hid) else { continue };
        let list = match handle.kind {
            HandleKind::WeakProbe => &weak,
            _ if !handle.is_strong() => continue,
            _ if path.starts_with("Rust: ") => &linked,
            _ => &reachable,
        };
        let cycle = format!("{path} (");
        ensure(list.iter().any(|line| line == path || line.starts_with(&cycle)), || {
            format!("paths.why(#{id}): no path {path:?} among {list:?}")
        })?;
    }
    Ok(())
}
