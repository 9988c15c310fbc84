#!/usr/bin/env python3
"""How far a time-of-day forecast can go on the Twitter trace (issue 11's 0.1% at 0.6x goal).

Reads the trace in place (``workload.tbz2``, one count per second), finds its bursts (a minute
above 1.8x the median of the surrounding two hours, running while above 1.5x, at least 3
minutes), and asks, for the holdout (minute 22,156 on: the part ``tune --tune-fraction 0.7``
never sees):

* what a burst left to reactive scaling costs, as a share of the holdout's requests: the
  requests above an instance count sized for the base load at 90% (10 req/s per instance, as
  in docs/sim/configs/twitter-predictive.yaml);
* the gap from one burst's start to the next's;
* how many holdout bursts start in a half-hour slot (:02 and :32 rounded) where a burst started
  on one of the previous k days, or within one slot of one (what any forecast that learns
  from past days' times of day can know), and how much of the day those slots cover. Each slot
  is held at burst capacity for 22 minutes (the 7 minutes of provisioning before the burst and
  15 of burst): a lower bound on what covering them costs, since no real forecast is tighter.

Standard library only: ``python3 docs/sim/analysis/twitter_bursts.py ../shared/traces/twitter-stream-2021-08-per-second/workload.tbz2``
"""

import collections
import math
import statistics
import sys
import tarfile

HOLDOUT_START = 22156  # minutes; tune --tune-fraction 0.7 on 31,652 minutes
PER_INSTANCE_MINUTE = 600  # 10 req/s
TARGET = 540  # 90% of an instance
STATIC = 29  # instances of static provisioning at the holdout's peak (twitter-predictive-holdout.txt)
HELD_MINUTES = 22


def per_minute(path):
    with tarfile.open(path, "r:bz2") as tar:
        member = next(m for m in tar.getmembers() if m.name.endswith("workload.txt"))
        seconds = list(map(int, tar.extractfile(member).read().split()))
    n = len(seconds) // 60
    return [sum(seconds[i * 60 : i * 60 + 60]) for i in range(n)]


def bursts(m):
    base = [statistics.median(m[max(0, i - 60) : i + 61]) for i in range(len(m))]
    found, i = [], 0
    while i < len(m):
        if base[i] > 0 and m[i] > 1.8 * base[i]:
            j = i
            while j < len(m) and base[j] > 0 and m[j] > 1.5 * base[j]:
                j += 1
            if j - i >= 3:
                found.append((i, j))
            i = j
        else:
            i += 1
    return base, found


def main(path):
    m = per_minute(path)
    base, found = bursts(m)
    holdout = [(s, e) for s, e in found if s >= HOLDOUT_START]
    total = sum(m[HOLDOUT_START:])
    missed = [
        sum(max(0, m[t] - math.ceil(base[s] / TARGET) * PER_INSTANCE_MINUTE) for t in range(s, e))
        for s, e in holdout
    ]
    minute_of_hour = collections.Counter(s % 60 for s, _ in found)
    print(f"{len(found)} bursts in {len(m)} minutes; start minute of the hour: {minute_of_hour.most_common(4)}")
    print(
        f"holdout: {total} requests, {len(holdout)} bursts; one burst left to reactive scaling "
        f"misses {100 * statistics.mean(missed) / total:.3f}% of the holdout's requests on average "
        f"(least {100 * min(missed) / total:.3f}%); 0.1% is {total // 1000} requests"
    )
    gaps = [b[0] - a[0] for a, b in zip(found, found[1:])]
    near = sum(1 for g in gaps if 90 <= g <= 150)
    print(f"gap between burst starts: median {statistics.median(gaps)} min; 90-150 min for {near} of {len(gaps)}")
    mean_base = statistics.mean(math.ceil(b / TARGET) for b in base[HOLDOUT_START:])
    print(f"base load needs {mean_base:.1f} instances on average; static: {STATIC}")

    def slot(s):
        return (s % 1440 + 3) // 30

    by_day = collections.defaultdict(set)
    for s, _ in found:
        by_day[s // 1440].add(slot(s))
    first_day, days = HOLDOUT_START // 1440, len(m) // 1440
    print("| past days | slot tolerance | holdout bursts in a known slot | slots a day | cost bound vs static |")
    print("|---:|---:|---:|---:|---:|")
    for k in (1, 3, 7, 14):
        for tol in (0, 1):
            def known(d):
                past = set().union(*(by_day[d - j] for j in range(1, k + 1) if d - j >= 0))
                return {(p + o) % 48 for p in past for o in range(-tol, tol + 1)}

            hits = sum(1 for s, _ in holdout if slot(s) in known(s // 1440))
            slots = statistics.mean(len(known(d)) for d in range(first_day, days))
            share = min(1.0, slots * HELD_MINUTES / 1440)
            cost = (mean_base + share * (STATIC - mean_base)) / STATIC
            print(f"| {k} | {tol} | {hits}/{len(holdout)} | {slots:.1f} | {cost:.2f}x |")


if __name__ == "__main__":
    main(sys.argv[1])
