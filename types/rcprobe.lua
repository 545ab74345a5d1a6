---@meta rcprobe
-- Lua language server (LuaLS) annotations for rcprobe. The rock installs this folder as
-- <tree>/lib/luarocks/rocks-<lua>/rcprobe/<version>/types/: add that path to
-- `workspace.library` in .luarc.json. spec/types_spec.lua checks that every name here
-- exists in the module and that every name of the module is here.

---A Probe, a WeakProbe, a LentProbe during its loan, a host handle (a userdata holding a
---tracked Rc or a Tally), or an object id.
---@alias rcprobe.Target rcprobe.Probe|rcprobe.WeakProbe|rcprobe.LentProbe|userdata|integer

---What an id names: rcprobe's own object, a host's tracked Rc, a host value counted by a
---Tally, or a watched Lua value (the last two have no reference counts).
---@alias rcprobe.Kind "probe"|"rc"|"tally"|"lua value"

---What an object stores (copied into Rust; integers and floats kept apart on 5.3+).
---@alias rcprobe.Value nil|boolean|number|string

---@class rcprobe.Options
---@field label? string the object's label, default "probe"
---@field bytes? integer a Rust-side buffer the object owns, 0..2^30, invisible to Lua's GC

---@class rcprobe.Info
---@field id integer
---@field kind rcprobe.Kind
---@field label? string nil once the object is dropped (unless asked through a Probe)
---@field strong? integer Rust's strong count: live Probes and Rust-side holds (nil for tallies and Lua values)
---@field weak? integer Rust's weak count: live WeakProbes (nil for tallies and Lua values)
---@field held integer strong references Rust keeps (rcprobe.hold)
---@field linked boolean whether the object links a Lua value (p:link, or as the owner of a host Link)
---@field alive boolean strong > 0; for a Lua value, until a collection finds it unreachable

---An object still alive after rcprobe.leaks ran its function.
---@class rcprobe.Leak
---@field id integer
---@field kind rcprobe.Kind
---@field label string
---@field strong? integer
---@field weak? integer
---@field held integer
---@field linked boolean

---@class rcprobe.GrowthOptions
---@field warmup? integer calls before counting (default 2)
---@field runs? integer counted calls (default 5); a key grows only when every one grew it
---@field heap? boolean false counts rcprobe's labels only, without walking the heap

---@class rcprobe.Growth
---@field changes table<string, integer[]> per census key that changed, its change in each counted run
---@field grown string[] the keys that grew in every counted run, sorted
---@field grows boolean whether any key grew in every counted run
---@field paths table<string, string[]> for each grown key, the paths to a few of its new objects
---@field warmup integer
---@field runs integer

---@class rcprobe.Stats
---@field created integer
---@field dropped integer
---@field alive integer
---@field peak integer most objects alive at once
---@field bytes integer `opts.bytes` of live objects

---A userdata owning one strong reference to an object, until it is collected or closed.
---@class rcprobe.Probe
local Probe = {}

---@return integer id unique within the Lua state, never reused
function Probe:id() end

---@return string
function Probe:label() end

---@return rcprobe.Value
function Probe:get() end

---@param value rcprobe.Value
function Probe:set(value) end

---A new Probe of the same object (+1 strong).
---@return rcprobe.Probe
function Probe:clone() end

---A WeakProbe of the object (+1 weak).
---@return rcprobe.WeakProbe
function Probe:downgrade() end

---@return integer
function Probe:strong_count() end

---@return integer
function Probe:weak_count() end

---Drops this Probe's strong reference now; idempotent.
function Probe:close() end

---@return boolean
function Probe:is_closed() end

---The object keeps a strong reference to `value` from Rust, which the collector cannot see.
---@param value any not nil
function Probe:link(value) end

---@return boolean had_link
function Probe:unlink() end

---Stores `value` as the Probe's user value, which the collector traces. nil clears it.
---@param value any
function Probe:attach(value) end

---A userdata owning one Weak reference to an object.
---@class rcprobe.WeakProbe
local WeakProbe = {}

---A new Probe (+1 strong), or nil once the object is dropped.
---@return rcprobe.Probe?
function WeakProbe:upgrade() end

---@return integer
function WeakProbe:id() end

---@return integer
function WeakProbe:strong_count() end

---@return integer
function WeakProbe:weak_count() end

---@return boolean
function WeakProbe:is_alive() end

---The handle `rcprobe.lend` passes: it owns no reference and works only during the loan.
---@class rcprobe.LentProbe
local LentProbe = {}

---@return integer
function LentProbe:id() end

---@return string
function LentProbe:label() end

---@return rcprobe.Value
function LentProbe:get() end

---@param value rcprobe.Value
function LentProbe:set(value) end

---A real Probe (+1 strong), which outlives the loan.
---@return rcprobe.Probe
function LentProbe:clone() end

---@return integer
function LentProbe:strong_count() end

---@return integer
function LentProbe:weak_count() end

---@class rcprobe
local rcprobe = {}

---@type string "rcprobe 0.1.0"
rcprobe._VERSION = nil

---@type string the Lua it was built for: "Lua 5.1" ... "Lua 5.5" or "LuaJIT"
rcprobe.LUA = nil

---Creates an object (an Rc<RefCell<...>> in Rust) and returns a Probe of it.
---@param value? rcprobe.Value
---@param opts? rcprobe.Options
---@return rcprobe.Probe
function rcprobe.new(value, opts) end

---@param x rcprobe.Target
---@return integer
function rcprobe.strong_count(x) end

---@param x rcprobe.Target
---@return integer
function rcprobe.weak_count(x) end

---@param x rcprobe.Target
---@return boolean
function rcprobe.is_alive(x) end

---Rust keeps one more strong clone of p's object.
---@param p rcprobe.Probe an open Probe
---@return integer held how many Rust now keeps
function rcprobe.hold(p) end

---Drops every Rust-side hold on x's object.
---@param x rcprobe.Target
---@return integer released
function rcprobe.release(x) end

---Calls fn(clone, ...) with a new Probe that Rust cloned; returns fn's results.
---@param p rcprobe.Probe an open Probe
---@param fn fun(clone: rcprobe.Probe, ...): ...
---@param ... any
---@return any ...
function rcprobe.pass(p, fn, ...) end

---Calls fn(h, ...) with a LentProbe that owns no reference; returns fn's results.
---@param p rcprobe.Probe an open Probe
---@param fn fun(h: rcprobe.LentProbe, ...): ...
---@param ... any
---@return any ...
function rcprobe.lend(p, fn, ...) end

---@param label? string
---@return rcprobe.Stats
function rcprobe.stats(label) end

---Ids of live objects, ascending.
---@param label? string
---@return integer[]
function rcprobe.live(label) end

---Full collections until nothing more is freed.
---@param max? integer default 16
---@return integer cycles
function rcprobe.full_gc(max) end

---Runs fn(...), drops its results, runs full_gc() and lists the objects created meanwhile
---that are still alive.
---@param fn function
---@param ... any
---@return rcprobe.Leak[]
function rcprobe.leaks(fn, ...) end

---@param x rcprobe.Target
---@return rcprobe.Info
function rcprobe.info(x) end

---A new table of every link, by object id.
---@return table<integer, any>
function rcprobe.links() end

---The live objects of this state, counted: `{["type:table"] = n, ["name:Probe"] = n,
---["label:session"] = n, ...}` by Lua type, by metatable `__name`, and by rcprobe label. It
---walks the heap from its roots (so it counts what is reachable: collect first).
---@param opts? {heap?: boolean} heap = false: rcprobe's labels only, without a walk
---@return table<string, integer>
function rcprobe.census(opts) end

---Calls fn `warmup` times, then `runs` times, with a full collection after each, and returns
---what the census says changed in each counted run; a key grows only when every run grew it.
---@param fn function
---@param opts? rcprobe.GrowthOptions
---@return rcprobe.Growth
function rcprobe.growth(fn, opts) end

---Gives a collectable Lua value (table, function, coroutine, userdata) an id that is alive
---until a collection finds the value unreachable. Watching never keeps it alive; watching it
---again returns the same id. Default label: its metatable's `__name`, else its type.
---@param v table|function|thread|userdata
---@param label? string
---@return integer
function rcprobe.watch(v, label) end

---The id of a Probe, a WeakProbe, a LentProbe during its loan or a host handle; nil for
---anything else.
---@param v any
---@return integer?
function rcprobe.id_of(v) end

return rcprobe
