package loghost

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines/wire"
	"github.com/proven2pc/proven/live/filelog"
)

// TestHeadIsABarrier: Head answers after every append sent before it was
// stepped (so the position it returns covers them), and an append sent
// after it gets a higher position and timestamp; after Close it returns
// ErrClosed.
func TestHeadIsABarrier(t *testing.T) {
	physical := &settableClock{}
	physical.nowNanos.Store(5_000_000)
	mail := newMailboxes()
	host := openHost(t, filepath.Join(t.TempDir(), "log"), Config{Clock: physical, Node: 3, Deliver: mail.deliver},
		filelog.Options{})
	position, timestamp, err := host.Head()
	if err != nil || position != 0 || timestamp != (clock.Timestamp{}) {
		t.Fatalf("empty stream: head %d %v, %v", position, timestamp, err)
	}
	const appends = 20
	for sequence := range uint64(appends) {
		if err := host.Send(1, appendMessage(9, sequence+1, 100)); err != nil {
			t.Fatal(err)
		}
	}
	position, timestamp, err = host.Head()
	if err != nil || position != appends {
		t.Fatalf("after %d appends: head %d, %v", appends, position, err)
	}
	if err := host.Send(1, appendMessage(9, appends+1, 100)); err != nil {
		t.Fatal(err)
	}
	var late wire.MsgAppendReply
	for range appends + 1 {
		late = mail.receive(t, 100).(wire.MsgAppendReply)
	}
	if late.Position != appends+1 || !timestamp.Less(late.Timestamp) {
		t.Fatalf("append after Head at %d %v; Head said %d %v", late.Position, late.Timestamp, position, timestamp)
	}
	if err := host.Close(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := host.Head(); !errors.Is(err, ErrClosed) {
		t.Fatalf("Head after Close: %v, want ErrClosed", err)
	}
}
