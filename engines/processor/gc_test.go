package processor

import (
	"testing"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/wire"
	"pgregory.net/rapid"
)

// TestCollectionKeepsEveryReadAboveTheWatermark replays a random history
// (wall time advancing 10 per entry) into two processors, one collecting
// garbage with a random VersionRetention and CollectEvery, one keeping
// everything. After every entry, random snapshot reads go to both: the
// collecting one refuses a snapshot below its watermark with
// engines.CodeTooOld and answers every other exactly as the other does.
// The watermark never goes back, trails the log by at least the
// retention, and comes back with a checkpoint.
func TestCollectionKeepsEveryReadAboveTheWatermark(t *testing.T) {
	var refused, compared, collected int
	defer func() {
		if !t.Failed() && (refused == 0 || compared < 100 || collected == 0) {
			t.Errorf("the test is too tame: %d reads refused, %d compared, %d watermark raises", refused, compared, collected)
		}
		t.Logf("%d reads refused, %d compared, %d watermark raises", refused, compared, collected)
	}()
	rapid.Check(t, func(t *rapid.T) {
		collection := [2]int{rapid.IntRange(1, 100).Draw(t, "retention"), rapid.IntRange(1, 6).Draw(t, "collectEvery")}
		run := generateWith(t, &collection)
		collecting := New(run.config, newRegisterEngine())
		keeping := run.config
		keeping.VersionRetention = -1
		reference := New(keeping, newRegisterEngine())
		var previous clock.Timestamp
		for _, entry := range run.log {
			message := wire.MsgEntries{Stream: "s", Entries: []wire.LogEntry{entry}}
			collecting.Step(logAddress, message)
			reference.Step(logAddress, message)
			watermark := collecting.Watermark()
			switch {
			case watermark.Less(previous):
				t.Fatalf("the watermark went back from %v to %v", previous, watermark)
			case previous.Less(watermark):
				collected++
			}
			if behind := entry.Timestamp.WallNanos - watermark.WallNanos; !watermark.IsZero() && behind < int64(collection[0]) {
				t.Fatalf("watermark %v is %dns behind the log at %v, retention %d", watermark, behind, entry.Timestamp, collection[0])
			}
			previous = watermark
			for range rapid.IntRange(0, 3).Draw(t, "reads") {
				snapshot := clock.Timestamp{WallNanos: rapid.Int64Range(0, entry.Timestamp.WallNanos).Draw(t, "snapshot"), Node: 1}
				operation := []byte("get " + rapid.SampledFrom([]string{"a", "b", "c"}).Draw(t, "key"))
				got := collecting.ReadNow(operation, snapshot)
				if snapshot.Less(watermark) {
					if got.Status != engines.StatusFailed || engines.AsRefusal(got.Err).Code != engines.CodeTooOld {
						t.Fatalf("read at %v below watermark %v: %v %q, want too-old", snapshot, watermark, got.Status, got.Result)
					}
					refused++
					continue
				}
				want := reference.ReadNow(operation, snapshot)
				if got.Status != want.Status || string(got.Result) != string(want.Result) {
					t.Fatalf("read %q at %v (watermark %v): %v %q, keeping everything: %v %q",
						operation, snapshot, watermark, got.Status, got.Result, want.Status, want.Result)
				}
				compared++
			}
		}
		restored, err := Recover(run.config, collecting.Checkpoint(), restoreRegister)
		if err != nil || restored.Watermark() != collecting.Watermark() {
			t.Fatalf("recovered watermark %v (%v), want %v", restored.Watermark(), err, collecting.Watermark())
		}
	})
}
