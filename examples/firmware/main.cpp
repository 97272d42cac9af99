// Bare-metal firmware for a Cortex-M3 (the MPS2 AN385 board, run under
// qemu-system-arm): the library with no OS, no exceptions and no RTTI, its
// cells (OnceCell, OnceLock, LazyLock, OnceFlag) shared between the main loop
// and interrupt handlers that race it.
//
// What an interrupt handler may do with a cell, on one core:
//  * read it: get(), has_value(), is_completed(): never waits;
//  * initialize it (get_or_init, set, call_once) if no code it can preempt
//    may be initializing that same cell at that moment, because it cannot
//    wait for code that cannot run until it returns. So lower-priority code
//    initializes such a shared cell with that interrupt masked (part 2), or
//    leaves initializing it to the handler.
// The main loop may always wait for a handler: a handler runs to its end.
#include "once_platform.hpp"  // first: the library's hooks for this firmware

#include <cstdint>
#include <once/call_once.hpp>
#include <once/lazy_lock.hpp>
#include <once/once_cell.hpp>
#include <once/once_lock.hpp>

#include "board.hpp"

namespace {

int failures = 0;

void check(bool ok, const char* what) {
  if (ok) return;
  ++failures;
  board::print("FAILED: ");
  board::print(what);
  board::print("\n");
}

void report(const char* label, std::uint32_t n) {
  board::print(label);
  board::print_number(n);
  board::print("\n");
}

volatile std::uint32_t ticks = 0;  // SysTick interrupts so far

void wait_ticks(std::uint32_t n) {
  const std::uint32_t until = ticks + n;
  while (ticks < until) {
  }
}

/// About as long as `n` turns of the calibration loop in main(), which reads
/// `ticks` once a turn too.
void delay(std::uint32_t n) {
  for (; n != 0; --n) static_cast<void>(ticks);
}

// ---- Part 1: a LazyLock built by the main loop, read by interrupts ---------
// The build is preempted by the software interrupt (triggered halfway) and
// by SysTick (the build outlasts two ticks on purpose). Handlers only read.
struct Table {
  std::uint32_t entries[512];
  std::uint32_t sum;
};

volatile bool building = false;

Table build_table() {
  building = true;
  Table table{};
  for (std::uint32_t i = 0; i < 512; ++i) {
    std::uint32_t x = i * 2654435761u;
    for (int round = 0; round < 64; ++round) x = x * 1664525u + 1013904223u;  // slow on purpose
    table.entries[i] = x | 1;
    table.sum += table.entries[i];
    if (i == 256) board::trigger_irq(board::kSoftwareIrq);  // preempted halfway
  }
  for (const std::uint32_t until = ticks + 2; ticks < until;) {
  }
  building = false;
  return table;
}

bool complete(const Table& table) {
  std::uint32_t sum = 0;
  for (std::uint32_t entry : table.entries) {
    if (entry == 0) return false;
    sum += entry;
  }
  return sum == table.sum;
}

constinit once::LazyLock<Table> table = build_table;

struct TableReads {
  volatile std::uint32_t empty = 0;
  volatile std::uint32_t empty_while_building = 0;
  volatile std::uint32_t complete = 0;
  volatile std::uint32_t torn = 0;
};
TableReads systick_reads;
TableReads software_irq_reads;

void read_table(TableReads& reads) {
  if (const Table* t = table.get()) {
    if (complete(*t)) {
      reads.complete = reads.complete + 1;
    } else {
      reads.torn = reads.torn + 1;
    }
  } else {
    reads.empty = reads.empty + 1;
    if (building) reads.empty_while_building = reads.empty_while_building + 1;
  }
}

// ---- Part 2: OnceLocks initialized by whichever side gets there first ------
// SysTick initializes cells in order, one per tick; the main loop walks the
// same cells on the same clock with some jitter, so the lead changes hands. The main loop masks interrupts around its
// get_or_init (SysTick must not find a cell the main loop holds); the handler needs no mask.
constexpr std::uint32_t kCells = 256;
constexpr std::uint32_t kByMain = 0x10000;
constexpr std::uint32_t kByHandler = 0x20000;

constinit once::OnceLock<std::uint32_t> cells[kCells];
volatile std::uint32_t initializer_runs[kCells];
volatile std::uint32_t handler_saw[kCells];
volatile std::uint32_t handler_next = kCells;  // kCells: not started

void systick_initializes_next_cell() {
  const std::uint32_t i = handler_next;
  if (i >= kCells) return;
  handler_next = i + 1;
  handler_saw[i] = cells[i].get_or_init([i] {
    initializer_runs[i] = initializer_runs[i] + 1;
    return kByHandler | i;
  });
}

// ---- Part 3: a OnceFlag, call_once from the main loop and a handler ---------
// The "peripheral" is set up by whichever calls call_once first: the software
// interrupt (unmasked) or the main loop (masked, as in part 2). SysTick only
// asks is_completed() before using it.
constinit once::OnceFlag peripheral_ready;
volatile std::uint32_t peripheral_setups = 0;
volatile std::uint32_t peripheral_set_up_by = 0;  // exception number of the context that did it
volatile std::uint32_t systick_saw_ready = 0;
volatile std::uint32_t systick_saw_not_ready = 0;
volatile bool software_irq_sets_up = false;

void set_up_peripheral() {
  peripheral_setups = peripheral_setups + 1;
  peripheral_set_up_by = board::active_exception();
}

}  // namespace

extern "C" void SysTick_Handler() {
  ticks = ticks + 1;
  read_table(systick_reads);
  systick_initializes_next_cell();
  if (peripheral_ready.is_completed()) {
    systick_saw_ready = systick_saw_ready + 1;
  } else {
    systick_saw_not_ready = systick_saw_not_ready + 1;
  }
}

extern "C" void Software_IRQHandler() {
  read_table(software_irq_reads);
  if (software_irq_sets_up) once::call_once(peripheral_ready, set_up_peripheral);
}

int main() {
  // Part 0: a OnceCell, the main loop's alone (no interrupt touches it).
  once::OnceCell<std::uint32_t> boot_id;
  const std::uint32_t id = boot_id.get_or_init([] { return 0x4F4E4345u; });
  check(boot_id.get_or_init([] { return 0u; }) == id && id == 0x4F4E4345u, "a OnceCell initializes once");

  board::enable_irq(board::kSoftwareIrq);
  board::start_systick(25'000);  // 1 kHz at the board's 25 MHz
  board::print("firmware: once on a Cortex-M3, no OS\n");

  // Part 1.
  wait_ticks(3);  // handlers read it empty first
  const Table& built = *table;
  wait_ticks(3);  // and complete after
  check(complete(built), "the main loop sees the table complete");
  check(systick_reads.torn == 0 && software_irq_reads.torn == 0, "no handler sees a torn table");
  check(software_irq_reads.empty_while_building == 1, "the handler that preempts the build sees it empty");
  check(systick_reads.empty_while_building >= 2, "SysTick preempts the build and sees the table empty");
  check(systick_reads.complete >= 3, "SysTick sees the table complete after");
  report("lazy table: SysTick reads while building: ", systick_reads.empty_while_building);

  // Part 2. Calibrate a delay of about one tick, then race: the main loop
  // takes cell i at about tick i, give or take two, as SysTick does.
  std::uint32_t spins_per_tick = 0;
  wait_ticks(1);
  for (const std::uint32_t start = ticks; ticks == start;) ++spins_per_tick;
  std::uint32_t seed = 12345;
  std::uint32_t by_main = 0;
  std::uint32_t by_handler = 0;
  handler_next = 0;
  const std::uint32_t first_tick = ticks + 1;  // SysTick takes cell k at tick first_tick + k
  for (std::uint32_t i = 0; i < kCells; ++i) {
    seed = seed * 1664525u + 1013904223u;
    const std::uint32_t jitter = (seed >> 16) % 5;  // 0..4: two ticks early to two late
    while (ticks < first_tick + i + jitter - 2) {
    }
    std::uint32_t value;
    {
      const board::InterruptsMasked masked;
      value = cells[i].get_or_init([i, spins_per_tick] {
        initializer_runs[i] = initializer_runs[i] + 1;
        delay(spins_per_tick / 2);  // long enough for a tick to land here, were it not masked
        return kByMain | i;
      });
    }
    check((value & 0xFFFF) == i, "a cell holds its own index");
    (value & kByMain) != 0 ? ++by_main : ++by_handler;
  }
  while (handler_next < kCells) {
  }
  board::stop_systick();
  bool once_each = true;
  bool agree = true;
  for (std::uint32_t i = 0; i < kCells; ++i) {
    once_each = once_each && initializer_runs[i] == 1;
    agree = agree && handler_saw[i] == *cells[i].get();
  }
  check(once_each, "every cell's initializer ran exactly once");
  check(agree, "the handler and the main loop see the same value in every cell");
  check(by_main > 0 && by_handler > 0, "both sides won some cells (the race happened)");
  report("race: cells initialized by the main loop: ", by_main);
  report("race: cells initialized by SysTick: ", by_handler);

  // Part 3. The software interrupt goes first (triggered from the main loop,
  // it preempts at once); the main loop's call_once then finds it done.
  board::start_systick(25'000);
  wait_ticks(2);
  software_irq_sets_up = true;
  board::trigger_irq(board::kSoftwareIrq);
  {
    const board::InterruptsMasked masked;
    once::call_once(peripheral_ready, set_up_peripheral);
  }
  wait_ticks(2);
  board::stop_systick();
  check(peripheral_setups == 1, "call_once ran the setup once");
  check(peripheral_set_up_by == 16 + board::kSoftwareIrq, "the software interrupt ran it");
  check(systick_saw_not_ready >= 2 && systick_saw_ready >= 1, "SysTick saw the flag unset, then set");

  board::print(failures == 0 ? "firmware: PASS\n" : "firmware: FAIL\n");
  return failures == 0 ? 0 : 1;
}
