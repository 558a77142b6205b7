package handlers

import (
	"bytes"
	"reflect"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
)

func TestSessionCodecRoundTrip(t *testing.T) {
	deadline := time.Date(2026, 12, 1, 15, 4, 5, 6, time.UTC)
	for _, values := range []map[string]any{
		{},
		{keyActing: int64(7), keyEffective: int64(-9), keyAuthAt: deadline.UnixNano(), keyFlash: "Saved. ✓", "empty": ""},
		{"other": []string{"not", "an", "int64 or string"}, keyActing: int64(1)}, // falls back to gob
	} {
		b, err := sessionCodec{}.Encode(deadline, values)
		if err != nil {
			t.Fatal(err)
		}
		d, got, err := sessionCodec{}.Decode(b)
		if err != nil || !d.Equal(deadline) || !reflect.DeepEqual(got, values) {
			t.Errorf("round trip of %v: %v %v, %v", values, d, got, err)
		}
		again, _ := sessionCodec{}.Encode(deadline, got)
		if _, gob := values["other"]; !gob && !bytes.Equal(again, b) {
			t.Errorf("equal sessions encode differently: %q, %q", b, again)
		}
	}
}

// Sessions written before this codec (by scs's gob codec) still read.
func TestSessionCodecReadsGob(t *testing.T) {
	deadline := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	values := map[string]any{keyActing: int64(3), keyFlash: "hello"}
	b, err := scs.GobCodec{}.Encode(deadline, values)
	if err != nil {
		t.Fatal(err)
	}
	d, got, err := sessionCodec{}.Decode(b)
	if err != nil || !d.Equal(deadline) || !reflect.DeepEqual(got, values) {
		t.Fatalf("gob session: %v %v, %v", d, got, err)
	}
}

// Truncated or corrupted data is an error, never a panic or a session with made-up values.
func FuzzSessionCodecDecode(f *testing.F) {
	b, _ := sessionCodec{}.Encode(time.Unix(1_800_000_000, 0), map[string]any{keyActing: int64(42), keyFlash: "x"})
	f.Add(b)
	for i := range b {
		f.Add(b[:i])
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, values, err := sessionCodec{}.Decode(data)
		if err != nil {
			return
		}
		again, err := sessionCodec{}.Encode(d, values)
		if err != nil {
			t.Fatal(err)
		}
		d2, values2, err := sessionCodec{}.Decode(again)
		if err != nil || !d2.Equal(d) || !reflect.DeepEqual(values2, values) {
			t.Fatalf("%q decoded to %v %v, which does not survive a round trip: %v %v, %v", data, d, values, d2, values2, err)
		}
	})
}
