"""`make soak`: a county term compressed to minutes, run by simulated people over HTTP against the
real processes on loopback while faults are injected on a schedule drawn from the seed; every
promise of README's Guarantees checked at the end (and some while it runs). See README, Soak."""
