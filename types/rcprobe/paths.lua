---@meta rcprobe.paths
-- LuaLS annotations for rcprobe.paths (see ../rcprobe.lua).

---@class rcprobe.paths
local paths = {}

---Paths from the roots (globals, package.loaded, the registry, thread stacks, Rust's links) to
---each reference that keeps x's object alive, one string each, plus one for Rust's holds and
---one for Probes no root reaches (garbage not yet collected, or a stale stack slot). `{}` once
---the object is dropped.
---@param x rcprobe.Target
---@return string[]
function paths.to(x) end

---A readable account of each object: counts, holds, link, the paths that keep it alive and
---the paths to its WeakProbes (what rcprobe.luassert prints on failure).
---@param ... rcprobe.Target
---@return string
function paths.report(...) end

return paths
