package live

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/catalog"
	"github.com/proven2pc/proven/engines/kv"
	"github.com/proven2pc/proven/engines/processor"
)

// TestOldSnapshotsAreRefused: with versions kept 50ms behind the log, a
// read-only transaction at a snapshot older than the garbage-collection
// watermark is refused with engines.ErrSnapshotTooOld, while a fresh one
// reads the latest value.
func TestOldSnapshotsAreRefused(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, filepath.Join(t.TempDir(), "store"), Options{Streams: []catalog.StreamSpec{catalog.KV("kv")},
		Logger: quiet, VersionRetention: 50 * time.Millisecond})
	defer closeDB(t, db)
	old := db.BeginReadOnly(ctx).Snapshot()
	deadline := time.Now().Add(waitMax)
	var watermark clock.Timestamp
	for i := 0; !old.Less(watermark); i++ {
		if time.Now().After(deadline) {
			t.Fatalf("the watermark %v did not pass %v within %v", watermark, old, waitMax)
		}
		must(t, kv.New(db.AdHoc(), "kv").PutInt(ctx, "counter", int64(i)))
		db.streams[0].processor.query(func(p *processor.Processor) { watermark = p.Watermark() })
	}
	_, _, err := kv.New(db.BeginReadOnlyAt(ctx, old), "kv").GetInt(ctx, "counter")
	if !errors.Is(err, engines.ErrSnapshotTooOld) {
		t.Fatalf("read at %v below watermark %v: %v, want ErrSnapshotTooOld", old, watermark, err)
	}
	if _, found, err := kv.New(db.BeginReadOnly(ctx), "kv").GetInt(ctx, "counter"); err != nil || !found {
		t.Fatalf("fresh read: %t %v", found, err)
	}
}
