//! The ledger: everything rcprobe knows about the objects of one Lua state.
//!
//! It lives in the state's app data (and in the closures of the module's functions), never in
//! a static. It holds a `Weak` to each live object so that an id finds its object; that `Weak`
//! is rcprobe's own and is never counted. Objects tell the ledger when they drop, so it holds
//! live objects only.
//!
//! Re-entrancy rule: `Object::drop` borrows the books, and it can run inside any Lua
//! allocation (a finalizer) or wherever an `Rc` is dropped. So no borrow of `books` is ever
//! held while calling Lua or dropping an object or a Lua value: take what is needed, let the
//! borrow go, then act.
//!
//! This module is the core both faces of rcprobe are built on: the Lua module (`crate::lua`)
//! and the Rust host API (`crate::host`).

pub(crate) mod id_table;
pub(crate) mod object;
pub(crate) mod stats;
pub(crate) mod value;

use std::any::Any;
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::rc::{Rc, Weak};

use mlua::{Lua, Result as LuaResult, Table, Value as LuaValue, WeakLua};
use once_cell::unsync::OnceCell;

use self::id_table::IdTable;
use self::object::{Id, Object, Shared};
use self::stats::{LabelId, Labels, Stats};
use self::value::Value;

pub(crate) struct Ledger {
    lua: WeakLua,
    books: RefCell<Books>,
    /// Lua values that objects link to, keyed by object id: a strong reference from Rust that
    /// the collector cannot see through. Created on the first `link`.
    links: OnceCell<Table>,
}

#[derive(Default)]
struct Books {
    /// The last id issued; 0 before the first.
    last_id: Id,
    objects: IdTable<Weak<RefCell<Object>>>,
    labels: Labels,
    total: Stats,
    /// Rust-side strong clones made by `hold`.
    holds: HashMap<Id, Vec<Shared>>,
    /// `opts.bytes` buffers, owned here on behalf of their objects.
    buffers: HashMap<Id, Box<[u8]>>,
    /// Ids with an entry in `links`.
    linked: HashSet<Id>,
    /// A host's own `Rc`s, registered with `rcprobe::track`. No `Drop` tells the ledger
    /// when they go, so it looks (`sweep`) before it reports stats or lists.
    tracked: BTreeMap<Id, Tracked>,
}

struct Tracked {
    object: Weak<dyn Any>,
    label: LabelId,
}

/// A live id's entry: an object of rcprobe's or a host's tracked `Rc`.
#[derive(Clone, Copy)]
enum Entry<'a> {
    Object(&'a Weak<RefCell<Object>>),
    Tracked(&'a Tracked),
}

/// Every id of the Lua state has been issued: nothing new can be recorded.
#[derive(Debug)]
pub(crate) struct IdsExhausted;

impl std::fmt::Display for IdsExhausted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "all {} ids of this Lua state are used", Id::MAX)
    }
}

impl std::error::Error for IdsExhausted {}

/// Rust's own strong and weak counts of an object, without the ledger's own `Weak`.
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
pub struct Counts {
    pub strong: usize,
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
    /// `None` once the object is dropped: the ledger forgets dropped objects.
    pub(crate) label: Option<Vec<u8>>,
    pub(crate) counts: Counts,
    pub(crate) held: usize,
    pub(crate) linked: bool,
}

impl Info {
    /// `{id, label, strong, weak, held, linked}`, as `leaks` lists it (`info` adds `alive`).
    pub(crate) fn to_lua(&self, lua: &Lua) -> LuaResult<Table> {
        let table = lua.create_table_with_capacity(0, 7)?;
        table.raw_set("id", self.id)?;
        if let Some(label) = &self.label {
            table.raw_set("label", lua.create_string(label)?)?;
        }
        table.raw_set("strong", self.counts.strong)?;
        table.raw_set("weak", self.counts.weak)?;
        table.raw_set("held", self.held)?;
        table.raw_set("linked", self.linked)?;
        Ok(table)
    }
}

impl Ledger {
    pub(crate) fn new(lua: &Lua) -> Rc<Ledger> {
        Rc::new(Ledger { lua: lua.weak(), books: RefCell::default(), links: OnceCell::new() })
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
        let (id, label) = books.register(label, bytes)?;
        let object = Rc::new(RefCell::new(Object::new(Rc::downgrade(self), id, label, value)));
        books.objects.insert(id, Rc::downgrade(&object));
        if let Some(buffer) = buffer {
            books.buffers.insert(id, buffer);
        }
        Ok(object)
    }

    /// Called by `Object::drop`, possibly inside a finalizer.
    pub(crate) fn forget(&self, id: Id, label: LabelId) {
        let (buffer, linked) = {
            let mut books = self.books.borrow_mut();
            books.objects.remove(id);
            let buffer = if books.buffers.is_empty() { None } else { books.buffers.remove(&id) };
            books.count_dropped(label, buffer.as_ref().map_or(0, |buffer| buffer.len()));
            let linked = !books.linked.is_empty() && books.linked.remove(&id);
            (buffer, linked)
        };
        drop(buffer);
        if linked {
            self.clear_link(id);
        }
    }

    pub(crate) fn last_id(&self) -> Id {
        self.books.borrow().last_id
    }

    pub(crate) fn is_issued(&self, id: i64) -> bool {
        self.books.borrow().is_issued(id)
    }

    /// Counts of an issued id (0 and 0 once dropped).
    pub(crate) fn counts(&self, id: Id) -> Counts {
        self.books.borrow().counts(id)
    }

    /// Counts of `id` if this state issued it.
    pub(crate) fn counts_if_issued(&self, id: i64) -> Option<Counts> {
        let books = self.books.borrow();
        books.is_issued(id).then(|| books.counts(id as Id))
    }

    /// Registers a host's own `Rc` under a new id, so that Lua can ask for its counts.
    pub(crate) fn track(&self, object: Weak<dyn Any>, label: &[u8]) -> Result<Id, IdsExhausted> {
        let mut books = self.books.borrow_mut();
        let (id, label) = books.register(label, 0)?;
        books.tracked.insert(id, Tracked { object, label });
        Ok(id)
    }

    /// A new `Weak` to a live object, rcprobe's or tracked.
    pub(crate) fn downgrade(&self, id: Id) -> Option<Weak<dyn Any>> {
        let books = self.books.borrow();
        let object: Weak<dyn Any> = match books.entry(id)? {
            Entry::Object(object) => object.clone(),
            Entry::Tracked(tracked) => tracked.object.clone(),
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

    /// The object `id` keeps a strong reference to `value` from Rust (replacing any link).
    pub(crate) fn link(&self, lua: &Lua, id: Id, value: LuaValue) -> LuaResult<()> {
        let links = self.links.get_or_try_init(|| lua.create_table())?;
        links.raw_set(id, value)?;
        self.books.borrow_mut().linked.insert(id);
        Ok(())
    }

    /// Drops the link of object `id`; returns whether it had one.
    pub(crate) fn unlink(&self, id: Id) -> bool {
        let linked = self.books.borrow_mut().linked.remove(&id);
        if linked {
            self.clear_link(id);
        }
        linked
    }

    fn clear_link(&self, id: Id) {
        // Setting an existing field to nil never allocates, so this is safe in a finalizer.
        // Once the state is closed there is nothing to clear.
        if self.lua.try_upgrade().is_some()
            && let Some(links) = self.links.get()
        {
            let _ = links.raw_set(id, LuaValue::Nil);
        }
    }

    pub(crate) fn total(&self) -> Stats {
        let mut books = self.books.borrow_mut();
        books.sweep();
        books.total
    }

    /// Stats of one label: all zero for a label never used.
    pub(crate) fn label_stats(&self, label: &[u8]) -> Stats {
        let mut books = self.books.borrow_mut();
        books.sweep();
        books.labels.find(label).map_or_else(Stats::default, |label| *books.labels.stats(label))
    }

    /// Ids of live objects (with this label, if given), ascending.
    pub(crate) fn live(&self, label: Option<&[u8]>) -> Vec<Id> {
        let books = self.books.borrow();
        let label = match label.map(|label| books.labels.find(label)) {
            None => None,
            Some(None) => return Vec::new(),
            Some(Some(label)) => Some(label),
        };
        books
            .live_from(0)
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
        let books = self.books.borrow();
        books.info(id, books.entry(id))
    }

    /// Objects with ids above `mark` that are still alive.
    pub(crate) fn survivors_since(&self, mark: Id) -> Vec<Info> {
        let books = self.books.borrow();
        books.live_from(mark.saturating_add(1)).map(|(id, entry)| books.info(id, Some(entry))).collect()
    }

    /// A new table of every link, `{[id] = value}`, for tools that walk the heap: the
    /// collector cannot see them, and neither can Lua code.
    pub(crate) fn links(&self, lua: &Lua) -> LuaResult<Table> {
        let mut ids: Vec<Id> = self.books.borrow().linked.iter().copied().collect();
        ids.sort_unstable();
        let copy = lua.create_table_with_capacity(0, ids.len())?;
        if let Some(links) = self.links.get() {
            for id in ids {
                copy.raw_set(id, links.raw_get::<LuaValue>(id)?)?;
            }
        }
        Ok(copy)
    }
}

impl Books {
    /// Issues the id of a new object with this label and counts it in the stats.
    fn register(&mut self, label: &[u8], bytes: usize) -> Result<(Id, LabelId), IdsExhausted> {
        // Tracked objects that are gone must not count as alive in the new `peak`.
        self.sweep();
        let id = self.last_id.checked_add(1).ok_or(IdsExhausted)?;
        self.last_id = id;
        let label = self.labels.intern(label);
        self.total.on_create(bytes);
        self.labels.stats_mut(label).on_create(bytes);
        Ok((id, label))
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
        match self.objects.get(id) {
            Some(object) => Some(Entry::Object(object)),
            None => self.tracked.get(&id).map(Entry::Tracked),
        }
    }

    fn counts(&self, id: Id) -> Counts {
        match self.entry(id) {
            Some(Entry::Object(object)) => Counts::of_weak(object),
            Some(Entry::Tracked(tracked)) => Counts::of_weak(&tracked.object),
            None => Counts::default(),
        }
    }

    fn label_of(&self, entry: Entry) -> Option<LabelId> {
        match entry {
            // Upgrading is safe here: a live object keeps another strong reference, so this
            // temporary one is never the last and dropping it cannot re-enter the ledger.
            Entry::Object(object) => object.upgrade().map(|object| object.borrow().label()),
            Entry::Tracked(tracked) => (tracked.object.strong_count() > 0).then_some(tracked.label),
        }
    }

    /// Live entries with ids of at least `from`, ascending.
    fn live_from(&self, from: Id) -> impl Iterator<Item = (Id, Entry<'_>)> {
        let mut entries: Vec<(Id, Entry)> =
            self.objects.iter_from(from).map(|(id, object)| (id, Entry::Object(object))).collect();
        if !self.tracked.is_empty() {
            let tracked = self.tracked.range(from..).filter(|(_, tracked)| tracked.object.strong_count() > 0);
            entries.extend(tracked.map(|(&id, tracked)| (id, Entry::Tracked(tracked))));
            entries.sort_unstable_by_key(|&(id, _)| id);
        }
        entries.into_iter()
    }

    fn info(&self, id: Id, entry: Option<Entry>) -> Info {
        Info {
            id,
            label: entry.and_then(|entry| self.label_of(entry)).map(|label| self.labels.name(label).to_vec()),
            counts: self.counts(id),
            held: self.holds.get(&id).map_or(0, Vec::len),
            linked: self.linked.contains(&id),
        }
    }

    /// Records the tracked host objects that have dropped since the last look.
    fn sweep(&mut self) {
        if self.tracked.is_empty() {
            return;
        }
        let dropped: Vec<Id> = self
            .tracked
            .iter()
            .filter(|(_, tracked)| tracked.object.strong_count() == 0)
            .map(|(&id, _)| id)
            .collect();
        for id in dropped {
            if let Some(tracked) = self.tracked.remove(&id) {
                self.count_dropped(tracked.label, 0);
            }
        }
    }
}
