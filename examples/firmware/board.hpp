// The little of the Cortex-M3 and the MPS2 AN385 board the example needs:
// SysTick, the NVIC, interrupt masking, and semihosting for output and exit.
#pragma once

#include <cstdint>

namespace board {

// ---- Semihosting (the debugger, here qemu -semihosting, does the I/O) -------
inline int semihost(int op, const void* arg) {
  int result;
  __asm__ __volatile__("mov r0, %1\n mov r1, %2\n bkpt 0xab\n mov %0, r0"
                       : "=r"(result)
                       : "r"(op), "r"(arg)
                       : "r0", "r1", "memory");
  return result;
}

inline void print(const char* text) { semihost(0x04, text); }  // SYS_WRITE0

inline void print_number(std::uint32_t n) {
  char digits[11];
  char* p = digits + sizeof digits - 1;
  *p = '\0';
  do {
    *--p = static_cast<char>('0' + n % 10);
    n /= 10;
  } while (n != 0);
  print(p);
}

/// Ends the program; qemu exits with status 0 for success, 1 otherwise.
[[noreturn]] inline void exit(bool success) {
  // SYS_EXIT with ADP_Stopped_ApplicationExit or ADP_Stopped_RunTimeErrorUnknown.
  semihost(0x18, reinterpret_cast<const void*>(success ? 0x20026 : 0x20023));
  for (;;) {
  }
}

// ---- Registers ---------------------------------------------------------------
inline volatile std::uint32_t& reg(std::uint32_t address) {
  return *reinterpret_cast<volatile std::uint32_t*>(address);
}

// SysTick: counts down from RELOAD at the core clock, interrupting at zero.
inline void start_systick(std::uint32_t reload) {
  reg(0xE000E014) = reload - 1;  // SYST_RVR
  reg(0xE000E018) = 0;           // SYST_CVR
  reg(0xE000E010) = 0b111;       // SYST_CSR: processor clock, interrupt, enable
}
inline void stop_systick() { reg(0xE000E010) = 0; }

/// The software-triggered interrupt: external interrupt 10, which none of
/// the AN385's peripherals use.
inline constexpr unsigned kSoftwareIrq = 10;

// NVIC: external interrupt `irq` enabled, and pended by software (STIR).
inline void enable_irq(unsigned irq) { reg(0xE000E100 + 4 * (irq / 32)) = 1u << (irq % 32); }  // NVIC_ISER
inline void trigger_irq(unsigned irq) {
  reg(0xE000EF00) = irq;  // NVIC_STIR
  __asm__ __volatile__("dsb\n isb" ::: "memory");
}

/// The active exception number: 0 in thread mode (the main loop), 15 in
/// SysTick, 16 + n in external interrupt n.
inline std::uint32_t active_exception() {
  std::uint32_t ipsr;
  __asm__ __volatile__("mrs %0, ipsr" : "=r"(ipsr));
  return ipsr;
}

/// Interrupts masked for its scope (PRIMASK), restored after.
class InterruptsMasked {
 public:
  InterruptsMasked() { __asm__ __volatile__("mrs %0, primask\n cpsid i" : "=r"(saved_)::"memory"); }
  ~InterruptsMasked() { __asm__ __volatile__("msr primask, %0" ::"r"(saved_) : "memory"); }
  InterruptsMasked(const InterruptsMasked&) = delete;
  InterruptsMasked& operator=(const InterruptsMasked&) = delete;

 private:
  std::uint32_t saved_;
};

}  // namespace board
