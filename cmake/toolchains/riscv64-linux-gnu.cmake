# 64-bit RISC-V Linux (Debian's g++-riscv64-linux-gnu), run under qemu-riscv64.
set(ONCE_CROSS_TRIPLE riscv64-linux-gnu)
set(ONCE_CROSS_PROCESSOR riscv64)
set(ONCE_CROSS_QEMU qemu-riscv64)
include(${CMAKE_CURRENT_LIST_DIR}/linux-cross.cmake)

# GCC before 13 calls libatomic for 1- and 2-byte atomic read-modify-writes
# on RISC-V (the library has none, but the tests' std::barrier does).
set(CMAKE_CXX_STANDARD_LIBRARIES "-latomic")
