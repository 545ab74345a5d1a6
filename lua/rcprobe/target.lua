--- rcprobe.target: what rcprobe.paths and rcprobe.luassert accept as an object (a Probe, a
--- WeakProbe, a LentProbe or an object id), and how their messages name it. Internal to the
--- rock: its names are not part of the API.

local rcprobe = require("rcprobe")

local error, format, pcall, tostring, type = error, string.format, pcall, tostring, type
local id_of, info_of = rcprobe.id_of, rcprobe.info

local target = {}

--- `rcprobe.info(x)`, with the label that a Probe still knows once its object is gone. A bad
--- `x` raises an error worded like rcprobe's own, for argument `arg` of the function `name`,
--- at `level` as the caller of this function counts it (as `error` does).
function target.info(x, arg, name, level)
  local t = type(x)
  if t ~= "number" and t ~= "userdata" then
    error(format("bad argument #%d to '%s' (Probe, WeakProbe or id expected, got %s)", arg, name, t),
      level + 1)
  end
  local ok, info = pcall(info_of, x)
  if not ok then
    local message = tostring(info)
    error(format("bad argument #%d to '%s' (%s)", arg, name, message:match("%((.*)%)$") or message),
      level + 1)
  end
  if info.label == nil and id_of(x) and x.label then
    local has_label, label = pcall(x.label, x)
    if has_label then info.label = label end
  end
  return info
end

--- `object #3 "label"`, or `object #3` once only the id is known.
function target.name(info)
  if info.label then return format("object #%d %q", info.id, info.label) end
  return format("object #%d", info.id)
end

return target
