# 64-bit ARM Linux (Debian's g++-aarch64-linux-gnu), run under qemu-aarch64.
set(ONCE_CROSS_TRIPLE aarch64-linux-gnu)
set(ONCE_CROSS_PROCESSOR aarch64)
set(ONCE_CROSS_QEMU qemu-aarch64)
include(${CMAKE_CURRENT_LIST_DIR}/linux-cross.cmake)
