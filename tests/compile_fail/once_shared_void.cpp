// OnceShared<void>.
// expect: once: OnceShared<void> is not supported
#include <once/once_shared.hpp>

once::OnceShared<void> slot;  // error here
