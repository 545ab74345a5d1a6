//! The Rust API for a host's tests: leak checks and reports from `#[test]`, with no Lua strings
//! for the check itself, and the assertion macros `assert_no_leaks!` and `assert_collectable!`.

use mlua::{Function, Lua, Result as LuaResult, Table};

use crate::ledger::Info;
use crate::ledger::kind::Kind;
use crate::ledger::object::Id;
use crate::lua::collect;
use crate::lua::module::ledger;

/// An object that outlived a leak check: what `rcprobe.leaks` lists, in Rust.
///
/// ```
/// # fn main() -> mlua::Result<()> {
/// let lua = mlua::Lua::new();
/// let mut kept = Vec::new();
/// let leaks = rcprobe::leaks(&lua, || Ok(kept.push(rcprobe::Tally::new(&lua, "Entity")?)))?;
/// assert_eq!(
///     vec![rcprobe::Leak { id: kept[0].id(), kind: rcprobe::Kind::Tally, label: Some("Entity".into()),
///         strong: None, weak: None, held: 0, linked: false }],
///     leaks
/// );
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Leak {
    /// The object's id.
    pub id: Id,
    /// What the id names.
    pub kind: Kind,
    /// Its label.
    pub label: Option<String>,
    /// Rust's strong count (`None` for tallies and Lua values, which have none).
    pub strong: Option<usize>,
    /// Rust's weak count, without rcprobe's own `Weak` (`None` as for `strong`).
    pub weak: Option<usize>,
    /// Strong references that `rcprobe.hold` keeps.
    pub held: usize,
    /// Whether it links a Lua value (`p:link`, or as the owner of a [`Link`](crate::Link)).
    pub linked: bool,
}

impl From<Info> for Leak {
    fn from(info: Info) -> Leak {
        Leak {
            id: info.id,
            kind: info.kind,
            label: info.label.map(|label| String::from_utf8_lossy(&label).into_owned()),
            strong: info.counts.map(|counts| counts.strong),
            weak: info.counts.map(|counts| counts.weak),
            held: info.held,
            linked: info.linked,
        }
    }
}

/// Runs `f` (which may run Lua code) and returns what it left alive: the objects created
/// during `f` (Probes, tracked `Rc`s, Tallies, watched values) that are still alive once it
/// has returned and a full collection has run. `f`'s error reaches the caller unchanged, and
/// a panic in `f` unwinds through this call with the ledger consistent.
///
/// ```
/// # fn main() -> mlua::Result<()> {
/// let lua = mlua::Lua::new();
/// lua.globals().set("rcprobe", rcprobe::open(&lua)?)?;
/// let leaks = rcprobe::leaks(&lua, || {
///     lua.load("kept = { rcprobe.new('kept') } local _ = rcprobe.new('dropped')").exec()
/// })?;
/// assert_eq!(1, leaks.len());
/// assert_eq!(Some("probe".to_string()), leaks[0].label);
/// assert_eq!(rcprobe::Kind::Probe, leaks[0].kind);
/// # Ok(())
/// # }
/// ```
pub fn leaks<R>(lua: &Lua, f: impl FnOnce() -> LuaResult<R>) -> LuaResult<Vec<Leak>> {
    let ledger = ledger(lua)?;
    let mark = ledger.last_id();
    drop(f()?); // its result must not keep anything alive
    Ok(collect::survivors_since(&ledger, lua, mark)?.into_iter().map(Leak::from).collect())
}

/// The text of `paths.report` for these objects: counts, the attribution of `why`, and the
/// paths that keep each alive.
///
/// ```
/// # fn main() -> mlua::Result<()> {
/// let lua = mlua::Lua::new();
/// lua.globals().set("rcprobe", rcprobe::open(&lua)?)?;
/// let id: rcprobe::Id = lua.load("kept = rcprobe.new(nil, { label = 'session' }) return kept:id()").eval()?;
/// let report = rcprobe::report(&lua, &[id])?;
/// assert!(report.starts_with(&format!("object #{id} \"session\": strong 1")), "{report}");
/// assert!(report.contains("_G.kept"), "{report}");
/// # Ok(())
/// # }
/// ```
pub fn report(lua: &Lua, ids: &[Id]) -> LuaResult<String> {
    let report: Function = paths(lua)?.get("report")?;
    report.call(mlua::Variadic::from_iter(ids.iter().copied()))
}

/// The retainer graph of these objects as Graphviz DOT text (`paths.dot`): what keeps each
/// alive, what Rust holds dashed, a cycle through Rust in red. `dot -Tsvg` draws it.
///
/// ```
/// # fn main() -> mlua::Result<()> {
/// let lua = mlua::Lua::new();
/// lua.globals().set("rcprobe", rcprobe::open(&lua)?)?;
/// let id: rcprobe::Id = lua.load("kept = rcprobe.new() return kept:id()").eval()?;
/// let dot = rcprobe::dot(&lua, &[id])?;
/// assert!(dot.starts_with("digraph rcprobe {") && dot.contains("_G"), "{dot}");
/// # Ok(())
/// # }
/// ```
pub fn dot(lua: &Lua, ids: &[Id]) -> LuaResult<String> {
    let dot: Function = paths(lua)?.get("dot")?;
    dot.call(mlua::Variadic::from_iter(ids.iter().copied()))
}

/// Every strong reference to an object accounted for, cause by cause: `paths.why` in Rust (see
/// [`why`] for an example).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Why {
    /// The object's id.
    pub id: Id,
    /// Its label, while it is known.
    pub label: Option<String>,
    /// What the id names.
    pub kind: Kind,
    /// Whether it is alive.
    pub alive: bool,
    /// Rust's strong count (`None` for tallies and Lua values).
    pub strong: Option<usize>,
    /// Handles (for a Lua value: references) that Lua's own roots reach.
    pub reachable: usize,
    /// Handles that no root reaches now: garbage not yet collected, a stale stack slot, or held
    /// by Rust where Lua cannot look.
    pub unreached: usize,
    /// Strong references `rcprobe.hold` keeps.
    pub held: usize,
    /// Handles (references) that only Rust's links reach.
    pub linked: usize,
    /// Strong references outside Lua: the host's own `Rc` clones, or handles rcprobe has not met
    /// (`None` without counts).
    pub outside: Option<usize>,
    /// Whether a link closes a cycle through Rust.
    pub cycle: bool,
    /// The paths from Lua's roots.
    pub reachable_paths: Vec<String>,
    /// The paths from Rust's links.
    pub linked_paths: Vec<String>,
    /// The paths to weak handles (WeakProbes).
    pub weak_paths: Vec<String>,
    /// The cause that decides: "reachable", "cycle through Rust", "held", "linked", "outside",
    /// "unreached", "unknown" or "dropped".
    pub verdict: String,
    /// The attribution in one line: `strong 2 = 1 ... + 1 ...`.
    pub summary: String,
    /// What could not be searched (a state without the debug library).
    pub unsearched: Option<String>,
}

/// Why the object `id` is alive: `paths.why(id)` as a Rust struct.
///
/// ```
/// # fn main() -> mlua::Result<()> {
/// use std::rc::Rc;
///
/// let lua = mlua::Lua::new();
/// let session = Rc::new(String::from("session"));
/// let id = rcprobe::track(&lua, &session, "session")?;
/// let why = rcprobe::why(&lua, id)?;
/// assert_eq!((Some(1), Some(1)), (why.strong, why.outside), "the host's own Rc");
/// assert_eq!("outside", why.verdict);
/// # Ok(())
/// # }
/// ```
pub fn why(lua: &Lua, id: Id) -> LuaResult<Why> {
    let why: Function = paths(lua)?.get("why")?;
    let t: Table = why.call(id)?;
    let paths: Table = t.get("paths")?;
    let kind: String = t.get("kind")?;
    Ok(Why {
        id: t.get("id")?,
        label: t.get("label")?,
        kind: match kind.as_str() {
            "probe" => Kind::Probe,
            "rc" => Kind::Rc,
            "tally" => Kind::Tally,
            _ => Kind::LuaValue,
        },
        alive: t.get("alive")?,
        strong: t.get("strong")?,
        reachable: t.get("reachable")?,
        unreached: t.get("unreached")?,
        held: t.get("held")?,
        linked: t.get("linked")?,
        outside: t.get("outside")?,
        cycle: t.get("cycle")?,
        reachable_paths: paths.get("reachable")?,
        linked_paths: paths.get("linked")?,
        weak_paths: paths.get("weak")?,
        verdict: t.get("verdict")?,
        summary: t.get("summary")?,
        unsearched: t.get("unsearched")?,
    })
}

/// `require("rcprobe.paths")`.
fn paths(lua: &Lua) -> LuaResult<Table> {
    crate::open(lua)?;
    let require: Function = lua.globals().get("require")?;
    require.call("rcprobe.paths")
}

/// The failure message of [`assert_no_leaks!`]: `None` when `f` leaves nothing alive, else what
/// it left and the report of why each is alive. Called by the macro; use the macro.
#[doc(hidden)]
pub fn no_leaks_failure<R>(lua: &Lua, f: impl FnOnce() -> LuaResult<R>) -> LuaResult<Option<String>> {
    let created = crate::stats(lua)?.created;
    let found = leaks(lua, f)?;
    if found.is_empty() {
        return Ok(None);
    }
    let created = crate::stats(lua)?.created - created;
    let ids: Vec<Id> = found.iter().map(|leak| leak.id).collect();
    let count = if found.len() == 1 { "1 object".to_string() } else { format!("{} objects", found.len()) };
    Ok(Some(format!(
        "Expected the closure to leave nothing alive, but {count} of the {created} it created outlived it and \
         rcprobe::full_gc():\n{}",
        report(lua, &ids)?
    )))
}

/// The failure message of [`assert_collectable!`]: `None` when a full collection drops the
/// object. Called by the macro; use the macro.
#[doc(hidden)]
pub fn collectable_failure(lua: &Lua, id: Id) -> LuaResult<Option<String>> {
    crate::full_gc(lua)?;
    if !crate::is_alive(lua, id)? {
        return Ok(None);
    }
    let report = report(lua, &[id])?;
    let name = report.split(':').next().unwrap_or("the object").to_string();
    Ok(Some(format!("Expected {name} to be collectable, but it survived rcprobe::full_gc().\n{report}")))
}

/// Asserts that a closure (which may run Lua code, and returns an `mlua::Result`) leaves nothing
/// alive that it created: no Probe, tracked `Rc`, Tally or watched value survives it and a full
/// collection. On failure it panics with the report: counts, labels and the paths that keep
/// each survivor alive.
///
/// ```should_panic
/// # fn main() -> mlua::Result<()> {
/// let lua = mlua::Lua::new();
/// lua.globals().set("rcprobe", rcprobe::open(&lua)?)?;
/// rcprobe::assert_no_leaks!(&lua, || lua.load("cache = { rcprobe.new('entry') }").exec());
/// # Ok(())
/// # }
/// ```
#[macro_export]
macro_rules! assert_no_leaks {
    ($lua:expr, $f:expr $(,)?) => {
        match $crate::no_leaks_failure($lua, $f) {
            Ok(None) => {}
            Ok(Some(failure)) => panic!("{}", failure),
            Err(error) => panic!("assert_no_leaks!: {}", error),
        }
    };
}

/// Asserts that a full collection drops the object `id`; on failure it panics with the report
/// of what keeps it alive.
///
/// ```
/// # fn main() -> mlua::Result<()> {
/// let lua = mlua::Lua::new();
/// lua.globals().set("rcprobe", rcprobe::open(&lua)?)?;
/// let id: rcprobe::Id = lua.load("return rcprobe.new():id()").eval()?;
/// rcprobe::assert_collectable!(&lua, id);
/// # Ok(())
/// # }
/// ```
#[macro_export]
macro_rules! assert_collectable {
    ($lua:expr, $id:expr $(,)?) => {
        match $crate::collectable_failure($lua, $id) {
            Ok(None) => {}
            Ok(Some(failure)) => panic!("{}", failure),
            Err(error) => panic!("assert_collectable!: {}", error),
        }
    };
}
