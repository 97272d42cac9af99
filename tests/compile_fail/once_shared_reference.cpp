// OnceShared<T&>.
// expect: once: OnceShared<T> cannot take a reference type
#include <once/once_shared.hpp>

once::OnceShared<int&> slot;  // error here
