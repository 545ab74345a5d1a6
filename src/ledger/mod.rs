//! The ledger: everything rcprobe knows about the objects of one Lua state.
//!
//! It lives in the state's app data (and in the closures of the module's functions), never in
//! a static. Every object gets an id from one sequence. There are four kinds (`Kind`):
//! rcprobe's own objects and tallies tell the ledger when they drop; a host's tracked `Rc`s and
//! watched Lua values cannot, so the ledger looks (`sweep`) before it reports. The `Weak`s the
//! ledger keeps are its own and never counted.
//!
//! Re-entrancy rule: `Object::drop` and `Tally::drop` borrow the books, and they can run inside
//! any Lua allocation (a finalizer) or wherever an `Rc` is dropped. So no borrow of `books` is
//! ever held while calling Lua or dropping an object or a Lua value: take what is needed, let
//! the borrow go, then act.
//!
//! This module is the core both faces of rcprobe are built on: the Lua module (`crate::lua`)
//! and the Rust host API (`crate::host`).

pub(crate) mod handles;
pub(crate) mod id_table;
pub(crate) mod kind;
pub(crate) mod links;
pub(crate) mod object;
pub(crate) mod stats;
pub(crate) mod value;
pub(crate) mod watched;

use std::any::{Any, TypeId};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::{Rc, Weak};

use mlua::{AnyUserData, Lua, Result as LuaResult, Table, Value as LuaValue, WeakLua};
use once_cell::unsync::OnceCell;

use self::handles::{ByAddress, HandleTypes, Held, Reader};
use self::id_table::IdTable;
use self::kind::{Kind, Kinds};
use self::links::Links;
use self::object::{Id, Object, Shared};
use self::stats::{LabelId, Labels, Stats};
use self::value::Value;
use self::watched::Watched;

pub(crate) struct Ledger {
    lua: WeakLua,
    books: RefCell<Books>,
    pub(crate) links: Links,
    /// Created on the first `watch`.
    watched: OnceCell<Watched>,
    handle_types: RefCell<HandleTypes>,
    /// Host handles rcprobe has met (`{[handle] = id}`, weak keys): one that no root reaches
    /// any more but that is not yet collected is an unreached handle, not a reference outside
    /// Lua. Created on the first host handle met.
    met: OnceCell<Table>,
}

#[derive(Default)]
struct Books {
    /// The last id issued; 0 before the first.
    last_id: Id,
    kinds: Kinds,
    /// rcprobe's own objects.
    objects: IdTable<Weak<RefCell<Object>>>,
    /// A host's own `Rc`s (`rcprobe::track`).
    tracked: IdTable<Tracked>,
    /// The address of each tracked `Rc` allocation, to find its id again.
    tracked_ids: ByAddress<Id>,
    /// `track` sweeps the tracked `Rc`s once there are this many, so that the allocations the
    /// ledger's `Weak`s keep never outnumber the live ones by much (amortized O(1) per call).
    sweep_tracked_at: usize,
    /// Live `Tally`s, by id: their label.
    tallies: IdTable<LabelId>,
    /// Watched Lua values, by id: their label.
    watched: IdTable<LabelId>,
    labels: Labels,
    total: Stats,
    /// Rust-side strong clones made by `hold`.
    holds: HashMap<Id, Vec<Shared>>,
    /// `opts.bytes` buffers, owned here on behalf of their objects.
    buffers: HashMap<Id, Box<[u8]>>,
}

struct Tracked {
    object: Weak<dyn Any>,
    label: LabelId,
}

/// The sweep threshold of a small ledger: sweeping fewer is never worth it.
const MIN_SWEEP: usize = 1024;

/// Every id of the Lua state has been issued: nothing new can be recorded.
#[derive(Debug)]
pub(crate) struct IdsExhausted;

impl std::fmt::Display for IdsExhausted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "all {} ids of this Lua state are used", Id::MAX)
    }
}

impl std::error::Error for IdsExhausted {}

/// A live id's entry.
#[derive(Clone, Copy)]
enum Entry<'a> {
    Object(&'a Weak<RefCell<Object>>),
    Tracked(&'a Tracked),
    Tally(LabelId),
    Watched(LabelId),
}

/// Rust's own strong and weak counts of an object, without the ledger's own `Weak`.
///
/// ```
/// # fn main() -> mlua::Result<()> {
/// use std::rc::Rc;
///
/// let lua = mlua::Lua::new();
/// let data = Rc::new(1);
/// let id = rcprobe::track(&lua, &data, "data")?;
/// let counts = rcprobe::counts(&lua, id)?.unwrap();
/// assert_eq!((Rc::strong_count(&data), 0), (counts.strong, counts.weak));
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
pub struct Counts {
    /// `Rc::strong_count`.
    pub strong: usize,
    /// `Rc::weak_count`, without rcprobe's own `Weak`.
    pub weak: usize,
}

impl Counts {
    pub(crate) fn of(object: &Shared) -> Counts {
        Counts { strong: Rc::strong_count(object), weak: Rc::weak_count(object) - 1 }
    }

    /// Through a `Weak`: 0 and 0 once the object is gone (the ledger's `Weak` is gone too).
    pub(crate) fn of_weak<T: ?Sized>(object: &Weak<T>) -> Counts {
        match object.strong_count() {
            0 => Counts::default(),
            strong => Counts { strong, weak: object.weak_count() - 1 },
        }
    }
}

/// What rcprobe knows about one object, for `info` and `leaks`.
pub(crate) struct Info {
    pub(crate) id: Id,
    pub(crate) kind: Kind,
    /// `None` once the object is dropped: the ledger forgets dropped objects.
    pub(crate) label: Option<Vec<u8>>,
    pub(crate) alive: bool,
    /// `None` for kinds without reference counts.
    pub(crate) counts: Option<Counts>,
    pub(crate) held: usize,
    pub(crate) linked: bool,
}

impl Ledger {
    pub(crate) fn new(lua: &Lua) -> Rc<Ledger> {
        Rc::new(Ledger {
            lua: lua.weak(),
            books: RefCell::default(),
            links: Links::new(lua),
            watched: OnceCell::new(),
            handle_types: RefCell::default(),
            met: OnceCell::new(),
        })
    }

    /// Makes a new object and records it.
    pub(crate) fn create(
        self: &Rc<Self>,
        value: Value,
        label: &[u8],
        bytes: usize,
    ) -> Result<Shared, IdsExhausted> {
        // Filled, not zeroed, so the pages are really resident, like a buffer in use.
        let buffer = (bytes > 0).then(|| vec![0xA5u8; bytes].into_boxed_slice());
        let mut books = self.books.borrow_mut();
        let (id, label) = books.register(Kind::Probe, label, bytes)?;
        let object = Rc::new(RefCell::new(Object::new(Rc::downgrade(self), id, label, value)));
        books.objects.insert(id, Rc::downgrade(&object));
        if let Some(buffer) = buffer {
            books.buffers.insert(id, buffer);
        }
        Ok(object)
    }

    /// Called by `Object::drop`, possibly inside a finalizer.
    pub(crate) fn forget(&self, id: Id, label: LabelId) {
        let buffer = {
            let mut books = self.books.borrow_mut();
            books.objects.remove(id);
            let buffer = if books.buffers.is_empty() { None } else { books.buffers.remove(&id) };
            books.count_dropped(label, buffer.as_ref().map_or(0, |buffer| buffer.len()));
            buffer
        };
        drop(buffer);
        self.links.unlink(id);
    }

    pub(crate) fn last_id(&self) -> Id {
        self.books.borrow().last_id
    }

    pub(crate) fn is_issued(&self, id: i64) -> bool {
        self.books.borrow().is_issued(id)
    }

    /// The kind of an issued id.
    pub(crate) fn kind(&self, id: Id) -> Option<Kind> {
        self.books.borrow().kinds.of(id)
    }

    /// Counts of an issued id of a counted kind (0 and 0 once dropped).
    pub(crate) fn counts(&self, id: Id) -> Counts {
        self.books.borrow().counts(id)
    }

    /// The kind and, for counted kinds, the counts of `id`, if this state issued it.
    pub(crate) fn counts_if_issued(&self, id: i64) -> Option<(Kind, Counts)> {
        let books = self.books.borrow();
        if !books.is_issued(id) {
            return None;
        }
        let id = id as Id;
        Some((books.kinds.of(id)?, books.counts(id)))
    }

    /// Whether the object `id` is alive (for a watched value: not yet found unreachable).
    pub(crate) fn is_alive(&self, id: Id) -> bool {
        let kind = self.books.borrow().kinds.of(id);
        match kind {
            Some(Kind::LuaValue) => self.watched_is_alive(id),
            Some(Kind::Tally) => self.books.borrow().tallies.get(id).is_some(),
            Some(_) => self.books.borrow().counts(id).strong > 0,
            None => false,
        }
    }

    /// Registers a host's own `Rc` under a new id, or returns the id it already has.
    pub(crate) fn track(
        &self,
        object: Weak<dyn Any>,
        address: usize,
        label: &[u8],
    ) -> Result<Id, IdsExhausted> {
        let mut books = self.books.borrow_mut();
        // The ledger's `Weak` keeps the allocation, so a known address is the same `Rc`.
        if let Some(&id) = books.tracked_ids.get(&address) {
            return Ok(id);
        }
        if books.tracked.len() >= books.sweep_tracked_at {
            books.sweep_tracked();
            books.sweep_tracked_at = (2 * books.tracked.len()).max(MIN_SWEEP);
        }
        let (id, label) = books.register(Kind::Rc, label, 0)?;
        books.tracked.insert(id, Tracked { object, label });
        books.tracked_ids.insert(address, id);
        Ok(id)
    }

    /// The id of the tracked `Rc` allocated at `address`, if it is tracked.
    pub(crate) fn tracked_id(&self, address: usize) -> Option<Id> {
        self.books.borrow().tracked_ids.get(&address).copied()
    }

    /// Registers a new `Tally`; returns its id and label.
    pub(crate) fn add_tally(&self, label: &[u8]) -> Result<(Id, LabelId), IdsExhausted> {
        let mut books = self.books.borrow_mut();
        let (id, label) = books.register(Kind::Tally, label, 0)?;
        books.tallies.insert(id, label);
        Ok((id, label))
    }

    /// Called by `Tally::drop`, possibly inside a finalizer.
    pub(crate) fn forget_tally(&self, id: Id, label: LabelId) {
        let mut books = self.books.borrow_mut();
        if books.tallies.remove(id).is_some() {
            books.count_dropped(label, 0);
        }
    }

    /// Registers a new `Tally` with the label of another (a clone).
    pub(crate) fn add_tally_with(&self, label: LabelId) -> Result<Id, IdsExhausted> {
        let mut books = self.books.borrow_mut();
        let id = books.register_as(Kind::Tally, label, 0)?;
        books.tallies.insert(id, label);
        Ok(id)
    }

    /// Watches a collectable Lua value: its id, new or the one it already has.
    pub(crate) fn watch(
        &self,
        lua: &Lua,
        value: &LuaValue,
        label: &[u8],
    ) -> LuaResult<Result<Id, IdsExhausted>> {
        let watched = self.watched.get_or_try_init(|| Watched::new(lua))?;
        if let Some(id) = watched.id_of(value)
            && self.books.borrow().watched.get(id).is_some()
        {
            return Ok(Ok(id));
        }
        let id = {
            let mut books = self.books.borrow_mut();
            match books.register(Kind::LuaValue, label, 0) {
                Ok((id, label)) => {
                    books.watched.insert(id, label);
                    id
                }
                Err(exhausted) => return Ok(Err(exhausted)),
            }
        };
        if let Err(error) = watched.insert(id, value) {
            // Out of memory: undo, so that a refused call changes nothing but the id sequence.
            let mut books = self.books.borrow_mut();
            if let Some(label) = books.watched.remove(id) {
                books.count_dropped(label, 0);
            }
            return Err(error);
        }
        Ok(Ok(id))
    }

    /// The id of a watched value, while it is alive.
    pub(crate) fn watched_id(&self, value: &LuaValue) -> Option<Id> {
        let id = self.watched.get()?.id_of(value)?;
        self.books.borrow().watched.get(id).is_some().then_some(id)
    }

    /// A watched value, while a collection has not found it unreachable.
    pub(crate) fn watched_value(&self, id: Id) -> Option<LuaValue> {
        let value = self.watched.get()?.value(id);
        if value.is_none() {
            self.forget_watched(id);
        }
        value
    }

    fn watched_is_alive(&self, id: Id) -> bool {
        self.watched_value(id).is_some()
    }

    fn forget_watched(&self, id: Id) {
        let mut books = self.books.borrow_mut();
        if let Some(label) = books.watched.remove(id) {
            books.count_dropped(label, 0);
        }
    }

    /// Records the watched values that a collection found unreachable since the last look.
    fn sweep_watched(&self) {
        let Some(watched) = self.watched.get() else { return };
        if self.books.borrow().watched.is_empty() || !watched.collected() {
            return;
        }
        if let Some(lua) = self.lua.try_upgrade() {
            let _ = watched.rearm(&lua); // out of memory: the next look sweeps again
        }
        let ids: Vec<Id> = self.books.borrow().watched.iter_from(0).map(|(id, _)| id).collect();
        let gone: Vec<Id> = ids.into_iter().filter(|&id| !watched.is_alive(id)).collect();
        let mut books = self.books.borrow_mut();
        for id in gone {
            if let Some(label) = books.watched.remove(id) {
                books.count_dropped(label, 0);
            }
        }
        let empty = books.watched.is_empty();
        drop(books);
        if empty && let Some(lua) = self.lua.try_upgrade() {
            let _ = watched.reset_if_grown(&lua, || self.books.borrow().watched.is_empty()); // out of memory: kept
        }
    }

    /// Brings the books up to date with the objects that cannot say they dropped.
    fn sweep(&self) {
        self.books.borrow_mut().sweep_tracked();
        self.sweep_watched();
    }

    /// A new `Weak` to a live object, rcprobe's or tracked.
    pub(crate) fn downgrade(&self, id: Id) -> Option<Weak<dyn Any>> {
        let books = self.books.borrow();
        let object: Weak<dyn Any> = match books.entry(id)? {
            Entry::Object(object) => object.clone(),
            Entry::Tracked(tracked) => tracked.object.clone(),
            Entry::Tally(_) | Entry::Watched(_) => return None,
        };
        (object.strong_count() > 0).then_some(object)
    }

    pub(crate) fn label_name(&self, label: LabelId) -> Vec<u8> {
        self.books.borrow().labels.name(label).to_vec()
    }

    /// Rust keeps one more strong clone of the object; returns how many it now keeps.
    pub(crate) fn hold(&self, object: &Shared) -> usize {
        let id = object.borrow().id();
        let mut books = self.books.borrow_mut();
        let holds = books.holds.entry(id).or_default();
        holds.push(Rc::clone(object));
        holds.len()
    }

    /// Drops every Rust-side hold on the object; returns how many there were.
    pub(crate) fn release(&self, id: Id) -> usize {
        let released = self.books.borrow_mut().holds.remove(&id);
        let count = released.as_ref().map_or(0, Vec::len);
        drop(released); // may drop the object, which borrows the books again
        count
    }

    pub(crate) fn total(&self) -> Stats {
        self.sweep();
        self.books.borrow().total
    }

    /// Stats of one label: all zero for a label never used.
    pub(crate) fn label_stats(&self, label: &[u8]) -> Stats {
        self.sweep();
        let books = self.books.borrow();
        books.labels.find(label).map_or_else(Stats::default, |label| *books.labels.stats(label))
    }

    /// How many objects of each label are alive, for the labels with any.
    pub(crate) fn alive_by_label(&self) -> Vec<(Vec<u8>, u64)> {
        self.sweep();
        let books = self.books.borrow();
        books
            .labels
            .all()
            .filter(|(_, stats)| stats.alive() > 0)
            .map(|(name, stats)| (name.to_vec(), stats.alive()))
            .collect()
    }

    /// Ids of live objects (with this label, if given), ascending.
    pub(crate) fn live(&self, label: Option<&[u8]>) -> Vec<Id> {
        self.sweep();
        let books = self.books.borrow();
        let label = match label.map(|label| books.labels.find(label)) {
            None => None,
            Some(None) => return Vec::new(),
            Some(Some(label)) => Some(label),
        };
        books
            .live_from(0)
            .into_iter()
            .filter(|&(_, entry)| label.is_none() || books.label_of(entry) == label)
            .map(|(id, _)| id)
            .collect()
    }

    /// A temporary strong reference to a live object, for one operation. Never keep it
    /// across a call into Lua: it would show in the counts.
    pub(crate) fn upgrade(&self, id: Id) -> Option<Shared> {
        self.books.borrow().objects.get(id).and_then(Weak::upgrade)
    }

    pub(crate) fn info(&self, id: Id) -> Info {
        let alive = self.is_alive(id);
        let books = self.books.borrow();
        let entry = if alive { books.entry(id) } else { None };
        books.info(id, entry, self.links.is_linked(id))
    }

    /// Objects with ids above `mark` that are still alive.
    pub(crate) fn survivors_since(&self, mark: Id) -> Vec<Info> {
        self.sweep();
        let books = self.books.borrow();
        books
            .live_from(mark.saturating_add(1))
            .into_iter()
            .map(|(id, entry)| books.info(id, Some(entry), self.links.is_linked(id)))
            .collect()
    }

    /// Declares a host handle type (see `handles`).
    pub(crate) fn declare_handle_type(&self, type_id: TypeId, reader: impl FnOnce() -> Reader) {
        self.handle_types.borrow_mut().declare(type_id, reader);
    }

    /// The id of the object a host handle stands for: a userdata of a declared type holding a
    /// tracked `Rc` or a `Tally`.
    pub(crate) fn handle_id(&self, ud: &AnyUserData) -> Option<Id> {
        if self.handle_types.borrow().is_empty() {
            return None;
        }
        let reader = self.handle_types.borrow().reader(ud.type_id()?)?;
        let id = match reader(ud)? {
            Held::Rc(address) => self.tracked_id(address)?,
            Held::Tally(id) => id,
        };
        self.meet(ud, id);
        Some(id)
    }

    /// Remembers a host handle, weakly. Never in a finalizer: this may allocate.
    fn meet(&self, ud: &AnyUserData, id: Id) {
        let Some(lua) = self.lua.try_upgrade() else { return };
        let met = self.met.get_or_try_init(|| {
            let table = lua.create_table()?;
            table.set_metatable(Some(lua.create_table_from([("__mode", "k")])?))?;
            Ok::<_, mlua::Error>(table)
        });
        if let Ok(met) = met {
            let _ = met.raw_set(ud, id); // out of memory: the handle is merely not remembered
        }
    }

    /// The host handles rcprobe has met, `{[handle] = id}` (weak keys), if any.
    pub(crate) fn met_handles(&self) -> Option<Table> {
        self.met.get().cloned()
    }
}

impl Books {
    /// Issues the id of a new object of this kind and label and counts it in the stats.
    fn register(&mut self, kind: Kind, label: &[u8], bytes: usize) -> Result<(Id, LabelId), IdsExhausted> {
        let label = self.labels.intern(label);
        Ok((self.register_as(kind, label, bytes)?, label))
    }

    /// As `register`, with an interned label.
    fn register_as(&mut self, kind: Kind, label: LabelId, bytes: usize) -> Result<Id, IdsExhausted> {
        let id = self.last_id.checked_add(1).ok_or(IdsExhausted)?;
        self.last_id = id;
        self.kinds.issued(id, kind);
        self.total.on_create(bytes);
        self.labels.stats_mut(label).on_create(bytes);
        Ok(id)
    }

    /// Counts a dropped object in the stats.
    fn count_dropped(&mut self, label: LabelId, bytes: usize) {
        self.total.on_drop(bytes);
        self.labels.stats_mut(label).on_drop(bytes);
    }

    fn is_issued(&self, id: i64) -> bool {
        id >= 1 && id <= i64::from(self.last_id)
    }

    fn entry(&self, id: Id) -> Option<Entry<'_>> {
        if let Some(object) = self.objects.get(id) {
            return Some(Entry::Object(object));
        }
        if let Some(tracked) = self.tracked.get(id) {
            return Some(Entry::Tracked(tracked));
        }
        if let Some(&label) = self.tallies.get(id) {
            return Some(Entry::Tally(label));
        }
        self.watched.get(id).map(|&label| Entry::Watched(label))
    }

    fn counts(&self, id: Id) -> Counts {
        match self.entry(id) {
            Some(Entry::Object(object)) => Counts::of_weak(object),
            Some(Entry::Tracked(tracked)) => Counts::of_weak(&tracked.object),
            _ => Counts::default(),
        }
    }

    fn label_of(&self, entry: Entry) -> Option<LabelId> {
        match entry {
            // Upgrading is safe here: a live object keeps another strong reference, so this
            // temporary one is never the last and dropping it cannot re-enter the ledger.
            Entry::Object(object) => object.upgrade().map(|object| object.borrow().label()),
            Entry::Tracked(tracked) => (tracked.object.strong_count() > 0).then_some(tracked.label),
            Entry::Tally(label) | Entry::Watched(label) => Some(label),
        }
    }

    /// Live entries with ids of at least `from`, ascending. Tracked and watched entries are as
    /// live as the last sweep found them.
    fn live_from(&self, from: Id) -> Vec<(Id, Entry<'_>)> {
        let mut entries: Vec<(Id, Entry)> =
            self.objects.iter_from(from).map(|(id, object)| (id, Entry::Object(object))).collect();
        let before = entries.len();
        entries.extend(
            self.tracked
                .iter_from(from)
                .filter(|(_, tracked)| tracked.object.strong_count() > 0)
                .map(|(id, tracked)| (id, Entry::Tracked(tracked))),
        );
        entries.extend(self.tallies.iter_from(from).map(|(id, &label)| (id, Entry::Tally(label))));
        entries.extend(self.watched.iter_from(from).map(|(id, &label)| (id, Entry::Watched(label))));
        if entries.len() > before {
            entries.sort_unstable_by_key(|&(id, _)| id);
        }
        entries
    }

    fn info(&self, id: Id, entry: Option<Entry>, linked: bool) -> Info {
        let kind = self.kinds.of(id).unwrap_or(Kind::Probe);
        Info {
            id,
            kind,
            label: entry.and_then(|entry| self.label_of(entry)).map(|label| self.labels.name(label).to_vec()),
            alive: entry.is_some(),
            counts: kind.is_counted().then(|| self.counts(id)),
            held: self.holds.get(&id).map_or(0, Vec::len),
            linked,
        }
    }

    /// Records the tracked host `Rc`s that have dropped since the last look.
    fn sweep_tracked(&mut self) {
        if self.tracked.is_empty() {
            return;
        }
        let dropped: Vec<Id> = self
            .tracked
            .iter_from(0)
            .filter(|(_, tracked)| tracked.object.strong_count() == 0)
            .map(|(id, _)| id)
            .collect();
        for id in dropped {
            if let Some(tracked) = self.tracked.remove(id) {
                self.tracked_ids.remove(&handles::address_of_weak(&tracked.object));
                self.count_dropped(tracked.label, 0);
            }
        }
    }
}
