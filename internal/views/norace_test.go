//go:build !race

package views

// raceAllowance: see race_test.go.
const raceAllowance = 0
