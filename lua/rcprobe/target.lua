--- rcprobe.target: what rcprobe.paths and rcprobe.luassert accept as an object (a Probe, a
--- WeakProbe, a LentProbe, a host handle, an object id, or a watched Lua value itself), and how
--- their messages name it. Internal to the rock: its names are not part of the API.

local rcprobe = require("rcprobe")

local error, format, pcall, tostring, type = error, string.format, pcall, tostring, type
local id_of, info_of = rcprobe.id_of, rcprobe.info
local watched_id = rcprobe._internal.watched_id

local target = {}

local EXPECTED = "Probe, WeakProbe, id or watched value"
local COLLECTABLE = { table = true, ["function"] = true, thread = true, userdata = true }

-- Raises a misuse of argument `arg` of `name`, at `level` as the caller of the function that
-- calls this one counts it.
local function bad_argument(arg, name, detail, level)
  error(format("bad argument #%d to '%s' (%s)", arg, name, detail), level + 2)
end

--- `rcprobe.info(x)` (a Probe knows its label even once its object is gone). `x` may also be
--- a watched value itself. A bad `x` raises an error worded like rcprobe's own, for
--- argument `arg` of the function `name`, at `level` as the caller of this function counts it
--- (as `error` does).
function target.info(x, arg, name, level)
  local t = type(x)
  if t ~= "number" and not COLLECTABLE[t] then
    bad_argument(arg, name, format("%s expected, got %s", EXPECTED, t), level)
  end
  if t ~= "number" and id_of(x) == nil then
    local id = watched_id(x)
    if id == nil then
      local detail = t == "userdata" and format("%s expected, got %s", EXPECTED, t)
        or format("this %s is not watched: rcprobe.watch(v) it first", t)
      bad_argument(arg, name, detail, level)
    end
    x = id
  end
  local ok, info = pcall(info_of, x)
  if not ok then
    local message = tostring(info)
    bad_argument(arg, name, message:match("%((.*)%)$") or message, level)
  end
  return info
end

--- `object #3 "label"`, or `object #3` once only the id is known.
function target.name(info)
  if info.label then return format("object #%d %q", info.id, info.label) end
  return format("object #%d", info.id)
end

return target
