# Shared part of the Linux cross toolchains: a Debian cross compiler for
# ONCE_CROSS_TRIPLE, its sysroot under /usr/<triple>, and qemu-user to run the
# target's programs on the build machine (CTest runs every test through it).
# Each toolchain file sets ONCE_CROSS_TRIPLE, ONCE_CROSS_PROCESSOR and
# ONCE_CROSS_QEMU, then includes this file.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR ${ONCE_CROSS_PROCESSOR})

set(CMAKE_C_COMPILER ${ONCE_CROSS_TRIPLE}-gcc)
set(CMAKE_CXX_COMPILER ${ONCE_CROSS_TRIPLE}-g++)

set(CMAKE_FIND_ROOT_PATH /usr/${ONCE_CROSS_TRIPLE})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# -L: where qemu finds the target's dynamic loader and shared libraries.
set(CMAKE_CROSSCOMPILING_EMULATOR ${ONCE_CROSS_QEMU} -L /usr/${ONCE_CROSS_TRIPLE})
