package access_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"portal/internal/access"
	"portal/internal/testenv"
)

// TestGuarded_LocksAfterFailuresInARow: a step under a lockout is let try MaxFailures times in a row; a failure more
// locks it for Lockout, during which its check does not run (or, with always, runs and still fails), and each scope
// locks apart; a success clears the count; the lock ends after Lockout; an error from the check is returned.
func TestGuarded_LocksAfterFailuresInARow(t *testing.T) {
	e := testenv.New(t)
	ctx := context.Background()
	l := access.SignInLimits{MaxFailures: 3, Lockout: 10 * time.Minute}
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	runs := 0
	try := func(scope string, id int64, always, answer bool, at time.Time) (bool, bool) {
		t.Helper()
		allowed, ok, err := e.Access.Guarded(ctx, scope, id, l, at, always, func() (bool, error) { runs++; return answer, nil })
		if err != nil {
			t.Fatal(err)
		}
		return allowed, ok
	}
	// Two failures, a success: the count starts again.
	for i, answer := range []bool{false, false, true, false, false} {
		if allowed, ok := try(access.LockSecondFactor, 7, false, answer, now); !allowed || ok != answer {
			t.Fatalf("attempt %d: allowed %v, ok %v; want allowed, ok %v", i+1, allowed, ok, answer)
		}
	}
	// The third failure in a row locks it.
	if allowed, ok := try(access.LockSecondFactor, 7, false, false, now); !allowed || ok {
		t.Fatalf("third failure: allowed %v, ok %v", allowed, ok)
	}
	runs = 0
	if allowed, ok := try(access.LockSecondFactor, 7, false, true, now.Add(time.Minute)); allowed || ok || runs != 0 {
		t.Errorf("while locked, a right answer: allowed %v, ok %v, check ran %d times; want refused unchecked", allowed, ok, runs)
	}
	if allowed, ok := try(access.LockSecondFactor, 7, true, true, now.Add(time.Minute)); allowed || ok || runs != 1 {
		t.Errorf("while locked, always: allowed %v, ok %v, check ran %d times; want refused, checked once", allowed, ok, runs)
	}
	// Another scope and another account are not locked.
	if allowed, ok := try(access.LockReauth, 7, false, true, now.Add(time.Minute)); !allowed || !ok {
		t.Errorf("re-authentication of the same account: allowed %v, ok %v; want its own lock", allowed, ok)
	}
	if allowed, _ := try(access.LockSecondFactor, 8, false, true, now.Add(time.Minute)); !allowed {
		t.Error("another account is locked too")
	}
	// After the lockout, it may try again.
	if allowed, ok := try(access.LockSecondFactor, 7, false, true, now.Add(11*time.Minute)); !allowed || !ok {
		t.Errorf("after the lockout: allowed %v, ok %v; want allowed", allowed, ok)
	}
	// A check's error is returned as it is.
	boom := errors.New("boom")
	if _, _, err := e.Access.Guarded(ctx, access.LockReauth, 9, l, now, false, func() (bool, error) { return false, boom }); !errors.Is(err, boom) {
		t.Fatalf("a check's error: %v", err)
	}
}
