//! `rcprobe.census` and `rcprobe.growth` from Rust: what the live objects of a state are, and
//! what grows when a closure runs again.

use std::cell::RefCell;
use std::collections::BTreeMap;

use mlua::{Function, Lua, Result as LuaResult, Table};

/// The live objects of this state, counted: `{"type:table": n, "name:Probe": n,
/// "label:session": n, ...}`, by Lua type, by metatable `__name` (rcprobe's types and other
/// modules'), and by rcprobe label. It walks the heap from its roots, so it counts what is
/// reachable: run [`full_gc`](crate::full_gc) first to count what is alive.
///
/// ```
/// # fn main() -> mlua::Result<()> {
/// let lua = mlua::Lua::new();
/// let _kept = rcprobe::Tally::new(&lua, "Entity")?;
/// assert_eq!(Some(&1), rcprobe::census(&lua)?.get("label:Entity"));
/// # Ok(())
/// # }
/// ```
pub fn census(lua: &Lua) -> LuaResult<BTreeMap<String, i64>> {
    let census: Function = module(lua)?.get("census")?;
    census.call(())
}

/// How often [`growth`] calls the closure: `warmup` times first, then `runs` counted times.
///
/// ```
/// let opts = rcprobe::GrowthOptions { runs: 3, ..Default::default() };
/// assert_eq!((2, 3), (opts.warmup, opts.runs));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GrowthOptions {
    /// Calls before counting (default 2): a cache filled once is full by then.
    pub warmup: u32,
    /// Counted calls (default 5, at least 1): a key grows only when every one grew it.
    pub runs: u32,
}

impl Default for GrowthOptions {
    fn default() -> Self {
        GrowthOptions { warmup: 2, runs: 5 }
    }
}

/// What [`growth`] found: `rcprobe.growth` in Rust.
///
/// ```
/// # fn main() -> mlua::Result<()> {
/// let lua = mlua::Lua::new();
/// let growth = rcprobe::growth(&lua, || Ok(()), rcprobe::GrowthOptions::default())?;
/// assert!(!growth.grows() && growth.grown.is_empty());
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Growth {
    /// Per census key that changed, its change in each counted run.
    pub changes: BTreeMap<String, Vec<i64>>,
    /// The keys that grew in every counted run (CPython's `regrtest -R` rule), sorted.
    pub grown: Vec<String>,
    /// For each grown key of the heap (`type:` and `name:` keys; a `label:` key names no Lua
    /// object), the paths to a few of the objects the last run added.
    pub paths: BTreeMap<String, Vec<String>>,
}

impl Growth {
    /// Whether any key grew in every counted run.
    pub fn grows(&self) -> bool {
        !self.grown.is_empty()
    }
}

/// Calls `f` (which may run Lua code) `opts.warmup` times, then `opts.runs` times, with a full
/// collection after each, and returns what the census says changed in each counted run. A key
/// grows only when every counted run grew it, so a cache filled once is not a leak; one that
/// keeps one more entry per call is. `f`'s error is returned unchanged.
///
/// ```
/// # fn main() -> mlua::Result<()> {
/// let lua = mlua::Lua::new();
/// let mut cache = Vec::new();
/// let remember = || {
///     cache.push(rcprobe::Tally::new(&lua, "entry")?); // the bug: nothing empties the cache
///     Ok(())
/// };
/// let growth = rcprobe::growth(&lua, remember, rcprobe::GrowthOptions::default())?;
/// assert_eq!(vec!["label:entry".to_string()], growth.grown);
/// # Ok(())
/// # }
/// ```
pub fn growth(lua: &Lua, f: impl FnMut() -> LuaResult<()>, opts: GrowthOptions) -> LuaResult<Growth> {
    let growth: Function = module(lua)?.get("growth")?;
    let options = lua.create_table()?;
    options.set("warmup", opts.warmup)?;
    options.set("runs", opts.runs)?;
    // `f`'s own error comes back as it was: mlua would wrap it in a callback error.
    let failed: RefCell<Option<mlua::Error>> = RefCell::new(None);
    let f = RefCell::new(f);
    let result = lua.scope(|scope| {
        let call = scope.create_function(|_, ()| match (f.borrow_mut())() {
            Ok(()) => Ok(()),
            Err(error) => {
                *failed.borrow_mut() = Some(error);
                Err(mlua::Error::runtime("rcprobe::growth: the closure failed"))
            }
        })?;
        growth.call::<Table>((call, options))
    });
    if let Some(error) = failed.into_inner() {
        return Err(error);
    }
    let result = result?;
    Ok(Growth { changes: result.get("changes")?, grown: result.get("grown")?, paths: result.get("paths")? })
}

fn module(lua: &Lua) -> LuaResult<Table> {
    crate::open(lua)
}
