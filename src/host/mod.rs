//! The Rust face: what a Rust host that embeds Lua with mlua can do with rcprobe, besides
//! `rcprobe::open(&lua)`. Everything goes through the `Lua` given, never through a static, so
//! two states never see each other's ids.

pub(crate) mod census;
pub(crate) mod handles;
pub(crate) mod inspect;
pub(crate) mod lend;
pub(crate) mod link;
pub(crate) mod tally;
pub(crate) mod testing;
pub(crate) mod track;
pub(crate) mod watch;
