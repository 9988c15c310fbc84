//! Step adjustments: selection by breach and the adjustment arithmetic (AAS rounding).
