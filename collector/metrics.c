#include "metrics.h"

const double td_commit_bounds_s[TD_COMMIT_BUCKETS] = {0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                      0.025,  0.05,  0.1,    0.5,   2.5};

void td_metrics_commit(td_metrics *m, uint64_t us, bool ok)
{
    atomic_store(&m->store_ok, ok);
    if (!ok)
        return;
    atomic_fetch_add(&m->commits, 1);
    atomic_fetch_add(&m->commit_us_sum, us);
    for (int i = 0; i < TD_COMMIT_BUCKETS; i++)
        if ((double)us / 1e6 <= td_commit_bounds_s[i])
            atomic_fetch_add(&m->commit_le[i], 1);
}
