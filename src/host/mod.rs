//! The Rust face: what a Rust host that embeds Lua with mlua can do with rcprobe, besides
//! `rcprobe::open(&lua)`. Everything goes through the `Lua` given, never through a static, so
//! two states never see each other's ids.

pub(crate) mod track;
