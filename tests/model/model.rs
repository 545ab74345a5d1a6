//! A model of what rcprobe must report about every kind of object it knows, for the host-side
//! model test. It knows nothing of Lua or of rcprobe: it follows the values the test puts
//! where, and says what the counts, `stats`, `live`, `leaks` and `paths.why` must be.
//!
//! The heap it models is a forest: every value (a handle or a container) is in one place at
//! most: the root table, a container, a Probe's link or a host `Link`. A value in no place is
//! garbage, which still counts until a collection. Its rules:
//!
//! * A Probe's object: strong = open Probes not yet collected + `rcprobe.hold`s; weak = its
//!   WeakProbes not yet collected. A tracked `Rc` (a `Thing`): strong = Rust's own clones +
//!   host handles not yet collected. Either drops the moment its strong count reaches 0.
//! * A Tally lives in an `Entity`: in Rust's own list, or in a userdata (its handle) until a
//!   collection finalizes that. A watched container lives until a collection finds it
//!   unreachable.
//! * One collection marks from the root table and from the links of live objects (Rust holds
//!   those), through containers and the user values of handles, then finalizes every handle it
//!   did not mark. What a link dropped during that collection kept was marked already: it goes
//!   in the next one.
//! * On Lua 5.1 and LuaJIT a watched container that only handles being finalized reach (a
//!   Probe's user value, say) is marked with them, so its weak entry lives one collection
//!   longer; Lua 5.2 and later clear it at once.
//! * `paths.why` walks from Lua's roots first, then from each link: a handle is reachable,
//!   linked, unreached (not reached, but rcprobe has met it: every Probe, and a host handle made
//!   with `rcprobe::handle`, asked about or found by an earlier walk) or, for a host `Rc`,
//!   outside (Rust's clones, and handles rcprobe never met). A link closes a cycle through Rust
//!   when, following the links that keep its owner, one arrives at the object asked about
//!   without passing an owner that Lua's roots reach.

use std::collections::{BTreeMap, BTreeSet};

use rcprobe::Kind;

pub type Id = rcprobe::Id;
/// A handle, by number: the model never holds a real one.
pub type Hid = usize;
/// A container (a table, or a closure whose upvalue is a table), by number.
pub type Cid = usize;
/// A host `Link`, by number.
pub type Lid = usize;

/// Something Lua code can hold.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Value {
    Handle(Hid),
    Container(Cid),
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum HandleKind {
    Probe,
    WeakProbe,
    /// A userdata holding a clone of a tracked `Rc`: a newtype (`Handle`), or the `Rc` itself
    /// (mlua's userdata-wrappers).
    Host {
        wrapped: bool,
    },
    /// The userdata of an `Entity`, whose Tally it is.
    Entity,
}

#[derive(Clone, Debug)]
pub struct Handle {
    pub object: Id,
    pub kind: HandleKind,
    pub closed: bool,
    /// Whether rcprobe has met this host handle (`rcprobe::handle`, `id_of`, a walk).
    pub met: bool,
    /// The container set as its user value.
    pub attached: Option<Cid>,
}

impl Handle {
    /// Whether it keeps its object alive: an open Probe or any host handle.
    pub fn is_strong(&self) -> bool {
        match self.kind {
            HandleKind::Probe => !self.closed,
            HandleKind::WeakProbe => false,
            HandleKind::Host { .. } | HandleKind::Entity => true,
        }
    }

    fn is_host(&self) -> bool {
        matches!(self.kind, HandleKind::Host { .. } | HandleKind::Entity)
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Shape {
    Table,
    /// A function whose upvalue `t` is the table of values.
    Closure,
}

#[derive(Clone, Debug)]
pub struct Container {
    pub shape: Shape,
    pub values: Vec<Value>,
    /// Its id, when watched.
    pub watched: Option<Id>,
}

/// What a Probe's object links: a container, or a value that holds nothing.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ProbeLink {
    Plain,
    Container(Cid),
}

/// Whose struct holds a host `Link`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Holder {
    Thing(Id),
    Entity(Id),
    /// A Rust list of its own: the link has no owner.
    Free,
}

#[derive(Clone, Debug)]
pub struct HostLink {
    pub holder: Holder,
    pub label: &'static str,
    pub value: Cid,
}

impl HostLink {
    pub fn owner(&self) -> Option<Id> {
        match self.holder {
            Holder::Thing(id) | Holder::Entity(id) => Some(id),
            Holder::Free => None,
        }
    }
}

/// Where an Entity (and so its Tally) lives.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Home {
    Rust,
    Handle(Hid),
}

#[derive(Clone, Debug)]
pub struct Object {
    pub kind: Kind,
    pub label: &'static str,
    pub alive: bool,
    /// Probes: open Probes not collected; WeakProbes not collected; holds; its link.
    pub probes: usize,
    pub weak: usize,
    pub holds: usize,
    pub link: Option<ProbeLink>,
    /// Tracked `Rc`s: Rust's own clones and the host handles not collected.
    pub rust_clones: usize,
    pub host_handles: usize,
    /// Things and Entities: the host `Link`s their struct holds, in order.
    pub links: Vec<Lid>,
    pub home: Option<Home>,
    /// Watched containers: which.
    pub container: Option<Cid>,
}

impl Object {
    fn new(kind: Kind, label: &'static str) -> Object {
        Object {
            kind,
            label,
            alive: true,
            probes: 0,
            weak: 0,
            holds: 0,
            link: None,
            rust_clones: 0,
            host_handles: 0,
            links: Vec::new(),
            home: None,
            container: None,
        }
    }

    pub fn strong(&self) -> usize {
        if !self.alive {
            return 0;
        }
        match self.kind {
            Kind::Probe => self.probes + self.holds,
            Kind::Rc => self.rust_clones + self.host_handles,
            _ => 0,
        }
    }

    pub fn weak_count(&self) -> usize {
        if self.alive { self.weak } else { 0 }
    }

    /// `info(x).linked`: a Probe's link, or the owner of host `Link`s.
    pub fn linked(&self) -> bool {
        self.alive && (self.link.is_some() || !self.links.is_empty())
    }
}

/// `stats()` of a label (or all), with the peak as a range: a tracked `Rc` or a watched value
/// that went is only counted when rcprobe next looks, so the peak may count one already gone.
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct Stats {
    pub created: u64,
    pub dropped: u64,
    pub peak_low: u64,
    pub peak_high: u64,
    /// Drops rcprobe notices only when it looks, and has not looked for yet.
    pub unnoticed: u64,
}

impl Stats {
    pub fn alive(&self) -> u64 {
        self.created - self.dropped
    }

    fn on_create(&mut self) {
        self.created += 1;
        self.peak_low = self.peak_low.max(self.alive());
        // What rcprobe may still believe alive: its unnoticed drops are not subtracted yet.
        self.peak_high = self.peak_high.max(self.alive() + self.unnoticed);
    }

    fn on_drop(&mut self, noticed_at_once: bool) {
        self.dropped += 1;
        if !noticed_at_once {
            self.unnoticed += 1;
        }
    }

    /// rcprobe looked (`stats`, `live`, ...): every drop is noticed.
    fn looked(&mut self) {
        self.unnoticed = 0;
    }
}

/// What `paths.why` must say of one live object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Why {
    pub reachable: usize,
    pub unreached: usize,
    pub held: usize,
    pub linked: usize,
    pub outside: Option<usize>,
    pub cycle: bool,
    pub verdict: &'static str,
    /// How many paths to WeakProbes.
    pub weak_paths: usize,
}

/// Where a walk met a value: from Lua's roots, or first from one link (the root of its path).
#[derive(Clone, Debug)]
struct Reach {
    /// `None` from Lua's roots; else the owner of the link it came from (`Some(None)`: a link
    /// without owner).
    link: Option<Option<Id>>,
    /// The watched containers on the path from the link, the value itself included.
    watched_on_path: Vec<Id>,
}

#[derive(Default)]
pub struct Model {
    pub objects: BTreeMap<Id, Object>,
    pub alive_ids: BTreeSet<Id>,
    pub handles: BTreeMap<Hid, Handle>,
    pub containers: BTreeMap<Cid, Container>,
    pub host_links: BTreeMap<Lid, HostLink>,
    /// The root table, in order.
    pub roots: Vec<Value>,
    /// Rust's own clones of tracked `Rc`s, by object, in the order the test keeps them.
    pub rust_clones: Vec<Id>,
    /// Entities Rust keeps itself, in order.
    pub entities: Vec<Id>,
    /// Host `Link`s with no owner, in order.
    pub free_links: Vec<Lid>,
    pub last_id: Id,
    last_hid: Hid,
    last_cid: Cid,
    last_lid: Lid,
    pub total: Stats,
    pub labels: BTreeMap<&'static str, Stats>,
    /// 5.1 and LuaJIT: what being-finalized handles reach stays marked (see the module docs).
    pub marks_what_finalizers_reach: bool,
    /// Objects dropped since the last check, for `paths.why` to say "dropped".
    pub dropped_lately: Vec<Id>,
    /// Wrong on purpose (the test of the test): collecting an Entity's userdata drops nothing.
    pub keeps_collected_entities: bool,
}

impl Model {
    pub fn new(marks_what_finalizers_reach: bool) -> Model {
        Model { marks_what_finalizers_reach, ..Model::default() }
    }

    // Objects --------------------------------------------------------------------------------

    /// A new object: rcprobe issues ids in order.
    pub fn create(&mut self, kind: Kind, label: &'static str) -> Id {
        self.last_id += 1;
        let id = self.last_id;
        self.objects.insert(id, Object::new(kind, label));
        self.alive_ids.insert(id);
        self.total.on_create();
        self.labels.entry(label).or_default().on_create();
        id
    }

    pub fn object(&self, id: Id) -> &Object {
        &self.objects[&id]
    }

    pub fn is_alive(&self, id: Id) -> bool {
        self.objects.get(&id).is_some_and(|object| object.alive)
    }

    fn drop_object(&mut self, id: Id) {
        let object = self.objects.get_mut(&id).expect("a known object");
        debug_assert!(object.alive);
        object.alive = false;
        // rcprobe's own objects and Tallies tell rcprobe as they drop; the others are noticed.
        let at_once = matches!(object.kind, Kind::Probe | Kind::Tally);
        let label = object.label;
        object.link = None; // its container is in no place now
        let links = std::mem::take(&mut object.links);
        self.alive_ids.remove(&id);
        self.total.on_drop(at_once);
        self.labels.get_mut(label).expect("a used label").on_drop(at_once);
        self.dropped_lately.push(id);
        for lid in links {
            self.host_links.remove(&lid);
        }
    }

    /// Drops the object if nothing keeps it.
    fn settle(&mut self, id: Id) {
        let object = &self.objects[&id];
        if object.alive && matches!(object.kind, Kind::Probe | Kind::Rc) && object.strong() == 0 {
            self.drop_object(id);
        }
    }

    /// rcprobe looked: the drops it could not be told of are counted now.
    pub fn looked(&mut self) {
        self.total.looked();
        for stats in self.labels.values_mut() {
            stats.looked();
        }
    }

    pub fn hold(&mut self, id: Id) -> usize {
        let object = self.objects.get_mut(&id).expect("a known object");
        object.holds += 1;
        object.holds
    }

    pub fn release(&mut self, id: Id) -> usize {
        let object = self.objects.get_mut(&id).expect("a known object");
        let released = std::mem::take(&mut object.holds);
        self.settle(id);
        released
    }

    pub fn link(&mut self, id: Id, link: ProbeLink) {
        self.objects.get_mut(&id).expect("a known object").link = Some(link);
    }

    pub fn unlink(&mut self, id: Id) -> bool {
        self.objects.get_mut(&id).expect("a known object").link.take().is_some()
    }

    /// A tracked `Rc` with one clone that Rust keeps.
    pub fn track(&mut self, label: &'static str) -> Id {
        let id = self.create(Kind::Rc, label);
        self.add_rust_clone(id);
        id
    }

    pub fn add_rust_clone(&mut self, id: Id) {
        self.objects.get_mut(&id).expect("a known object").rust_clones += 1;
        self.rust_clones.push(id);
    }

    /// Rust drops its clone at position `k`.
    pub fn drop_rust_clone(&mut self, k: usize) -> Id {
        let id = self.rust_clones.remove(k);
        self.objects.get_mut(&id).expect("a known object").rust_clones -= 1;
        self.settle(id);
        id
    }

    /// A new Entity that Rust keeps.
    pub fn entity_in_rust(&mut self, label: &'static str) -> Id {
        let id = self.create(Kind::Tally, label);
        self.objects.get_mut(&id).expect("new").home = Some(Home::Rust);
        self.entities.push(id);
        id
    }

    /// Rust drops its Entity at position `k`.
    pub fn drop_entity(&mut self, k: usize) -> Id {
        let id = self.entities.remove(k);
        self.drop_object(id);
        id
    }

    pub fn watch(&mut self, cid: Cid, label: &'static str) -> Id {
        let id = self.create(Kind::LuaValue, label);
        self.objects.get_mut(&id).expect("new").container = Some(cid);
        self.containers.get_mut(&cid).expect("a live container").watched = Some(id);
        id
    }

    pub fn add_host_link(&mut self, holder: Holder, label: &'static str, value: Cid) -> Lid {
        self.last_lid += 1;
        let lid = self.last_lid;
        self.host_links.insert(lid, HostLink { holder, label, value });
        match holder {
            Holder::Thing(id) | Holder::Entity(id) => {
                self.objects.get_mut(&id).expect("a live holder").links.push(lid);
            }
            Holder::Free => self.free_links.push(lid),
        }
        lid
    }

    /// Drops a host link; returns it.
    pub fn drop_host_link(&mut self, lid: Lid) -> HostLink {
        let link = self.host_links.remove(&lid).expect("a live link");
        match link.holder {
            Holder::Thing(id) | Holder::Entity(id) => {
                self.objects.get_mut(&id).expect("a live holder").links.retain(|&l| l != lid);
            }
            Holder::Free => self.free_links.retain(|&l| l != lid),
        }
        link
    }

    // Handles and containers -----------------------------------------------------------------

    /// A new handle of `object`; it is garbage until placed somewhere.
    pub fn add_handle(&mut self, object: Id, kind: HandleKind, met: bool) -> Hid {
        self.last_hid += 1;
        let hid = self.last_hid;
        self.handles.insert(hid, Handle { object, kind, closed: false, met, attached: None });
        let o = self.objects.get_mut(&object).expect("a live object");
        match kind {
            HandleKind::Probe => o.probes += 1,
            HandleKind::WeakProbe => o.weak += 1,
            HandleKind::Host { .. } => o.host_handles += 1,
            HandleKind::Entity => o.home = Some(Home::Handle(hid)),
        }
        hid
    }

    /// A new Entity in a new userdata.
    pub fn entity_in_handle(&mut self, label: &'static str, met: bool) -> (Id, Hid) {
        let id = self.create(Kind::Tally, label);
        (id, self.add_handle(id, HandleKind::Entity, met))
    }

    pub fn close(&mut self, hid: Hid) {
        let handle = self.handles.get_mut(&hid).expect("a live handle");
        if handle.closed {
            return;
        }
        handle.closed = true;
        let id = handle.object;
        self.objects.get_mut(&id).expect("a known object").probes -= 1;
        self.settle(id);
    }

    pub fn meet(&mut self, hid: Hid) {
        if let Some(handle) = self.handles.get_mut(&hid)
            && handle.is_host()
        {
            handle.met = true;
        }
    }

    /// A new container holding `values` (taken from where they were).
    pub fn add_container(&mut self, shape: Shape, values: Vec<Value>) -> Cid {
        self.last_cid += 1;
        self.containers.insert(self.last_cid, Container { shape, values, watched: None });
        self.last_cid
    }

    pub fn handle(&self, hid: Hid) -> &Handle {
        &self.handles[&hid]
    }

    /// The object a value stands for: a handle's object, a watched container's id.
    pub fn id_of(&self, value: Value) -> Option<Id> {
        match value {
            Value::Handle(hid) => Some(self.handles[&hid].object),
            Value::Container(cid) => self.containers[&cid].watched,
        }
    }

    // Collection -----------------------------------------------------------------------------

    /// The containers that host links and the links of live Probes' objects hold.
    fn link_roots(&self) -> Vec<(Option<Id>, Cid)> {
        let mut roots = Vec::new();
        for &id in &self.alive_ids {
            if let Some(ProbeLink::Container(cid)) = self.objects[&id].link {
                roots.push((Some(id), cid));
            }
        }
        for link in self.host_links.values() {
            roots.push((link.owner(), link.value));
        }
        roots
    }

    /// The values reached from `start`, through containers and user values.
    fn mark(
        &self,
        start: Vec<Value>,
        marked_handles: &mut BTreeSet<Hid>,
        marked_containers: &mut BTreeSet<Cid>,
    ) {
        let mut stack = start;
        while let Some(value) = stack.pop() {
            match value {
                Value::Handle(hid) => {
                    let Some(handle) = self.handles.get(&hid) else { continue }; // finalized
                    if marked_handles.insert(hid)
                        && let Some(cid) = handle.attached
                    {
                        stack.push(Value::Container(cid));
                    }
                }
                Value::Container(cid) => {
                    if let Some(container) = self.containers.get(&cid)
                        && marked_containers.insert(cid)
                    {
                        stack.extend(container.values.iter().copied());
                    }
                }
            }
        }
    }

    /// The containers in a place: those the root table or a link reaches.
    pub fn reached_containers(&self) -> BTreeSet<Cid> {
        let mut containers = BTreeSet::new();
        let mut start = self.roots.clone();
        start.extend(self.link_roots().into_iter().map(|(_, cid)| Value::Container(cid)));
        self.mark(start, &mut BTreeSet::new(), &mut containers);
        containers
    }

    /// One full collection (`collectgarbage()`). Returns whether it freed anything.
    pub fn collect(&mut self) -> bool {
        let mut handles = BTreeSet::new();
        let mut containers = BTreeSet::new();
        let mut start = self.roots.clone();
        start.extend(self.link_roots().into_iter().map(|(_, cid)| Value::Container(cid)));
        self.mark(start, &mut handles, &mut containers);
        let garbage: Vec<Hid> = self.handles.keys().copied().filter(|hid| !handles.contains(hid)).collect();
        // What handles being finalized reach is marked with them on 5.1 and LuaJIT.
        let mut kept = containers.clone();
        if self.marks_what_finalizers_reach {
            let mut finalized_reach = BTreeSet::new();
            let attached = garbage.iter().filter_map(|hid| self.handles[hid].attached).map(Value::Container);
            self.mark(attached.collect(), &mut handles.clone(), &mut finalized_reach);
            kept.extend(finalized_reach);
        }
        // Every handle nobody reaches is finalized: its Rust value is dropped.
        for hid in &garbage {
            let handle = self.handles.remove(hid).expect("a live handle");
            let id = handle.object;
            let object = self.objects.get_mut(&id).expect("a known object");
            match handle.kind {
                HandleKind::Probe if !handle.closed => {
                    object.probes -= 1;
                    self.settle(id);
                }
                HandleKind::Probe => {}
                HandleKind::WeakProbe => object.weak -= 1,
                HandleKind::Host { .. } => {
                    object.host_handles -= 1;
                    self.settle(id);
                }
                HandleKind::Entity if self.keeps_collected_entities => {}
                HandleKind::Entity => self.drop_object(id),
            }
        }
        let freed: Vec<Cid> = self.containers.keys().copied().filter(|cid| !kept.contains(cid)).collect();
        for cid in &freed {
            let container = self.containers.remove(cid).expect("a live container");
            if let Some(id) = container.watched {
                self.drop_object(id);
            }
        }
        // Containers kept only for finalizers are in no place: the next collection frees them.
        !garbage.is_empty() || !freed.is_empty()
    }

    /// `rcprobe.full_gc()`: collections until one frees nothing (at most `max`). Returns how many
    /// freed something.
    pub fn full_gc(&mut self, max: u32) -> u32 {
        let mut changed = 0;
        while changed < max && self.collect() {
            changed += 1;
        }
        changed
    }

    // paths.why ------------------------------------------------------------------------------

    /// What `paths.why` must say of each live object, from one walk; the walk meets every host
    /// handle it reaches.
    pub fn why_all(&mut self) -> BTreeMap<Id, Why> {
        // Phase 1, from Lua's roots; phase 2, from each link in turn (the Probes' links by id,
        // then the host links as made).
        let mut reached: BTreeMap<Hid, Reach> = BTreeMap::new();
        let mut watched_reached: BTreeMap<Id, Reach> = BTreeMap::new();
        let mut seen_containers = BTreeSet::new();
        let mut walk = |model: &Model, start: Value, link: Option<Option<Id>>| {
            let mut stack = vec![(start, Vec::<Id>::new())];
            while let Some((value, mut on_path)) = stack.pop() {
                match value {
                    Value::Handle(hid) => {
                        let Some(handle) = model.handles.get(&hid) else { continue };
                        if reached.contains_key(&hid) {
                            continue;
                        }
                        reached.insert(hid, Reach { link, watched_on_path: on_path.clone() });
                        if let Some(cid) = handle.attached {
                            stack.push((Value::Container(cid), on_path));
                        }
                    }
                    Value::Container(cid) => {
                        let Some(container) = model.containers.get(&cid) else { continue };
                        if !seen_containers.insert(cid) {
                            continue;
                        }
                        if let Some(id) = container.watched {
                            on_path.push(id);
                            watched_reached.insert(id, Reach { link, watched_on_path: on_path.clone() });
                        }
                        for &v in container.values.iter().rev() {
                            stack.push((v, on_path.clone()));
                        }
                    }
                }
            }
        };
        for &value in &self.roots {
            walk(self, value, None);
        }
        for (owner, cid) in self.link_roots() {
            walk(self, Value::Container(cid), Some(owner));
        }

        // Who keeps whom, as paths.lua reads it from the walk.
        let mut by_lua: BTreeSet<Id> = BTreeSet::new();
        let mut by_links: BTreeMap<Id, BTreeSet<Id>> = BTreeMap::new();
        let mut by_values: BTreeMap<Id, BTreeSet<Id>> = BTreeMap::new();
        let mut note = |id: Id, reach: &Reach| match reach.link {
            None => {
                by_lua.insert(id);
            }
            Some(owner) => {
                by_values.entry(id).or_default().extend(reach.watched_on_path.iter().copied());
                if let Some(owner) = owner {
                    by_links.entry(id).or_default().insert(owner);
                }
            }
        };
        for (hid, reach) in &reached {
            let handle = &self.handles[hid];
            if handle.is_strong() {
                note(handle.object, reach);
            }
        }
        for (id, reach) in &watched_reached {
            note(*id, reach);
        }
        fn leads_back(
            owner: Id,
            object: Id,
            seen: &mut BTreeSet<Id>,
            by_lua: &BTreeSet<Id>,
            by_links: &BTreeMap<Id, BTreeSet<Id>>,
            by_values: &BTreeMap<Id, BTreeSet<Id>>,
        ) -> bool {
            if owner == object {
                return true;
            }
            if by_lua.contains(&owner) || !seen.insert(owner) {
                return false;
            }
            if by_values.get(&owner).is_some_and(|values| values.contains(&object)) {
                return true;
            }
            by_links
                .get(&owner)
                .into_iter()
                .flatten()
                .any(|&next| leads_back(next, object, seen, by_lua, by_links, by_values))
        }

        let mut answers = BTreeMap::new();
        for &id in &self.alive_ids {
            let object = &self.objects[&id];
            let (mut reachable, mut linked, mut weak_paths, mut cycle) = (0, 0, 0, false);
            let mut count = |reach: &Reach, cycle: &mut bool| match reach.link {
                None => reachable += 1,
                Some(owner) => {
                    linked += 1;
                    if let Some(owner) = owner
                        && leads_back(owner, id, &mut BTreeSet::new(), &by_lua, &by_links, &by_values)
                    {
                        *cycle = true;
                    }
                }
            };
            let mut unreached_met = 0;
            for (hid, handle) in self.handles.iter().filter(|(_, handle)| handle.object == id) {
                match reached.get(hid) {
                    Some(reach) if handle.is_strong() => count(reach, &mut cycle),
                    Some(_) if handle.kind == HandleKind::WeakProbe => weak_paths += 1,
                    Some(_) => {}
                    None if handle.is_strong() && handle.is_host() && handle.met => unreached_met += 1,
                    None => {}
                }
            }
            if let Some(reach) = watched_reached.get(&id) {
                count(reach, &mut cycle);
            }
            let held = object.holds;
            let (unreached, outside) = match object.kind {
                Kind::Probe => (object.strong() - held - reachable - linked, Some(0)),
                Kind::Rc => (unreached_met, Some(object.strong() - reachable - linked - unreached_met)),
                Kind::Tally => (unreached_met, None),
                Kind::LuaValue => (0, None),
            };
            let verdict = if reachable > 0 {
                "reachable"
            } else if cycle {
                "cycle through Rust"
            } else if held > 0 {
                "held"
            } else if linked > 0 {
                "linked"
            } else if outside.unwrap_or(0) > 0 || (object.kind == Kind::Tally && unreached == 0) {
                "outside"
            } else {
                "unreached"
            };
            answers
                .insert(id, Why { reachable, unreached, held, linked, outside, cycle, verdict, weak_paths });
        }
        // The walk met every host handle it reached.
        for hid in reached.keys() {
            self.meet(*hid);
        }
        answers
    }

    /// Where the walk finds each handle that a chain of plain tables from the root table or from
    /// a host link reaches, as `paths` writes it: `_G.roots[2][1]`, `Rust: Thing.children ->
    /// [1]`. Other paths (through a closure, a user value or a Probe's link) are only counted.
    pub fn table_paths(&self) -> BTreeMap<Hid, String> {
        let mut paths = BTreeMap::new();
        let mut walk = |start: Value, prefix: String| {
            let mut stack = vec![(start, prefix)];
            while let Some((value, path)) = stack.pop() {
                match value {
                    Value::Handle(hid) => {
                        paths.insert(hid, path);
                    }
                    Value::Container(cid) => {
                        let container = &self.containers[&cid];
                        if container.shape == Shape::Table {
                            for (k, &v) in container.values.iter().enumerate() {
                                stack.push((v, format!("{path}[{}]", k + 1)));
                            }
                        }
                    }
                }
            }
        };
        for (i, &value) in self.roots.iter().enumerate() {
            walk(value, format!("_G.roots[{}]", i + 1));
        }
        let mut links: Vec<(String, Cid)> = Vec::new();
        for &id in &self.alive_ids {
            let object = &self.objects[&id];
            if let Some(ProbeLink::Container(cid)) = object.link {
                links.push((format!("Rust: link of probe #{id} \"{}\"", object.label), cid));
            }
        }
        links.extend(self.host_links.values().map(|link| (format!("Rust: {}", link.label), link.value)));
        for (root, cid) in links {
            let container = &self.containers[&cid];
            if container.shape == Shape::Table {
                for (k, &v) in container.values.iter().enumerate() {
                    walk(v, format!("{root} -> [{}]", k + 1));
                }
            }
        }
        paths
    }
}
