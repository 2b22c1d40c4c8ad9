// Package model holds throttlelab's semantics: every behaviour of the emulated AWS services
// and of the fake third-party API, written once as plain Go that is handed the current time
// and returns a decision. Both drivers use it: sim in virtual time, live on the wall clock.
//
// Conventions, kept by every file of the package:
//
//   - Time is a parameter. "now" is a time.Duration: the time elapsed since the run began
//     (virtual time in sim, wall time since start in live). Models that need the calendar
//     (usage-plan quota periods, fixed windows aligned to midnight) are given the run's start
//     instant, the epoch, when they are built. No model reads the wall clock or sleeps.
//   - Randomness comes from a *rand.Rand (math/rand/v2) passed in; never the global source.
//   - Pluggable parts (arrival shapes, retry policies, latency distributions, quota windows,
//     consumer patterns) are a small interface plus a registry filled from init(), which
//     panics on a duplicate name, as vegeta's Pacer and k6's executors are.
//   - Models are not safe for concurrent use unless their doc says so; the live driver
//     serialises access.
//   - model imports nothing of throttlelab's: drivers translate scenario files into the
//     Config structs defined here.
package model
