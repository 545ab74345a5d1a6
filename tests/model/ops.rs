//! The operations of the host-side model test: each acts on the real state and on the model
//! alike, checks what it can see on the way, and says what it did (for reports).
//!
//! An operation gets its own random numbers, and picks roots, clones and objects counting from
//! the newest, so that removing an earlier operation (when shrinking a failure) leaves the
//! picks of the later ones alone. One that finds nothing to act on is skipped.

use std::any::Any;
use std::cell::RefCell;
use std::rc::Rc;

use mlua::{AnyUserData, Function, ObjectLike, Table, Value as LuaValue};
use rcprobe::{Kind, Leak};

use crate::model::{Cid, HandleKind, Hid, Holder, Home, Id, Model, ProbeLink, Shape, Value};
use crate::world::{Entity, Handle, HostLink, Thing, World};

pub struct Run {
    pub world: World,
    pub model: Model,
}

/// A disagreement, or an error on the way.
#[derive(Debug)]
pub struct Failure(pub String);

impl From<mlua::Error> for Failure {
    fn from(error: mlua::Error) -> Failure {
        Failure(format!("error: {error}"))
    }
}

pub type Outcome = Result<String, Failure>;

/// Fails unless `expected == got`.
pub fn same<T: PartialEq + std::fmt::Debug>(
    expected: T,
    got: T,
    what: impl FnOnce() -> String,
) -> Result<(), Failure> {
    if expected == got {
        return Ok(());
    }
    Err(Failure(format!("{}: expected {expected:?}, got {got:?}", what())))
}

pub fn ensure(ok: bool, what: impl FnOnce() -> String) -> Result<(), Failure> {
    if ok { Ok(()) } else { Err(Failure(what())) }
}

// Random numbers ---------------------------------------------------------------------------

/// xorshift64*: a seed gives the same numbers everywhere.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        // splitmix64 of the seed, so that nearby seeds start far apart (and never at 0).
        let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        Rng((z ^ (z >> 31)) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// In [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// In 0..n (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        ((self.unit() * n as f64) as usize).min(n - 1)
    }

    /// An index into a list of n, counting from the newest.
    pub fn recent(&mut self, n: usize) -> usize {
        n - 1 - self.below(n)
    }

    pub fn pick<T: Copy>(&mut self, list: &[T]) -> T {
        list[self.below(list.len())]
    }
}

// Labels -----------------------------------------------------------------------------------

const PROBE_LABELS: [&str; 2] = ["probe a", "probe b"];
const THING_LABELS: [&str; 2] = ["thing a", "thing b"];
const ENTITY_LABELS: [&str; 2] = ["Entity", "Widget"];
const BOX_LABELS: [&str; 2] = ["box a", "box b"];
/// Every label, for the checks to go through by turns.
pub const LABELS: [&str; 8] =
    ["probe a", "probe b", "thing a", "thing b", "Entity", "Widget", "box a", "box b"];

// Describing -------------------------------------------------------------------------------

pub fn describe(model: &Model, value: Value) -> String {
    match value {
        Value::Handle(hid) => {
            let handle = model.handle(hid);
            let id = handle.object;
            match handle.kind {
                HandleKind::Probe if handle.closed => format!("Probe #{id} (closed)"),
                HandleKind::Probe => format!("Probe #{id}"),
                HandleKind::WeakProbe => format!("WeakProbe #{id}"),
                HandleKind::Host { wrapped: true } => format!("Rc #{id} as userdata"),
                HandleKind::Host { wrapped: false } => format!("Handle of #{id}"),
                HandleKind::Entity => format!("Entity #{id}"),
            }
        }
        Value::Container(cid) => {
            let container = &model.containers[&cid];
            let inner: Vec<String> = container.values.iter().map(|&v| describe(model, v)).collect();
            let shape = if container.shape == Shape::Closure { "closure " } else { "" };
            let watched = container.watched.map(|id| format!(" (watched #{id})")).unwrap_or_default();
            format!("{shape}{{{}}}{watched}", inner.join(", "))
        }
    }
}

// Roots and containers ---------------------------------------------------------------------

fn push_root(run: &mut Run, value: Value, lua_value: impl mlua::IntoLua) -> Result<usize, Failure> {
    run.world.roots.raw_push(lua_value)?;
    run.model.roots.push(value);
    Ok(run.model.roots.len())
}

/// Takes root `i` (0-based) out of the root table.
fn take_root(run: &mut Run, i: usize) -> Result<(Value, LuaValue), Failure> {
    let lua_value: LuaValue = run.world.roots.raw_get(i + 1)?;
    run.world.roots.raw_remove(i as i64 + 1)?;
    Ok((run.model.roots.remove(i), lua_value))
}

fn pick_root(run: &Run, rng: &mut Rng, keep: impl Fn(&Model, Value) -> bool) -> Option<usize> {
    let found: Vec<usize> =
        (0..run.model.roots.len()).filter(|&i| keep(&run.model, run.model.roots[i])).collect();
    (!found.is_empty()).then(|| found[rng.recent(found.len())])
}

fn root_handle(run: &Run, i: usize) -> Result<AnyUserData, Failure> {
    Ok(run.world.roots.raw_get(i + 1)?)
}

fn handle_of(model: &Model, value: Value) -> Option<(Hid, &crate::model::Handle)> {
    match value {
        Value::Handle(hid) => Some((hid, model.handle(hid))),
        Value::Container(_) => None,
    }
}

fn is_open_probe(model: &Model, value: Value) -> bool {
    handle_of(model, value).is_some_and(|(_, h)| h.kind == HandleKind::Probe && !h.closed)
}

fn is_probe(model: &Model, value: Value) -> bool {
    handle_of(model, value).is_some_and(|(_, h)| h.kind == HandleKind::Probe)
}

fn is_host(model: &Model, value: Value) -> bool {
    handle_of(model, value)
        .is_some_and(|(_, h)| matches!(h.kind, HandleKind::Host { .. } | HandleKind::Entity))
}

/// Moves up to `max` random roots into a new container of a random shape.
fn gather(run: &mut Run, rng: &mut Rng, max: usize) -> Result<(Cid, LuaValue, String), Failure> {
    let shape = if rng.chance(0.3) { Shape::Closure } else { Shape::Table };
    let count = rng.below(max + 1);
    let (mut values, mut lua_values) = (Vec::new(), Vec::new());
    for _ in 0..count {
        if run.model.roots.is_empty() {
            break;
        }
        let i = rng.recent(run.model.roots.len());
        let (value, lua_value) = take_root(run, i)?;
        values.push(value);
        lua_values.push(lua_value);
    }
    let cid = run.model.add_container(shape, values);
    let lua_value = run.world.new_container(cid, shape, lua_values)?;
    Ok((cid, lua_value, describe(&run.model, Value::Container(cid))))
}

/// A new handle of object `id`, under one number in the model and in the world.
fn adopt(run: &mut Run, id: Id, kind: HandleKind, met: bool, ud: &AnyUserData) -> Result<Hid, Failure> {
    let hid = run.model.add_handle(id, kind, met);
    run.world.register_handle(hid, ud)?;
    Ok(hid)
}

/// Puts a new handle in the root table, or (with chance `garbage`) leaves it garbage at once.
fn keep_or_not(
    run: &mut Run,
    rng: &mut Rng,
    garbage: f64,
    hid: Hid,
    ud: AnyUserData,
    what: String,
) -> Outcome {
    if rng.chance(garbage) {
        return Ok(format!("{what}, dropped at once"));
    }
    let i = push_root(run, Value::Handle(hid), ud)?;
    Ok(format!("{what} -> root {i}"))
}

fn ids_of_kind(model: &Model, kind: Kind) -> Vec<Id> {
    model.alive_ids.iter().copied().filter(|id| model.object(*id).kind == kind).collect()
}

/// The `Thing` of a live tracked `Rc`, through `rcprobe::downgrade` (one more strong
/// reference while it is held).
fn thing_of(world: &World, id: Id) -> Result<Rc<RefCell<Thing>>, Failure> {
    let weak =
        rcprobe::downgrade(&world.lua, id)?.ok_or_else(|| Failure(format!("downgrade(#{id}): None")))?;
    let any: Rc<dyn Any> = weak.upgrade().ok_or_else(|| Failure(format!("#{id} is gone")))?;
    any.downcast::<RefCell<Thing>>().map_err(|_| Failure(format!("#{id} is not a Thing")))
}

// The operations ---------------------------------------------------------------------------

/// What an operation needs to act on, so that the choice skips those that cannot.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    Nothing,
    Root,
    OpenProbe,
    Probe,
    Weak,
    Handle,
    LiveRc,
    RustClone,
    RustEntity,
    HostLink,
    /// A Lua with two collector modes (5.4, 5.5).
    TwoModes,
}

pub struct Op {
    pub name: &'static str,
    pub weight: f64,
    pub needs: Needs,
    pub grows: bool,
    pub frees: bool,
    pub run: fn(&mut Run, &mut Rng) -> Outcome,
}

fn skipped(name: &str) -> Outcome {
    Ok(format!("{name}: skipped"))
}

fn new_probe(run: &mut Run, rng: &mut Rng) -> Outcome {
    let label = rng.pick(&PROBE_LABELS);
    let opts = run.world.lua.create_table_from([("label", label)])?;
    let p: AnyUserData = run.world.function("new")?.call((LuaValue::Nil, opts))?;
    let id = run.model.create(Kind::Probe, label);
    same(id, p.call_method::<Id>("id", ())?, || "the id of a new Probe".into())?;
    let hid = adopt(run, id, HandleKind::Probe, true, &p)?;
    let i = push_root(run, Value::Handle(hid), p)?;
    Ok(format!("rcprobe.new({label:?}) -> root {i} = Probe #{id}"))
}

/// A new Probe or WeakProbe of root `i`'s object, from `method`.
fn another_handle(run: &mut Run, i: usize, method: &str, kind: HandleKind) -> Outcome {
    let what = describe(&run.model, run.model.roots[i]);
    let p = root_handle(run, i)?;
    let new: AnyUserData = p.call_method(method, ())?;
    let id = run.model.id_of(run.model.roots[i]).expect("a handle");
    let hid = adopt(run, id, kind, true, &new)?;
    let j = push_root(run, Value::Handle(hid), new)?;
    Ok(format!("{what}:{method}() -> root {j}"))
}

fn clone_probe(run: &mut Run, rng: &mut Rng) -> Outcome {
    let Some(i) = pick_root(run, rng, is_open_probe) else { return skipped("clone") };
    another_handle(run, i, "clone", HandleKind::Probe)
}

fn downgrade(run: &mut Run, rng: &mut Rng) -> Outcome {
    let Some(i) = pick_root(run, rng, is_open_probe) else { return skipped("downgrade") };
    another_handle(run, i, "downgrade", HandleKind::WeakProbe)
}

fn upgrade(run: &mut Run, rng: &mut Rng) -> Outcome {
    let weak = |m: &Model, v| handle_of(m, v).is_some_and(|(_, h)| h.kind == HandleKind::WeakProbe);
    let Some(i) = pick_root(run, rng, weak) else { return skipped("upgrade") };
    let what = describe(&run.model, run.model.roots[i]);
    let id = run.model.id_of(run.model.roots[i]).expect("a handle");
    let p: Option<AnyUserData> = root_handle(run, i)?.call_method("upgrade", ())?;
    let Some(p) = p else {
        ensure(!run.model.is_alive(id), || format!("{what}:upgrade() of a live object returned nil"))?;
        return Ok(format!("{what}:upgrade() -> nil"));
    };
    ensure(run.model.is_alive(id), || format!("{what}:upgrade() of a dropped object returned a Probe"))?;
    let hid = adopt(run, id, HandleKind::Probe, true, &p)?;
    keep_or_not(run, rng, 0.25, hid, p, format!("{what}:upgrade() -> a Probe"))
}

fn close(run: &mut Run, rng: &mut Rng) -> Outcome {
    let Some(i) = pick_root(run, rng, is_probe) else { return skipped("close") };
    let what = describe(&run.model, run.model.roots[i]);
    root_handle(run, i)?.call_method::<()>("close", ())?;
    let (hid, _) = handle_of(&run.model, run.model.roots[i]).expect("a handle");
    run.model.close(hid);
    Ok(format!("{what}:close()"))
}

fn hold(run: &mut Run, rng: &mut Rng) -> Outcome {
    let Some(i) = pick_root(run, rng, is_open_probe) else { return skipped("hold") };
    let what = describe(&run.model, run.model.roots[i]);
    let held: usize = run.world.function("hold")?.call(root_handle(run, i)?)?;
    let id = run.model.id_of(run.model.roots[i]).expect("a handle");
    same(run.model.hold(id), held, || format!("rcprobe.hold({what})"))?;
    Ok(format!("rcprobe.hold({what}) -> {held}"))
}

fn release(run: &mut Run, rng: &mut Rng) -> Outcome {
    let countable =
        |m: &Model, v| handle_of(m, v).is_some_and(|(_, h)| !matches!(h.kind, HandleKind::Entity));
    let (x, id, what) = match pick_root(run, rng, countable) {
        Some(i) if rng.chance(0.4) => {
            let (hid, handle) = handle_of(&run.model, run.model.roots[i]).expect("a handle");
            let id = handle.object;
            run.model.meet(hid);
            (LuaValue::UserData(root_handle(run, i)?), id, describe(&run.model, run.model.roots[i]))
        }
        _ => {
            // Any id of an object with a count, alive or not.
            let ids: Vec<Id> = (1..=run.model.last_id)
                .filter(|id| matches!(run.model.object(*id).kind, Kind::Probe | Kind::Rc))
                .collect();
            if ids.is_empty() {
                return skipped("release");
            }
            let id = ids[rng.recent(ids.len())];
            (LuaValue::Integer(id.into()), id, format!("#{id}"))
        }
    };
    let released: usize = run.world.function("release")?.call(x)?;
    same(run.model.release(id), released, || format!("rcprobe.release({what})"))?;
    Ok(format!("rcprobe.release({what}) -> {released}"))
}

fn link(run: &mut Run, rng: &mut Rng) -> Outcome {
    let Some(i) = pick_root(run, rng, is_open_probe) else { return skipped("link") };
    let what = describe(&run.model, run.model.roots[i]);
    let id = run.model.id_of(run.model.roots[i]).expect("a handle");
    let p = root_handle(run, i)?;
    if rng.chance(0.15) {
        p.call_method::<()>("link", true)?;
        run.model.link(id, ProbeLink::Plain);
        return Ok(format!("{what}:link(true)"));
    }
    let (cid, value, shown) = gather(run, rng, 3)?;
    p.call_method::<()>("link", value)?;
    run.model.link(id, ProbeLink::Container(cid));
    Ok(format!("{what}:link({shown})"))
}

fn unlink(run: &mut Run, rng: &mut Rng) -> Outcome {
    let Some(i) = pick_root(run, rng, is_open_probe) else { return skipped("unlink") };
    let what = describe(&run.model, run.model.roots[i]);
    let id = run.model.id_of(run.model.roots[i]).expect("a handle");
    let unlinked: bool = root_handle(run, i)?.call_method("unlink", ())?;
    same(run.model.unlink(id), unlinked, || format!("{what}:unlink()"))?;
    Ok(format!("{what}:unlink() -> {unlinked}"))
}

/// A Probe's `attach`, or a host handle's user value.
fn attach(run: &mut Run, rng: &mut Rng) -> Outcome {
    let attachable = |m: &Model, v| is_open_probe(m, v) || is_host(m, v);
    let Some(i) = pick_root(run, rng, attachable) else { return skipped("attach") };
    let what = describe(&run.model, run.model.roots[i]);
    let (hid, handle) = handle_of(&run.model, run.model.roots[i]).expect("a handle");
    let probe = handle.kind == HandleKind::Probe;
    let ud = root_handle(run, i)?;
    let (cid, value, shown) = if rng.chance(0.2) {
        (None, LuaValue::Nil, "nil".to_string())
    } else {
        let (cid, value, shown) = gather(run, rng, 3)?;
        (Some(cid), value, shown)
    };
    if probe {
        ud.call_method::<()>("attach", value)?;
    } else {
        ud.set_user_value(value)?;
    }
    run.model.handles.get_mut(&hid).expect("a live handle").attached = cid;
    Ok(if probe { format!("{what}:attach({shown})") } else { format!("{what}: user value {shown}") })
}

fn track(run: &mut Run, rng: &mut Rng) -> Outcome {
    let label = rng.pick(&THING_LABELS);
    let thing = Rc::new(RefCell::new(Thing::default()));
    let id = rcprobe::track(&run.world.lua, &thing, label)?;
    same(run.model.track(label), id, || format!("rcprobe::track({label:?})"))?;
    run.world.things.push(thing);
    Ok(format!("rcprobe::track(Rc #{id}, {label:?}), Rust keeps it"))
}

fn retrack(run: &mut Run, rng: &mut Rng) -> Outcome {
    let k = rng.recent(run.world.things.len());
    let id = run.model.rust_clones[k];
    let label = rng.pick(&THING_LABELS);
    let again = rcprobe::track(&run.world.lua, &run.world.things[k], label)?;
    same(id, again, || format!("rcprobe::track of Rc #{id} again"))?;
    Ok(format!("rcprobe::track(Rc #{id}, {label:?}) again -> #{again}"))
}

fn rust_clone(run: &mut Run, rng: &mut Rng) -> Outcome {
    let ids: Vec<Id> = (1..=run.model.last_id).filter(|id| run.model.object(*id).kind == Kind::Rc).collect();
    if ids.is_empty() {
        return skipped("rust_clone");
    }
    let live = ids_of_kind(&run.model, Kind::Rc);
    let id = if live.is_empty() || rng.chance(0.1) {
        ids[rng.recent(ids.len())]
    } else {
        live[rng.recent(live.len())]
    };
    let weak = rcprobe::downgrade(&run.world.lua, id)?;
    if !run.model.is_alive(id) {
        same(true, weak.is_none(), || format!("rcprobe::downgrade(#{id}) of a dropped Rc is None"))?;
        return Ok(format!("rcprobe::downgrade(#{id}) -> None"));
    }
    drop(weak);
    let thing = thing_of(&run.world, id)?;
    run.world.things.push(thing);
    run.model.add_rust_clone(id);
    Ok(format!("Rust takes a clone of Rc #{id} (rcprobe::downgrade, upgrade)"))
}

fn rust_drop(run: &mut Run, rng: &mut Rng) -> Outcome {
    let k = rng.recent(run.world.things.len());
    drop(run.world.things.remove(k));
    let id = run.model.drop_rust_clone(k);
    Ok(format!("Rust drops a clone of Rc #{id}"))
}

/// An `Rc` of the live tracked object `id`: Rust's own clone if it has one.
fn rc_of(run: &Run, id: Id) -> Result<Rc<RefCell<Thing>>, Failure> {
    match run.model.rust_clones.iter().position(|&c| c == id) {
        Some(k) => Ok(Rc::clone(&run.world.things[k])),
        None => thing_of(&run.world, id),
    }
}

fn new_handle(run: &mut Run, rng: &mut Rng) -> Outcome {
    let live = ids_of_kind(&run.model, Kind::Rc);
    if live.is_empty() {
        return skipped("new_handle");
    }
    let id = live[rng.recent(live.len())];
    let rc = rc_of(run, id)?;
    let lua = &run.world.lua;
    let (ud, kind, met, how) = match rng.below(3) {
        0 => (
            rcprobe::handle(lua, Handle(Rc::clone(&rc)))?,
            HandleKind::Host { wrapped: false },
            true,
            "rcprobe::handle(Handle(rc))",
        ),
        1 => (
            lua.create_userdata(Handle(Rc::clone(&rc)))?,
            HandleKind::Host { wrapped: false },
            false,
            "create_userdata(Handle(rc))",
        ),
        _ => (
            lua.create_userdata(Rc::clone(&rc))?,
            HandleKind::Host { wrapped: true },
            false,
            "create_userdata(rc)",
        ),
    };
    drop(rc);
    let hid = adopt(run, id, kind, met, &ud)?;
    keep_or_not(run, rng, 0.2, hid, ud, format!("{how} of Rc #{id}"))
}

/// The host calls a Lua function with a new handle, which asks for its count (rcprobe meets
/// it) and keeps it or not.
fn pass_handle(run: &mut Run, rng: &mut Rng) -> Outcome {
    let live = ids_of_kind(&run.model, Kind::Rc);
    if live.is_empty() {
        return skipped("pass_handle");
    }
    let id = live[rng.recent(live.len())];
    let rc = rc_of(run, id)?;
    let ud = run.world.lua.create_userdata(Handle(Rc::clone(&rc)))?;
    drop(rc);
    let hid = adopt(run, id, HandleKind::Host { wrapped: false }, true, &ud)?;
    let keep = rng.chance(0.5);
    let expected = run.model.object(id).strong();
    let pass: Function = run.world.helpers.get("pass")?;
    let (strong, seen): (usize, Option<Id>) = pass.call((ud, keep))?;
    same(expected, strong, || format!("rcprobe.strong_count(h) of a handle of Rc #{id} the host passed"))?;
    same(Some(id), seen, || "rcprobe.id_of(h) of a handle the host passed".into())?;
    if keep {
        run.model.roots.push(Value::Handle(hid));
        return Ok(format!(
            "the host passes a Handle of Rc #{id}; Lua keeps it as root {}",
            run.model.roots.len()
        ));
    }
    Ok(format!("the host passes a Handle of Rc #{id}; Lua drops it"))
}

fn new_entity(run: &mut Run, rng: &mut Rng) -> Outcome {
    let label = rng.pick(&ENTITY_LABELS);
    let lua = run.world.lua.clone();
    let entity = Entity { tally: rcprobe::Tally::new(&lua, label)?, links: Vec::new() };
    let tally_id = entity.tally.id();
    if rng.chance(0.4) {
        same(run.model.entity_in_rust(label), tally_id, || "the id of a new Tally".into())?;
        run.world.entities.push(entity);
        return Ok(format!("Entity #{tally_id} {label:?}, Rust keeps it"));
    }
    let met = rng.chance(0.5);
    let ud = if met { rcprobe::handle(&lua, entity)? } else { lua.create_userdata(entity)? };
    let (id, hid) = run.model.entity_in_handle(label, met);
    same(id, tally_id, || "the id of a new Tally".into())?;
    run.world.register_handle(hid, &ud)?;
    let how = if met { "rcprobe::handle" } else { "create_userdata" };
    keep_or_not(run, rng, 0.15, hid, ud, format!("Entity #{id} {label:?} in a userdata ({how})"))
}

fn drop_entity(run: &mut Run, rng: &mut Rng) -> Outcome {
    let k = rng.recent(run.world.entities.len());
    drop(run.world.entities.remove(k));
    let id = run.model.drop_entity(k);
    Ok(format!("Rust drops Entity #{id}"))
}

/// A host struct's field takes a new container: a Thing's, an Entity's, or a list's of Rust's
/// own (no owner).
fn host_link(run: &mut Run, rng: &mut Rng) -> Outcome {
    let things = ids_of_kind(&run.model, Kind::Rc);
    let in_handles: Vec<(Id, Hid)> = ids_of_kind(&run.model, Kind::Tally)
        .into_iter()
        .filter_map(|id| match run.model.object(id).home {
            Some(Home::Handle(hid)) => Some((id, hid)),
            _ => None,
        })
        .collect();
    enum Target {
        Thing(Id),
        RustEntity(usize),
        HandleEntity(Id, Hid),
        Free,
    }
    let target = match rng.below(4) {
        0 if !things.is_empty() => Target::Thing(things[rng.recent(things.len())]),
        1 if !run.world.entities.is_empty() => Target::RustEntity(rng.recent(run.world.entities.len())),
        2 if !in_handles.is_empty() => {
            let (id, hid) = in_handles[rng.recent(in_handles.len())];
            Target::HandleEntity(id, hid)
        }
        _ => Target::Free,
    };
    let (holder, label) = match target {
        Target::Thing(id) => (Holder::Thing(id), "Thing.children"),
        Target::RustEntity(k) => (Holder::Entity(run.model.entities[k]), "Entity.children"),
        Target::HandleEntity(id, _) => (Holder::Entity(id), "Entity.children"),
        Target::Free => (Holder::Free, "Rust.kept"),
    };
    // The holder first: the container may take its own handle from the roots.
    let thing = match holder {
        Holder::Thing(id) => Some(thing_of(&run.world, id)?),
        _ => None,
    };
    let entity_ud = match target {
        Target::HandleEntity(_, hid) => Some(run.world.handle(hid)?),
        _ => None,
    };
    let (cid, value, shown) = gather(run, rng, 3)?;
    let lua = run.world.lua.clone();
    let owner = match holder {
        Holder::Thing(id) | Holder::Entity(id) => Some(id),
        Holder::Free => None,
    };
    let link = match (value, owner) {
        (LuaValue::Table(t), Some(owner)) => {
            HostLink::Table(rcprobe::Link::with_owner(&lua, owner, label, t)?)
        }
        (LuaValue::Table(t), None) => HostLink::Table(rcprobe::Link::new(&lua, label, t)?),
        (LuaValue::Function(f), Some(owner)) => {
            HostLink::Function(rcprobe::Link::with_owner(&lua, owner, label, f)?)
        }
        (LuaValue::Function(f), None) => HostLink::Function(rcprobe::Link::new(&lua, label, f)?),
        (other, _) => return Err(Failure(format!("a container is a {}", other.type_name()))),
    };
    let lid = run.model.add_host_link(holder, label, cid);
    match target {
        Target::Thing(_) => thing.expect("a Thing").borrow_mut().links.push((lid, link)),
        Target::RustEntity(k) => run.world.entities[k].links.push((lid, link)),
        Target::HandleEntity(..) => {
            entity_ud.expect("a userdata").borrow_mut::<Entity>()?.links.push((lid, link))
        }
        Target::Free => run.world.free_links.push((lid, link)),
    }
    let whose = match holder {
        Holder::Thing(id) => format!("Rc #{id}'s Thing"),
        Holder::Entity(id) => format!("Entity #{id}"),
        Holder::Free => "Rust's own list".to_string(),
    };
    Ok(format!("{whose} holds rcprobe::Link {label:?} of {shown}"))
}

/// Removes link `lid` from a list of a host struct's links.
fn remove_link(links: &mut Vec<(crate::model::Lid, HostLink)>, lid: crate::model::Lid) -> Option<HostLink> {
    let k = links.iter().position(|(l, _)| *l == lid)?;
    Some(links.remove(k).1)
}

fn host_unlink(run: &mut Run, rng: &mut Rng) -> Outcome {
    let lids: Vec<crate::model::Lid> = run.model.host_links.keys().copied().collect();
    let lid = lids[rng.recent(lids.len())];
    let holder = run.model.host_links[&lid].holder;
    let removed = match holder {
        Holder::Thing(id) => remove_link(&mut thing_of(&run.world, id)?.borrow_mut().links, lid),
        Holder::Entity(id) => match run.model.object(id).home {
            Some(Home::Handle(hid)) => {
                remove_link(&mut run.world.handle(hid)?.borrow_mut::<Entity>()?.links, lid)
            }
            _ => {
                let k = run.model.entities.iter().position(|&e| e == id).expect("a Rust entity");
                remove_link(&mut run.world.entities[k].links, lid)
            }
        },
        Holder::Free => remove_link(&mut run.world.free_links, lid),
    };
    ensure(removed.is_some(), || format!("host link {lid} is not where the model says"))?;
    drop(removed); // after every borrow: dropping a Link tells the ledger
    let link = run.model.drop_host_link(lid);
    Ok(format!(
        "the host drops its rcprobe::Link {:?} of {}",
        link.label,
        describe(&run.model, Value::Container(link.value))
    ))
}

fn watch(run: &mut Run, rng: &mut Rng) -> Outcome {
    let lua = run.world.lua.clone();
    // Watching a watched value again gives the id it has.
    let watched: Vec<(Cid, Id)> = run
        .model
        .reached_containers()
        .into_iter()
        .filter_map(|cid| run.model.containers[&cid].watched.map(|id| (cid, id)))
        .collect();
    if !watched.is_empty() && rng.chance(0.2) {
        let (cid, id) = watched[rng.recent(watched.len())];
        let again = rcprobe::watch(&lua, run.world.container(cid)?, rng.pick(&BOX_LABELS))?;
        same(id, again, || format!("rcprobe::watch of watched #{id} again"))?;
        return Ok(format!("rcprobe::watch(#{id}) again -> #{again}"));
    }
    let label = rng.pick(&BOX_LABELS);
    let (cid, value, _) = gather(run, rng, 3)?;
    let id = rcprobe::watch(&lua, &value, label)?;
    same(run.model.watch(cid, label), id, || format!("rcprobe::watch(.., {label:?})"))?;
    let i = push_root(run, Value::Container(cid), value)?;
    Ok(format!("rcprobe::watch({}, {label:?}) -> root {i}", describe(&run.model, Value::Container(cid))))
}

fn boxed(run: &mut Run, rng: &mut Rng) -> Outcome {
    let (cid, value, shown) = gather(run, rng, 3)?;
    let i = push_root(run, Value::Container(cid), value)?;
    Ok(format!("{shown} -> root {i}"))
}

/// Takes a value out of a container that a root or a link reaches (the only way to break a
/// cycle through a link when no handle of its owner is left in the roots).
fn take(run: &mut Run, rng: &mut Rng) -> Outcome {
    let full: Vec<Cid> = run
        .model
        .reached_containers()
        .into_iter()
        .filter(|cid| !run.model.containers[cid].values.is_empty())
        .collect();
    if full.is_empty() {
        return skipped("take");
    }
    let cid = full[rng.recent(full.len())];
    let shown = describe(&run.model, Value::Container(cid));
    let j = rng.recent(run.model.containers[&cid].values.len());
    let contents: Table = run.world.contents(cid)?;
    let lua_value: LuaValue = contents.raw_get(j + 1)?;
    contents.raw_remove(j as i64 + 1)?;
    let value = run.model.containers.get_mut(&cid).expect("a live container").values.remove(j);
    let i = push_root(run, value, lua_value)?;
    Ok(format!("take [{}] of {shown} -> root {i}", j + 1))
}

fn drop_root(run: &mut Run, rng: &mut Rng) -> Outcome {
    let i = rng.recent(run.model.roots.len());
    let what = describe(&run.model, run.model.roots[i]);
    take_root(run, i)?;
    Ok(format!("drop root {} = {what}", i + 1))
}

/// Lua 5.4 and 5.5: the collector's other mode (generational, where `rcprobe::leaks` starts
/// with a young collection, or incremental). Switching to generational runs a full cycle, so
/// it comes after a full collection, which leaves that cycle nothing to free.
fn switch_mode(run: &mut Run, _: &mut Rng) -> Outcome {
    full_gc(run, &mut Rng::new(0))?;
    let previous: String = run
        .world
        .lua
        .load("local mode = collectgarbage('generational') if mode == 'generational' then collectgarbage('incremental') end return mode")
        .eval()?;
    run.world.lua.gc_stop();
    let now = if previous == "generational" { "incremental" } else { "generational" };
    Ok(format!("rcprobe::full_gc(), then collectgarbage({now:?})"))
}

fn collect(run: &mut Run, _: &mut Rng) -> Outcome {
    run.world.lua.gc_collect()?;
    run.world.lua.gc_stop(); // 5.1 and LuaJIT restart the collector after a collection
    run.model.collect();
    Ok("collectgarbage()".into())
}

fn full_gc(run: &mut Run, _: &mut Rng) -> Outcome {
    let cycles = rcprobe::full_gc(&run.world.lua)?;
    run.world.lua.gc_stop();
    let changed = run.model.full_gc(16);
    ensure((2..=16).contains(&cycles) && cycles >= (changed + 1).min(16), || {
        format!(
            "rcprobe::full_gc ran {cycles} cycles, but needs 2 to 16 and one more than the {changed} that free something"
        )
    })?;
    Ok(format!("rcprobe::full_gc() -> {cycles}"))
}

/// `rcprobe::leaks` of a closure that makes a few objects of every kind and keeps some.
fn leaks(run: &mut Run, rng: &mut Rng) -> Outcome {
    let lua = run.world.lua.clone();
    let mark = run.model.last_id;
    let count = 1 + rng.below(3);
    let mut made = Vec::new();
    let found = rcprobe::leaks(&lua, || -> mlua::Result<()> {
        for _ in 0..count {
            let keep = rng.chance(0.5);
            let outcome = match rng.below(4) {
                0 => {
                    let outcome = new_probe(run, rng);
                    if outcome.is_ok() && !keep {
                        take_root(run, run.model.roots.len() - 1).map_err(|f| mlua::Error::runtime(f.0))?;
                    }
                    outcome
                }
                1 => {
                    let outcome = track(run, rng);
                    if outcome.is_ok() && !keep {
                        rust_drop_last(run);
                    }
                    outcome
                }
                2 => new_entity(run, rng),
                _ => watch(run, rng),
            };
            made.push(outcome.map_err(|f| mlua::Error::runtime(f.0))?);
        }
        Ok(())
    })?;
    rcprobe::full_gc(&lua)?;
    lua.gc_stop();
    run.model.full_gc(16);
    let model = &run.model;
    let expected: Vec<Leak> = model
        .alive_ids
        .iter()
        .filter(|&&id| id > mark)
        .map(|&id| {
            let object = model.object(id);
            let counted = matches!(object.kind, Kind::Probe | Kind::Rc);
            Leak {
                id,
                kind: object.kind,
                label: Some(object.label.to_string()),
                strong: counted.then(|| object.strong()),
                weak: counted.then(|| object.weak_count()),
                held: object.holds,
                linked: object.linked(),
            }
        })
        .collect();
    same(expected, found.clone(), || format!("rcprobe::leaks of a closure that made: {}", made.join("; ")))?;
    Ok(format!("rcprobe::leaks(|| {{ {} }}) -> {} left alive", made.join("; "), found.len()))
}

fn rust_drop_last(run: &mut Run) {
    let k = run.world.things.len() - 1;
    drop(run.world.things.remove(k));
    run.model.drop_rust_clone(k);
}

fn lend_probe(run: &mut Run, rng: &mut Rng) -> Outcome {
    let Some(i) = pick_root(run, rng, is_open_probe) else { return skipped("lend_probe") };
    let what = describe(&run.model, run.model.roots[i]);
    let id = run.model.id_of(run.model.roots[i]).expect("a handle");
    let lend: Function = run.world.helpers.get("lend_probe")?;
    let seen: (usize, usize, Id) = lend.call(root_handle(run, i)?)?;
    let object = run.model.object(id);
    same((object.strong(), object.weak_count(), id), seen, || {
        format!("rcprobe.lend({what}): h's counts and id")
    })?;
    Ok(format!("rcprobe.lend({what}, fn)"))
}

fn lend_host(run: &mut Run, rng: &mut Rng) -> Outcome {
    let k = rng.recent(run.world.things.len());
    let id = run.model.rust_clones[k];
    let strong = run.model.object(id).strong();
    let lend: Function = run.world.helpers.get("lend_host")?;
    let rc = Rc::clone(&run.world.things[k]);
    let touched = rc.borrow().touched;
    let seen: (usize, Option<Id>, u32) = rcprobe::lend(&run.world.lua, &rc, &lend, ())?;
    same((strong + 1, Some(id), touched + 1), seen, || {
        format!(
            "rcprobe::lend(Rc #{id}): the counts during the loan (with the clone lent), its id, its touches"
        )
    })?;
    same(strong + 1, Rc::strong_count(&rc), || format!("Rc::strong_count of Rc #{id} after the loan"))?;
    drop(rc);
    let use_stale: Function = run.world.helpers.get("use_stale_loan")?;
    let (ok, message): (bool, String) = use_stale.call(())?;
    ensure(!ok && message.contains(&format!("the loan of object #{id} ")), || {
        format!("using the handle after rcprobe::lend(Rc #{id}) returned: {ok}, {message}")
    })?;
    Ok(format!("rcprobe::lend(Rc #{id}, fn), fn keeps h"))
}

fn id_of(run: &mut Run, rng: &mut Rng) -> Outcome {
    let i = rng.recent(run.model.roots.len());
    let value = run.model.roots[i];
    let what = describe(&run.model, value);
    let lua_value: LuaValue = run.world.roots.raw_get(i + 1)?;
    let seen: Option<Id> = run.world.function("id_of")?.call(lua_value)?;
    let expected = match value {
        Value::Handle(hid) => {
            run.model.meet(hid);
            Some(run.model.handle(hid).object)
        }
        Value::Container(_) => None,
    };
    same(expected, seen, || format!("rcprobe.id_of({what})"))?;
    Ok(format!("rcprobe.id_of({what}) -> {seen:?}"))
}

const GROWS: u8 = 1;
const FREES: u8 = 2;

macro_rules! op {
    ($name:ident, $weight:expr, $needs:ident $(, $flag:ident)*) => {
        Op {
            name: stringify!($name),
            weight: $weight,
            needs: Needs::$needs,
            grows: (0 $(| $flag)*) & GROWS != 0,
            frees: (0 $(| $flag)*) & FREES != 0,
            run: $name,
        }
    };
}

pub const OPS: &[Op] = &[
    op!(new_probe, 5.0, Nothing, GROWS),
    op!(clone_probe, 3.0, OpenProbe, GROWS),
    op!(downgrade, 2.0, OpenProbe, GROWS),
    op!(upgrade, 2.0, Weak, GROWS),
    op!(close, 2.0, Probe, FREES),
    op!(hold, 1.5, OpenProbe),
    op!(release, 1.5, Nothing, FREES),
    op!(link, 2.0, OpenProbe),
    op!(unlink, 1.5, OpenProbe, FREES),
    op!(attach, 3.0, Handle),
    op!(track, 4.0, Nothing, GROWS),
    op!(retrack, 0.5, RustClone),
    op!(rust_clone, 2.0, LiveRc, GROWS),
    op!(rust_drop, 4.0, RustClone, FREES),
    op!(new_handle, 5.0, LiveRc, GROWS),
    op!(pass_handle, 2.0, LiveRc, GROWS),
    op!(new_entity, 4.0, Nothing, GROWS),
    op!(drop_entity, 2.0, RustEntity, FREES),
    op!(host_link, 3.0, Nothing),
    op!(host_unlink, 2.5, HostLink, FREES),
    op!(watch, 3.0, Nothing, GROWS),
    op!(boxed, 2.0, Root),
    op!(take, 3.0, Nothing, GROWS, FREES),
    op!(drop_root, 8.0, Root, FREES),
    op!(collect, 3.0, Nothing, FREES),
    op!(full_gc, 1.0, Nothing, FREES),
    op!(switch_mode, 0.3, TwoModes, FREES),
    op!(leaks, 0.7, Nothing, GROWS, FREES),
    op!(lend_probe, 1.5, OpenProbe),
    op!(lend_host, 1.5, RustClone),
    op!(id_of, 1.5, Root),
];

/// The roots and live objects the choice steers towards: small enough to check every one
/// after every operation.
const MAX_ROOTS: usize = 24;
const MAX_ALIVE: usize = 40;

/// Whether the model has what `op` needs (a replayed list may hold one that has nothing to
/// act on: it is skipped).
pub fn applies(op: &Op, model: &Model) -> bool {
    match op.needs {
        Needs::Nothing => true,
        Needs::Root => !model.roots.is_empty(),
        Needs::OpenProbe => model.roots.iter().any(|&v| is_open_probe(model, v)),
        Needs::Probe => model.roots.iter().any(|&v| is_probe(model, v)),
        Needs::Weak => model
            .roots
            .iter()
            .any(|&v| handle_of(model, v).is_some_and(|(_, h)| h.kind == HandleKind::WeakProbe)),
        Needs::Handle => model.roots.iter().any(|&v| is_open_probe(model, v) || is_host(model, v)),
        Needs::LiveRc => model.alive_ids.iter().any(|id| model.object(*id).kind == Kind::Rc),
        Needs::RustClone => !model.rust_clones.is_empty(),
        Needs::RustEntity => !model.entities.is_empty(),
        Needs::HostLink => !model.host_links.is_empty(),
        Needs::TwoModes => cfg!(any(feature = "lua54", feature = "lua55")),
    }
}

/// Chooses the next operation by weight among those that can act (`x` in [0, 1)).
pub fn choose(run: &Run, x: f64) -> usize {
    let model = &run.model;
    let crowded = model.roots.len() > MAX_ROOTS || model.alive_ids.len() > MAX_ALIVE;
    let weights: Vec<f64> = OPS
        .iter()
        .map(|op| {
            let mut w = if applies(op, model) { op.weight } else { 0.0 };
            if op.grows && crowded {
                w /= 4.0;
            }
            if op.grows && model.roots.len() < 6 {
                w *= 2.0;
            }
            if op.frees && crowded {
                w *= 3.0;
            }
            w
        })
        .collect();
    let mut target = x * weights.iter().sum::<f64>();
    for (k, w) in weights.iter().enumerate() {
        target -= w;
        if target < 0.0 {
            return k;
        }
    }
    OPS.len() - 1
}
