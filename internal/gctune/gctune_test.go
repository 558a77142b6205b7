package gctune

import (
	"math"
	"runtime/debug"
	"testing"
)

func restore(t *testing.T) {
	percent := debug.SetGCPercent(100)
	limit := debug.SetMemoryLimit(math.MaxInt64)
	t.Cleanup(func() {
		debug.SetGCPercent(percent)
		debug.SetMemoryLimit(limit)
	})
}

func TestApplyDefaults(t *testing.T) {
	restore(t)
	p, l := Apply(func(string) string { return "" }, 300<<20)
	if p != Percent || l != 300<<20 {
		t.Fatalf("Apply = %d, %d; want %d, %d", p, l, Percent, 300<<20)
	}
}

// An operator's GOGC and GOMEMLIMIT (which Go's runtime applied at start) are left as they are.
func TestApplyKeepsEnvironment(t *testing.T) {
	restore(t)
	debug.SetGCPercent(150)
	debug.SetMemoryLimit(1 << 30)
	env := map[string]string{"GOGC": "150", "GOMEMLIMIT": "1GiB"}
	p, l := Apply(func(k string) string { return env[k] }, 300<<20)
	if p != 150 || l != 1<<30 {
		t.Fatalf("Apply = %d, %d; want 150, %d", p, l, 1<<30)
	}
}
