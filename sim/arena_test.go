package sim

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/proven2pc/proven/net"
	"pgregory.net/rapid"
)

// msgAliased decodes without copying: its Data aliases the delivered bytes,
// as a careless decoder's would.
type msgAliased struct{ Data []byte }

func (m msgAliased) AppendBinary(b []byte) ([]byte, error) { return append(b, m.Data...), nil }

func (m *msgAliased) UnmarshalBinary(b []byte) error {
	m.Data = b
	return nil
}

func aliasedPayload(i, size int) []byte {
	return bytes.Repeat([]byte{byte(i)}, size)
}

// Messages in flight share arrays (World.encode); a receiver that appends to
// or keeps the bytes it was handed must never change another message, even
// across arrays and for messages too big to share one.
func TestInFlightMessagesNeverShareWritableBytes(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		sizes := rapid.SliceOfN(rapid.SampledFrom([]int{0, 1, 700, 1500, 5000, 70000}), 1, 60).Draw(t, "sizes")
		codec := net.NewRegistry()
		net.Register[msgAliased](codec, "aliased")
		w := NewWorld(Config{Seed: rapid.Uint64().Draw(t, "seed"), Codec: codec, VirtualTimeMax: time.Minute})
		defer w.Close()
		sender, receiver := w.AddNode(NodeOptions{}), w.AddNode(NodeOptions{})
		var held [][]byte
		inbox := w.Spawn(receiver, "receiver", func(p *Process) {
			for range sizes {
				_, message, ok := p.Receive(time.Minute)
				if !ok {
					p.Fail("a message was lost on a calm network")
					return
				}
				data := message.(msgAliased).Data
				held = append(held, data)
				_ = append(data, 0xee, 0xee, 0xee) // must not reach a neighbour
			}
		})
		w.Spawn(sender, "sender", func(p *Process) {
			for i, size := range sizes {
				if err := p.Send(inbox.Addr(), msgAliased{Data: aliasedPayload(i, size)}); err != nil {
					p.Fail("send: %v", err)
				}
			}
		})
		if result := w.Run(); result.Verdict != VerdictOK {
			t.Fatalf("%s", result.Reason)
		}
		for i, data := range held {
			if want := aliasedPayload(i, sizes[i]); !bytes.Equal(data, want) {
				t.Fatalf("message %d changed: %d bytes starting %x, want %d bytes of %x", i, len(data),
					data[:min(len(data), 8)], len(want), byte(i))
			}
		}
	})
}

// AppendToEach stores one record in several files exactly as Append to each
// would, and damage to one file's copy leaves the others intact.
func TestAppendToEachMatchesAppendAndCopiesFailIndependently(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		w := newTestWorld(rapid.Uint64().Draw(t, "seed"))
		shared, separate := newDisk(), newDisk()
		count := rapid.IntRange(1, 40).Draw(t, "records")
		for i := range count {
			size := rapid.SampledFrom([]int{0, 10, 3000}).Draw(t, "size")
			data := []byte(fmt.Sprintf("r%d-%s", i, bytes.Repeat([]byte{'x'}, size)))
			shared.AppendToEach(data, "a", "b")
			separate.Append("a", data)
			separate.Append("b", data)
			clear(data) // the disk keeps its own copy
		}
		if shared.Stats() != separate.Stats() {
			t.Fatalf("stats %+v, want %+v", shared.Stats(), separate.Stats())
		}
		victim := rapid.IntRange(0, count-1).Draw(t, "victim")
		if !shared.Corrupt("a", victim, w.Rand("corrupt")) {
			t.Fatal("Corrupt did nothing")
		}
		damaged, _ := shared.Scan("a")
		intact, err := shared.Scan("b")
		want, _ := separate.Scan("b")
		if err != nil || len(intact) != count || len(damaged) != count {
			t.Fatalf("scan: %d and %d records, %v", len(damaged), len(intact), err)
		}
		for i := range count {
			if intact[i].Err != nil || !bytes.Equal(intact[i].Data, want[i].Data) {
				t.Fatalf("b[%d] = %q, %v; want %q", i, intact[i].Data, intact[i].Err, want[i].Data)
			}
			if (i == victim) != (damaged[i].Err != nil) {
				t.Fatalf("a[%d]: err=%v, victim=%d", i, damaged[i].Err, victim)
			}
		}
	})
}
