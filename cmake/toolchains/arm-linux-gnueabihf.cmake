# 32-bit ARMv7-A Linux, hard float (Debian's g++-arm-linux-gnueabihf), run
# under qemu-arm: the target where the futex takes 64-bit time through
# futex_time64 and 64-bit atomics are wider than a register.
set(ONCE_CROSS_TRIPLE arm-linux-gnueabihf)
set(ONCE_CROSS_PROCESSOR armv7-a)
set(ONCE_CROSS_QEMU qemu-arm)
include(${CMAKE_CURRENT_LIST_DIR}/linux-cross.cmake)
