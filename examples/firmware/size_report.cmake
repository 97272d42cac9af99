# Prints the sizes of the size images and checks what sets them apart: the
# function-local static's image links the guard functions
# (__cxa_guard_acquire), the LazyLock images do not.
# cmake -DSIZE=... -DNM=... -DLAZY=<elf> -DSTATIC=<elf> -P size_report.cmake
cmake_policy(SET CMP0054 NEW)
execute_process(COMMAND "${SIZE}" "${LAZY}" "${LAZY_NO_DETECTION}" "${STATIC}" COMMAND_ERROR_IS_FATAL ANY)
foreach(image LAZY LAZY_NO_DETECTION STATIC)
  execute_process(COMMAND "${NM}" "${${image}}" OUTPUT_VARIABLE symbols COMMAND_ERROR_IS_FATAL ANY)
  string(FIND "${symbols}" "__cxa_guard_acquire" at)
  if(NOT image STREQUAL "STATIC" AND NOT at EQUAL -1)
    message(FATAL_ERROR "a LazyLock image links __cxa_guard_acquire")
  elseif(image STREQUAL "STATIC" AND at EQUAL -1)
    message(FATAL_ERROR "the function-local static's image has no __cxa_guard_acquire (not the guarded static it compares with)")
  endif()
endforeach()
message(STATUS "LazyLock image: no guard functions; function-local static image: __cxa_guard_acquire")
