package processor

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/proven2pc/proven/engines/wire"
)

// pinsLine prints LogPins for scenario files: own=P peers=S:Q,...
func pinsLine(pins LogPins) string {
	var peers []string
	for _, stream := range slices.Sorted(maps.Keys(pins.Peers)) {
		peers = append(peers, fmt.Sprintf("%s:%d", stream, pins.Peers[stream]))
	}
	return fmt.Sprintf("own=%d peers=%s", pins.Own, strings.Join(peers, ","))
}

// TestCheckpointPositionReadsTheHeader: CheckpointPosition returns the
// position Recover restores, and refuses damaged bytes with
// ErrBadCheckpoint.
func TestCheckpointPositionReadsTheHeader(t *testing.T) {
	h := newHarness()
	h.addProcessor("s", false)
	for i := range 5 {
		h.append("s", wire.Entry{Kind: wire.EntryOperation, Txn: txnID(int64(i + 1)), Sequence: 1,
			Operation: []byte("put a 1"), DeadlineNanos: 1000, ReplyTo: coordinatorAddress}, 0)
	}
	checkpoint := h.processors["s"].Checkpoint()
	position, err := CheckpointPosition(checkpoint)
	if err != nil || position != 5 {
		t.Fatalf("CheckpointPosition = %d, %v; want 5", position, err)
	}
	recovered, err := Recover(h.config("s"), checkpoint, restoreRegister)
	if err != nil || recovered.AppliedPosition() != position {
		t.Fatalf("Recover: applied %d, %v", recovered.AppliedPosition(), err)
	}
	damaged := slices.Clone(checkpoint)
	damaged[3] ^= 1
	for _, bad := range [][]byte{nil, {1, 2}, damaged} {
		if _, err := CheckpointPosition(bad); !errors.Is(err, ErrBadCheckpoint) {
			t.Errorf("CheckpointPosition(%x...) = %v, want ErrBadCheckpoint", bad[:min(len(bad), 4)], err)
		}
	}
}
