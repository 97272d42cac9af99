// SetOnce<T&>.
// expect: once: T cannot be a reference
#include <once/set_once.hpp>

once::SetOnce<int&> cell;  // error here
