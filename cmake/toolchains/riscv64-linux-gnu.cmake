# 64-bit RISC-V Linux (Debian's g++-riscv64-linux-gnu), run under qemu-riscv64.
set(ONCE_CROSS_TRIPLE riscv64-linux-gnu)
set(ONCE_CROSS_PROCESSOR riscv64)
set(ONCE_CROSS_QEMU qemu-riscv64)
include(${CMAKE_CURRENT_LIST_DIR}/linux-cross.cmake)
