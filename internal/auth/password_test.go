package auth

import (
	"context"
	"errors"
	"testing"
	"time"
)

// A limited hasher runs at most n hashes at once; a caller that gets no slot in time gets ErrBusy, not a hash.
func TestHasher_LimitBoundsConcurrentWork(t *testing.T) {
	h := NewHasher(8 * 1024)
	h.Limit(1, 20*time.Millisecond)
	release, err := h.Slot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.HashCtx(context.Background(), "correct horse battery"); !errors.Is(err, ErrBusy) {
		t.Fatalf("HashCtx with the only slot taken: %v, want ErrBusy", err)
	}
	if _, err := h.VerifyCtx(context.Background(), "x", "$argon2id$x"); !errors.Is(err, ErrBusy) {
		t.Fatalf("VerifyCtx with the only slot taken: %v, want ErrBusy", err)
	}
	release()
	hash, err := h.HashCtx(context.Background(), "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := h.VerifyCtx(context.Background(), "correct horse battery", hash); !ok || err != nil {
		t.Fatalf("VerifyCtx after release: %v, %v", ok, err)
	}
}
