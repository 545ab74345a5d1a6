---@meta rcprobe.luassert
-- LuaLS annotations for the assertions rcprobe.luassert registers (see ../rcprobe.lua). They
-- extend the luassert types of the LuaCATS luassert addon, so that `assert.strong_count` and
-- `assert.is_not.alive` complete.

---@class luassert.internal
local internal = {}

---Rust's strong count of x's object is n.
---@param n integer
---@param x rcprobe.Target
---@param message? string shown when the assertion fails
function internal.strong_count(n, x, message) end

---Rust's weak count of x's object is n.
---@param n integer
---@param x rcprobe.Target
---@param message? string
function internal.weak_count(n, x, message) end

---x's object is alive now (no collection runs).
---@param x rcprobe.PathTarget
---@param message? string
function internal.alive(x, message) end

---x's object is dropped now (no collection runs).
---@param x rcprobe.PathTarget
---@param message? string
function internal.dropped(x, message) end

---rcprobe.full_gc() drops x's object. Pass an id or a WeakProbe: a Probe keeps it alive.
---@param x rcprobe.WeakProbe|integer
---@param message? string
function internal.collectable(x, message) end

---rcprobe.leaks(fn, ...) is empty: fn leaves no object it created alive.
---@param fn function
---@param ... any passed to fn
function internal.no_leaks(fn, ...) end

---rcprobe.growth(fn, opts) finds nothing that grew in every counted run (a cache filled once
---passes; one that keeps one more entry per call fails, naming what grew and where).
---@param fn function
---@param opts? rcprobe.GrowthOptions
function internal.no_growth(fn, opts) end

---@type luassert
local luassert

return luassert
