//! The Lua face: the module table that `require("rcprobe")` returns, its functions and the
//! userdata types (Probe, WeakProbe, LentProbe, LentHandle) Lua code works with.

pub(crate) mod collect;
#[cfg(not(feature = "module"))]
pub(crate) mod companions;
pub(crate) mod create;
pub(crate) mod info;
pub(crate) mod internal;
pub(crate) mod lend;
pub(crate) mod lent_handle;
pub(crate) mod misuse;
pub(crate) mod module;
pub(crate) mod pass;
pub(crate) mod probe;
pub(crate) mod stats;
pub(crate) mod target;
pub(crate) mod watch;
pub(crate) mod weak_probe;
