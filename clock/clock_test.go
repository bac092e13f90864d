package clock

import (
	"bytes"
	"testing"

	"pgregory.net/rapid"
)

type scriptedClock struct{ now int64 }

func (c *scriptedClock) Now() int64 { return c.now }

func TestHLCMonotonicUnderJumpsAndReceives(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		physical := &scriptedClock{now: rapid.Int64Range(-1e9, 1e9).Draw(t, "start")}
		node := rapid.Uint32Range(1, 5).Draw(t, "node")
		h := NewHLC(physical, node)
		var previous Timestamp
		steps := rapid.IntRange(1, 200).Draw(t, "steps")
		for i := range steps {
			physical.now += rapid.Int64Range(-1e6, 1e6).Draw(t, "jump")
			var got Timestamp
			if rapid.Bool().Draw(t, "receive") {
				received := Timestamp{
					WallNanos: rapid.Int64Range(-2e9, 2e9).Draw(t, "remoteWall"),
					Logical:   rapid.Uint32().Draw(t, "remoteLogical"),
					Node:      rapid.Uint32Range(1, 5).Draw(t, "remoteNode"),
				}
				got = h.Update(received)
				if got.Compare(received) <= 0 {
					t.Fatalf("step %d: Update(%v) = %v, not after the received timestamp", i, received, got)
				}
			} else {
				got = h.Now()
			}
			if got.Compare(previous) <= 0 {
				t.Fatalf("step %d: %v not after previous %v", i, got, previous)
			}
			if got.Node != node {
				t.Fatalf("step %d: %v carries node %d, want %d", i, got, got.Node, node)
			}
			previous = got
		}
	})
}

func timestampGenerator() *rapid.Generator[Timestamp] {
	return rapid.Custom(func(t *rapid.T) Timestamp {
		return Timestamp{
			WallNanos: rapid.Int64().Draw(t, "wall"),
			Logical:   rapid.Uint32().Draw(t, "logical"),
			Node:      rapid.Uint32().Draw(t, "node"),
		}
	})
}

func TestTimestampKeyPreservesOrder(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a := timestampGenerator().Draw(t, "a")
		b := timestampGenerator().Draw(t, "b")
		keyA, keyB := a.AppendKey(nil), b.AppendKey(nil)
		if got, want := bytes.Compare(keyA, keyB), a.Compare(b); got != want {
			t.Fatalf("bytes.Compare=%d, Compare=%d for %v vs %v", got, want, a, b)
		}
		decoded, err := DecodeTimestampKey(keyA)
		if err != nil || decoded != a {
			t.Fatalf("DecodeTimestampKey(%x) = %v, %v; want %v", keyA, decoded, err, a)
		}
		parsed, err := ParseTimestamp(a.String())
		if err != nil || parsed != a {
			t.Fatalf("ParseTimestamp(%q) = %v, %v; want %v", a.String(), parsed, err, a)
		}
	})
}

func TestParseTimestampRejectsGarbage(t *testing.T) {
	for _, text := range []string{"", "12", "1.2", "a.1@2", "1.b@2", "1.2@c", "1.99999999999@1"} {
		if _, err := ParseTimestamp(text); err == nil {
			t.Errorf("ParseTimestamp(%q) succeeded, want an error", text)
		}
	}
	if _, err := DecodeTimestampKey(make([]byte, 3)); err == nil {
		t.Errorf("DecodeTimestampKey of 3 bytes succeeded")
	}
}

func TestVirtualDriftAndJumps(t *testing.T) {
	global := int64(0)
	v := NewVirtual(func() int64 { return global })
	global = 1_000_000
	if v.Now() != 1_000_000 {
		t.Fatalf("no offset, no drift: Now=%d", v.Now())
	}
	v.SetDrift(100_000) // +10%
	global = 2_000_000
	if got := v.Now(); got != 2_100_000 {
		t.Fatalf("10%% drift over 1ms: Now=%d, want 2100000", got)
	}
	v.SetDrift(0)
	if got := v.Now(); got != 2_100_000 {
		t.Fatalf("SetDrift must keep time continuous: Now=%d, want 2100000", got)
	}
	v.Jump(-5_000_000)
	if got := v.Now(); got != -2_900_000 {
		t.Fatalf("backward jump: Now=%d, want -2900000", got)
	}
	v.SetDrift(10 * DriftPPMMax)
	if v.DriftPPM() != DriftPPMMax {
		t.Fatalf("drift not clamped: %d", v.DriftPPM())
	}
}
