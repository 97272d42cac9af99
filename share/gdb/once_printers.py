# gdb pretty-printers for the library's types, decoding their state words.
# SPDX-License-Identifier: MIT
"""gdb pretty-printers for the types of once.

Load them with one line (in ~/.gdbinit, or at the gdb prompt):

    source /usr/share/gdb/once_printers.py     # <prefix>/share/gdb/ of the install

Then `print` shows what a cell holds, or its state:

    once::OnceLock<int> = {value = 42}
    once::OnceLock<std::string> <initializing, threads waiting>
    once::OnceShared<Config> = {get() = 0x4172b0, use_count = 2}
    once::SetOnce<int> <empty, 3 waiters>

The printers read the objects' memory as the headers lay it out (the state
words and their values are documented at each state class in detail/); they
run no code in the program, so they work on core files too.
"""

import re

import gdb
import gdb.printing
import gdb.types

# detail/once_state.hpp: the state word of OnceCell, OnceLock, the lazy types,
# OnceShared and OnceFlag.
ONCE_EMPTY = 0
ONCE_RUNNING = 1
ONCE_WAITERS = 2
ONCE_COMPLETE = 4

# detail/waiter_list.hpp: the state word of SetOnce.
SET_ONCE_LOCKED = 1
SET_ONCE_CLAIMED = 2
SET_ONCE_PARKED = 4
SET_ONCE_FLAGS = SET_ONCE_LOCKED | SET_ONCE_CLAIMED | SET_ONCE_PARKED
SET_ONCE_SET = 4

# How far the printers follow a waiter list before calling it corrupt.
MAX_WAITERS = 100000


# The standard library's spelling of std::string, as gdb names the type.
_STD_STRING = re.compile(
    r"std::(__cxx11::|__1::)?basic_string<char, std::(__1::)?char_traits<char>, std::(__1::)?allocator<char> ?>"
)


def _display_name(type_):
    """The type's name as a user writes it: without the inline ABI namespace
    (once::v1::X is once::X), std::string for std::basic_string<char, ...>."""
    name = str(gdb.types.get_basic_type(type_))
    name = re.sub(r"\bonce::v1\w*::", "once::", name)
    name = _STD_STRING.sub("std::string", name)
    return re.sub(r" +>", ">", name)  # gdb writes "> >"


def _namespace(type_):
    """The namespace prefix of a type of the library: once::v1::, say."""
    match = re.match(r"(once::v1\w*::)", str(gdb.types.get_basic_type(type_)))
    return match.group(1) if match else "once::"


def _word(value):
    """The integer a state word holds: a plain integer, or a std::atomic<X>,
    which has the same size and representation as its X."""
    type_ = value.type.strip_typedefs()
    if type_.code == gdb.TYPE_CODE_STRUCT or type_.code == gdb.TYPE_CODE_UNION:
        inner = type_.template_argument(0)
        return int(value.address.cast(inner.pointer()).dereference())
    return int(value)


def _member(value, *names):
    """The first of `names` that `value` (or a base class of it) has."""
    for name in names:
        try:
            return value[name]
        except gdb.error:
            pass
    raise gdb.error(f"{value.type} has none of {', '.join(names)}")


def _stored(storage):
    """The value in a detail::Storage<T> (valid only when the state says so)."""
    return storage["value_"]


def _once_state(state):
    """The word of a detail::OnceState or detail::LocalOnceState."""
    return _word(state["word_"])


def _describe_once_state(word):
    """`empty`, `initializing` (with whether threads sleep on the word), or
    None when complete."""
    if word == ONCE_COMPLETE:
        return None
    what = "initializing" if word & ONCE_RUNNING else "empty"
    if word & ONCE_WAITERS:
        what += ", threads waiting"
    return what


class _Printer:
    def __init__(self, value):
        self.value = value
        self.name = _display_name(value.type)


class CellPrinter(_Printer):
    """OnceCell<T> and OnceLock<T>."""

    def __init__(self, value):
        super().__init__(value)
        self.word = _once_state(value["state_"])

    def to_string(self):
        state = _describe_once_state(self.word)
        return self.name if state is None else f"{self.name} <{state}>"

    def children(self):
        if self.word == ONCE_COMPLETE:
            yield "value", _stored(self.value["storage_"])


class LazyPrinter(CellPrinter):
    """LazyCell<T, F> and LazyLock<T, F>: the cell they hold."""

    def __init__(self, value):
        _Printer.__init__(self, value)
        cell = value["cell_"]
        self.value = cell
        self.word = _once_state(cell["state_"])


class OnceSharedPrinter(_Printer):
    """OnceShared<T>: the published pointer and the use count of its owner."""

    def __init__(self, value):
        super().__init__(value)
        try:  # the publication protocol's members, in a detail::SharedSlot
            value = value["slot_"]
        except gdb.error:  # or in the OnceShared itself (1.0)
            pass
        self.value = value
        self.word = _once_state(value["state_"])
        self.pointer = value["ptr_"]
        self.address = _word(self.pointer)

    def to_string(self):
        if self.word == ONCE_COMPLETE:
            return self.name
        if self.address != 0:
            # A store won the pointer and is taking its reference in.
            return f"{self.name} <publishing>"
        return f"{self.name} <{_describe_once_state(self.word)}>"

    def children(self):
        if self.address == 0:
            return
        inner = self.pointer.type.strip_typedefs().template_argument(0)
        yield "get()", gdb.Value(self.address).cast(inner)
        if self.word == ONCE_COMPLETE:
            count = _use_count(_stored(self.value["owner_"]))
            if count is not None:
                yield "use_count", count


def _use_count(shared):
    """The use count of a std::shared_ptr, for libstdc++ and libc++."""
    try:  # libstdc++
        base = shared["_M_refcount"]["_M_pi"]
        return 0 if int(base) == 0 else int(base["_M_use_count"])
    except gdb.error:
        pass
    try:  # libc++, which stores the count less one
        control = shared["__cntrl_"]
        return 0 if int(control) == 0 else int(control["__shared_owners_"]) + 1
    except gdb.error:
        return None


def _next_waiter(state_type):
    """A function from a waiter node's address to the next one's: through the
    node type's `next` member (a plain struct, or one templated on the atomic
    so that a model checker can run the list), or, if gdb knows neither
    name, through the node's first word, where `next` lives."""
    namespace = _namespace(state_type) + "detail::"
    for name in ("WaiterNode", "BasicWaiterNode<std::atomic>"):
        try:
            node = gdb.lookup_type(namespace + name).pointer()
            return lambda address: int(gdb.Value(address).cast(node)["next"])
        except gdb.error:
            pass
    word = gdb.lookup_type("void").pointer().pointer()
    return lambda address: int(gdb.Value(address).cast(word).dereference())


def decode_set_once(state):
    """What SetOnce's state (a detail::SetOnceState, or the WaiterList that
    replaces it) holds: (is_set, being_set, waiters).

    The one place that knows SetOnce's state word: a tagged pointer to the
    oldest waiter (linked through `next`) with its low bits as flags, or kSet
    alone once the value is there. `waiters` counts the nodes of the list,
    value and claim waiters alike (None if it cannot be read).
    """
    word = _word(state["word_"])
    if word == SET_ONCE_SET:
        return True, False, 0
    being_set = bool(word & SET_ONCE_CLAIMED)
    head = word & ~SET_ONCE_FLAGS
    if head == 0:
        return False, being_set, 0
    try:
        next_waiter = _next_waiter(state.type)
        node, count = head, 0
        while node != 0 and count < MAX_WAITERS:
            count += 1
            node = next_waiter(node)
        return False, being_set, (count if node == 0 else None)
    except gdb.error:  # memory gdb cannot read: a corrupt list, or a core file without it
        return False, being_set, None


class SetOncePrinter(_Printer):
    """SetOnce<T> and SetOnce<void>: the value, or how many waiters are queued."""

    def __init__(self, value):
        super().__init__(value)
        self.is_set, self.being_set, self.waiters = decode_set_once(_member(value, "list_", "state_"))
        try:
            self.storage = value["storage_"]
        except gdb.error:  # SetOnce<void>
            self.storage = None

    def to_string(self):
        if self.is_set:
            return self.name if self.storage is not None else f"{self.name} <set>"
        what = "being set" if self.being_set else "empty"
        if self.waiters is None:
            what += ", waiters unreadable"
        elif self.waiters:
            what += f", {self.waiters} waiter" + ("s" if self.waiters != 1 else "")
        return f"{self.name} <{what}>"

    def children(self):
        if self.is_set and self.storage is not None:
            yield "value", _stored(self.storage)


class OnceFlagPrinter(_Printer):
    """OnceFlag: whether call_once has completed on it."""

    def to_string(self):
        states = [f for f in self.value.type.strip_typedefs().fields() if "OnceState" in str(f.type)]
        if not states:
            return f"{self.name} <layout not understood>"
        word = _once_state(self.value[states[0].name])
        if word == ONCE_COMPLETE:
            return f"{self.name} <done>"
        what = "running" if word & ONCE_RUNNING else "not done"
        if word & ONCE_WAITERS:
            what += ", threads waiting"
        return f"{self.name} <{what}>"


def build_pretty_printer():
    printers = gdb.printing.RegexpCollectionPrettyPrinter("once")
    namespace = r"^once::v1\w*::"
    printers.add_printer("OnceCell", namespace + r"OnceCell<.*>$", CellPrinter)
    printers.add_printer("OnceLock", namespace + r"OnceLock<.*>$", CellPrinter)
    printers.add_printer("LazyCell", namespace + r"LazyCell<.*>$", LazyPrinter)
    printers.add_printer("LazyLock", namespace + r"LazyLock<.*>$", LazyPrinter)
    printers.add_printer("OnceShared", namespace + r"OnceShared<.*>$", OnceSharedPrinter)
    printers.add_printer("SetOnce", namespace + r"SetOnce<.*>$", SetOncePrinter)
    printers.add_printer("OnceFlag", namespace + r"OnceFlag$", OnceFlagPrinter)
    return printers


def register_once_printers(objfile=None):
    """Registers the printers for `objfile`, or for every program when None."""
    gdb.printing.register_pretty_printer(objfile, build_pretty_printer(), replace=True)


register_once_printers(gdb.current_objfile())
