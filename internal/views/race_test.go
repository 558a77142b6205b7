//go:build race

package views

// raceAllowance is what the race detector adds to a row's allocations: its sync.Pool drops a quarter of what is
// put back, so templ's pooled buffers are allocated again now and then (about 2 to 6 per row, measured).
const raceAllowance = 6
