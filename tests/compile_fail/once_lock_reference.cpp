// OnceLock<T&>: a cell holds an object; the error suggests a pointer.
// expect: once: T cannot be a reference
#include <once/once_lock.hpp>

once::OnceLock<int&> cell;  // error here
