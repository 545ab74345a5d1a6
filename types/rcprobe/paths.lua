---@meta rcprobe.paths
-- LuaLS annotations for rcprobe.paths (see ../rcprobe.lua).

---What paths accept: anything rcprobe.info accepts, or a watched Lua value itself.
---@alias rcprobe.PathTarget rcprobe.Target|table|function|thread

---@class rcprobe.Why
---@field id integer
---@field label? string
---@field kind rcprobe.Kind
---@field alive boolean
---@field strong? integer Rust's strong count (nil for tallies and Lua values)
---@field reachable integer handles (for a Lua value: references) that Lua's own roots reach
---@field unreached integer handles that no root reaches now (garbage not yet collected, a stale stack slot, or held by Rust where Lua cannot look)
---@field held integer strong references rcprobe.hold keeps
---@field linked integer handles (references) that only Rust's links reach
---@field outside? integer strong references outside Lua: your own Rc clones, or handles rcprobe has not met (nil without counts)
---@field cycle boolean whether a link closes a cycle through Rust
---@field paths {reachable: string[], linked: string[], weak: string[]}
---@field verdict "reachable"|"cycle through Rust"|"held"|"linked"|"outside"|"unreached"|"unknown"|"dropped"
---@field summary string the attribution in one line: "strong 2 = 1 ... + 1 ..."
---@field unsearched? string what could not be searched (a state without the debug library)

---@class rcprobe.GraphNode
---@field id integer
---@field kind "root"|"rust"|"table"|"function"|"thread"|"userdata"|"handle"|"target"|"unreached"|"outside"|"elided"
---@field label string
---@field target? integer the object's id, on target nodes

---@class rcprobe.GraphEdge
---@field from integer
---@field to integer
---@field kind string "field", "index", "key", "metatable", "upvalue", "environment", "user value", "local", "running", "link", "strong", "weak", "hold", "unreached", "outside" or "owns"
---@field label? string
---@field rust? boolean what Rust holds: links, handles, holds, references outside Lua
---@field cycle? boolean on a cycle through Rust

---@class rcprobe.GraphTarget
---@field id integer
---@field name string
---@field kind rcprobe.Kind
---@field node integer
---@field verdict string
---@field summary string

---@class rcprobe.Graph
---@field nodes rcprobe.GraphNode[]
---@field edges rcprobe.GraphEdge[]
---@field targets rcprobe.GraphTarget[]
---@field cycle? boolean
---@field cut? {paths: integer, nodes: integer} what the `nodes` option left out
---@field unsearched? string

---@class rcprobe.GraphOptions
---@field depth? integer the longest path drawn in full (default 60)
---@field nodes? integer the most nodes (default 500)

---@class rcprobe.paths
local paths = {}

---Paths from the roots (globals, package.loaded, the registry, thread stacks, Rust's links) to
---each reference that keeps x's object alive, one string each, plus one for Rust's holds, one
---for handles no root reaches (garbage not yet collected, a stale stack slot, or held by Rust
---where Lua cannot look) and one for references outside Lua. `{}` once the object is dropped.
---@param x rcprobe.PathTarget
---@return string[]
function paths.to(x) end

---Every strong reference to x's object accounted for, cause by cause. Given several objects,
---one answer for each, in order, from one walk of the heap.
---@param x rcprobe.PathTarget
---@param ... rcprobe.PathTarget
---@return rcprobe.Why ...
function paths.why(x, ...) end

---A readable account of each object: counts, holds, link, the attribution of `why`, the paths
---that keep it alive and the paths to its WeakProbes (what rcprobe.luassert prints on failure).
---@param ... rcprobe.PathTarget
---@return string
function paths.report(...) end

---The retainer graph of one or more objects; a last plain table argument holds the options.
---@param ... rcprobe.PathTarget|rcprobe.GraphOptions
---@return rcprobe.Graph
function paths.graph(...) end

---The graph as Graphviz DOT text; a last plain table argument holds the options.
---@param ... rcprobe.PathTarget|rcprobe.GraphOptions
---@return string
function paths.dot(...) end

return paths
