// Running independent students in parallel (DESIGN.md "Threads"). The work of one index
// never depends on another, so results are identical for every thread count.
#ifndef SSM_POISON_CORE_PARALLEL_H
#define SSM_POISON_CORE_PARALLEL_H

#include <cstdint>
#include <functional>

namespace ssm {

// Threads used for independent students: set by ssm_set_threads, else the environment
// variable SSM_POISON_THREADS, else the number of cores.
int student_threads();

// Calls body(i) for i in [0, count), spread over up to student_threads() threads when
// cost_per_item · count is large enough to pay for starting them. The first exception
// thrown by a body is rethrown on the calling thread after all threads joined.
void parallel_for(int64_t count, double cost_per_item, const std::function<void(int64_t)>& body);

}  // namespace ssm

#endif
