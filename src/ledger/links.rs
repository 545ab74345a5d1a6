//! Links: Lua values that Rust holds. A Probe's `p:link(v)` makes its object own `v`, as a
//! Rust struct owns an mlua value; a host's `rcprobe::Link` field owns its value itself. The
//! collector cannot see through either, so a cycle back to the holder is never collected, and
//! Lua code cannot find them: the companions ask for `all()` and walk from there.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet};

use mlua::{Lua, Result as LuaResult, Table, Value, WeakLua};
use once_cell::unsync::OnceCell;

use super::object::Id;

pub(crate) struct Links {
    lua: WeakLua,
    /// `p:link`: `{[object id] = value}`. Strong: the object owns its link.
    of_probes: OnceCell<Table>,
    /// Host `Link`s: `{[key] = value}`, with weak values: the `Link` owns its value, and this
    /// table only finds it.
    of_host: OnceCell<Table>,
    records: RefCell<Records>,
}

#[derive(Default)]
struct Records {
    /// Objects with a `p:link`.
    linked: HashSet<Id>,
    /// Host `Link`s by key, in the order they were made.
    host: BTreeMap<u64, HostLink>,
    /// How many host `Link`s each owner has.
    owners: HashMap<Id, usize>,
    last_key: u64,
}

struct HostLink {
    label: String,
    owner: Option<Id>,
}

/// One link, for the companions: who holds `value`, under what name.
pub(crate) struct LinkView {
    /// `None` for a Probe's link (its name is made from the object's label).
    pub(crate) label: Option<String>,
    pub(crate) owner: Option<Id>,
    pub(crate) value: Value,
}

impl Links {
    pub(crate) fn new(lua: &Lua) -> Links {
        Links {
            lua: lua.weak(),
            of_probes: OnceCell::new(),
            of_host: OnceCell::new(),
            records: RefCell::default(),
        }
    }

    /// Object `id` keeps a strong reference to `value` (replacing any earlier link).
    pub(crate) fn link(&self, lua: &Lua, id: Id, value: Value) -> LuaResult<()> {
        let table = self.of_probes.get_or_try_init(|| lua.create_table())?;
        table.raw_set(id, value)?;
        self.records.borrow_mut().linked.insert(id);
        Ok(())
    }

    /// Drops the `p:link` of object `id`; returns whether it had one. Safe in a finalizer.
    pub(crate) fn unlink(&self, id: Id) -> bool {
        let linked = {
            let mut records = self.records.borrow_mut();
            !records.linked.is_empty() && records.linked.remove(&id)
        };
        if linked {
            clear(&self.lua, &self.of_probes, id);
        }
        linked
    }

    /// Records a host `Link` holding `value`; returns its key.
    pub(crate) fn add_host(
        &self,
        lua: &Lua,
        label: String,
        owner: Option<Id>,
        value: &Value,
    ) -> LuaResult<u64> {
        let table = self.of_host.get_or_try_init(|| {
            let table = lua.create_table()?;
            table.set_metatable(Some(lua.create_table_from([("__mode", "v")])?))?;
            Ok::<_, mlua::Error>(table)
        })?;
        self.insert_host(table, HostLink { label, owner }, value)
    }

    /// Records another holder of the value of host link `key` (a cloned `Link`).
    pub(crate) fn clone_host(&self, key: u64) -> Option<u64> {
        let link = {
            let records = self.records.borrow();
            let link = records.host.get(&key)?;
            HostLink { label: link.label.clone(), owner: link.owner }
        };
        let table = self.of_host.get()?;
        let value: Value = table.raw_get(key).ok()?;
        self.insert_host(table, link, &value).ok()
    }

    fn insert_host(&self, table: &Table, link: HostLink, value: &Value) -> LuaResult<u64> {
        let key = {
            let mut records = self.records.borrow_mut();
            records.last_key += 1;
            records.last_key
        };
        table.raw_set(key, value)?; // may allocate: no borrow of the records is held
        let mut records = self.records.borrow_mut();
        if let Some(owner) = link.owner {
            *records.owners.entry(owner).or_default() += 1;
        }
        records.host.insert(key, link);
        Ok(key)
    }

    /// Forgets a host `Link` (its `Drop`, possibly inside a finalizer).
    pub(crate) fn remove_host(&self, key: u64) {
        {
            let mut records = self.records.borrow_mut();
            let Some(link) = records.host.remove(&key) else { return };
            if let Some(owner) = link.owner
                && let Some(count) = records.owners.get_mut(&owner)
            {
                *count -= 1;
                if *count == 0 {
                    records.owners.remove(&owner);
                }
            }
        }
        clear(&self.lua, &self.of_host, key);
    }

    /// Whether object `id` links a Lua value: by `p:link`, or as the owner of a host `Link`.
    pub(crate) fn is_linked(&self, id: Id) -> bool {
        let records = self.records.borrow();
        records.linked.contains(&id) || records.owners.contains_key(&id)
    }

    /// `{[id] = value}` of every `p:link` (`rcprobe.links()`).
    pub(crate) fn of_probes(&self, lua: &Lua) -> LuaResult<Table> {
        let mut ids: Vec<Id> = self.records.borrow().linked.iter().copied().collect();
        ids.sort_unstable();
        let copy = lua.create_table_with_capacity(0, ids.len())?;
        if let Some(links) = self.of_probes.get() {
            for id in ids {
                copy.raw_set(id, links.raw_get::<Value>(id)?)?;
            }
        }
        Ok(copy)
    }

    /// Every link: the `p:link`s by object id, then the host `Link`s in the order they were made.
    pub(crate) fn all(&self) -> LuaResult<Vec<LinkView>> {
        // Copied out first: reading the Lua tables must not happen under a borrow.
        let (mut ids, host) = {
            let records = self.records.borrow();
            let host: Vec<(u64, HostLink)> = records
                .host
                .iter()
                .map(|(&key, link)| (key, HostLink { label: link.label.clone(), owner: link.owner }))
                .collect();
            (records.linked.iter().copied().collect::<Vec<Id>>(), host)
        };
        ids.sort_unstable();
        let mut all = Vec::with_capacity(ids.len() + host.len());
        if let Some(table) = self.of_probes.get() {
            for id in ids {
                all.push(LinkView { label: None, owner: Some(id), value: table.raw_get(id)? });
            }
        }
        if let Some(table) = self.of_host.get() {
            for (key, link) in host {
                let value: Value = table.raw_get(key)?;
                if !value.is_nil() {
                    all.push(LinkView { label: Some(link.label), owner: link.owner, value });
                }
            }
        }
        Ok(all)
    }
}

/// Removes `key` from a links table. Setting an existing field to nil never allocates, so this
/// is safe in a finalizer; once the state is closed there is nothing to clear.
fn clear(lua: &WeakLua, table: &OnceCell<Table>, key: impl mlua::IntoLua) {
    if lua.try_upgrade().is_some()
        && let Some(table) = table.get()
    {
        let _ = table.raw_set(key, Value::Nil);
    }
}
