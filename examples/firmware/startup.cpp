// Reset and the vector table: what a C++ program needs before main() on a
// Cortex-M3 (data copied, bss zeroed, static constructors run), and the
// handlers the example installs.
#include <cstdint>

#include "board.hpp"

extern "C" {
extern std::uint32_t __stack_top;
extern std::uint32_t __data_load, __data_start, __data_end, __bss_start__, __bss_end__;
extern void (*__preinit_array_start[])();
extern void (*__preinit_array_end[])();
extern void (*__init_array_start[])();
extern void (*__init_array_end[])();

int main();
void initialise_monitor_handles();  // newlib's semihosting stdio (librdimon)
void SysTick_Handler();
void Software_IRQHandler();

[[noreturn]] void Reset_Handler() {
  for (std::uint32_t *from = &__data_load, *to = &__data_start; to < &__data_end;) *to++ = *from++;
  for (std::uint32_t* to = &__bss_start__; to < &__bss_end__;) *to++ = 0;
  initialise_monitor_handles();
  for (auto* f = __preinit_array_start; f < __preinit_array_end; ++f) (*f)();
  for (auto* f = __init_array_start; f < __init_array_end; ++f) (*f)();
  board::exit(main() == 0);
}

[[noreturn]] void Fault_Handler() {
  board::print("firmware: fault\n");
  board::exit(false);
}

// Weak, so that an image without interrupts needs none of them.
[[gnu::weak]] void SysTick_Handler() { Fault_Handler(); }
[[gnu::weak]] void Software_IRQHandler() { Fault_Handler(); }
}

namespace {

using Handler = void (*)();

struct VectorTable {
  std::uint32_t* initial_stack;
  Handler system[15];  // Reset, NMI, HardFault, ..., SysTick (exceptions 1-15)
  Handler external[board::kSoftwareIrq + 1];
};

[[gnu::section(".vectors"), gnu::used]] const VectorTable vectors = {
    &__stack_top,
    {Reset_Handler, Fault_Handler, Fault_Handler, Fault_Handler, Fault_Handler, Fault_Handler, nullptr, nullptr,
     nullptr, nullptr, Fault_Handler, Fault_Handler, nullptr, Fault_Handler, SysTick_Handler},
    {nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, Software_IRQHandler},
};

}  // namespace
