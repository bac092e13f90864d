package live

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/proven2pc/proven/engines/catalog"
	"github.com/proven2pc/proven/engines/kv"
	"github.com/proven2pc/proven/live/files"
	"github.com/proven2pc/proven/live/internal/faultfs"
)

// faultCases is how many seeded cases TestFileFaultsLoseNothing runs.
const faultCases = 8

// TestFileFaultsLoseNothing: under a store whose file system fails one
// operation — a write (whole, or short: a prefix written, as a full disk
// does), an fsync, a directory sync, a file creation or a rename, in a
// log segment, a checkpoint, or anywhere — the store stops cleanly: Err
// and every later call report ErrFailed wrapping the injected fault, and
// Close returns it with no goroutine left. After a crash that loses,
// cuts or garbles what was not synced, the reopened store holds every
// acknowledged commit (a list append on two streams), in the same order
// on both, and no aborted one.
func TestFileFaultsLoseNothing(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	for index := range faultCases {
		rng := rand.New(rand.NewPCG(seed, uint64(index)))
		fault := faultfs.Fault{
			Op:           []faultfs.Op{faultfs.OpWrite, faultfs.OpSync, faultfs.OpSyncDir, faultfs.OpCreate, faultfs.OpRename}[rng.IntN(5)],
			Countdown:    1 + rng.IntN(24),
			PathContains: []string{"", "/log/", "/checkpoints/"}[rng.IntN(3)],
			ShortBytes:   rng.IntN(80),
		}
		t.Run(fmt.Sprintf("case=%d/%v-%d-%q", index, fault.Op, fault.Countdown, fault.PathContains), func(t *testing.T) {
			runFaultCase(t, rng, fault)
		})
	}
}

func faultOptions(fsys files.FS) Options {
	options := Options{Streams: []catalog.StreamSpec{catalog.KV("a"), catalog.KV("b")}, Logger: quiet,
		CheckpointEvery: 16, SegmentBytesMax: 1 << 10, RetryInterval: 20 * time.Millisecond}
	options.fs = fsys
	return options
}

func runFaultCase(t *testing.T, rng *rand.Rand, fault faultfs.Fault) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "store")
	fsys := faultfs.New(files.OS)
	db := openDB(t, dir, faultOptions(fsys))
	fsys.Inject(fault)
	var acknowledged, aborted []string
	for n := 0; n < 60 && db.Err() == nil; n++ {
		element := fmt.Sprintf("e%d", n)
		tx := db.Begin(ctx, 300*time.Millisecond)
		err := appendTo(ctx, kv.New(tx, "a"), "list", element)
		if err == nil {
			err = appendTo(ctx, kv.New(tx, "b"), "list", element)
		}
		switch outcomeWord(finish(ctx, tx, err)) {
		case "ok":
			acknowledged = append(acknowledged, element)
		case "abort":
			aborted = append(aborted, element)
		}
	}
	failure := db.Err()
	fired := fsys.Count(fault.Op) >= 1 && failure != nil
	if failure != nil {
		if !errors.Is(failure, ErrFailed) || !errors.Is(failure, faultfs.ErrInjected) {
			t.Fatalf("the store stopped with %v, want ErrFailed wrapping the injected fault", failure)
		}
		if err := db.Begin(ctx, time.Second).Commit(ctx); !errors.Is(err, faultfs.ErrInjected) {
			t.Fatalf("a call after the failure: %v, want the failure", err)
		}
	}
	closeErr := db.Close()
	if (failure == nil) != (closeErr == nil) || (failure != nil && !errors.Is(closeErr, faultfs.ErrInjected)) {
		t.Fatalf("Close: %v after failure %v", closeErr, failure)
	}
	if _, err := fsys.Crash(rng); err != nil {
		t.Fatal(err)
	}
	db = openDB(t, dir, faultOptions(files.OS))
	defer closeDB(t, db)
	read := db.BeginReadOnly(ctx)
	onA := listOf(t, ctx, read, "a")
	onB := listOf(t, ctx, read, "b")
	if !slices.Equal(onA, onB) {
		t.Fatalf("the lists differ across streams:\na: %v\nb: %v", onA, onB)
	}
	for _, element := range acknowledged {
		if !slices.Contains(onA, element) {
			t.Fatalf("acknowledged %s is missing (fault fired: %t, failure %v); list %v", element, fired, failure, onA)
		}
	}
	for _, element := range aborted {
		if slices.Contains(onA, element) {
			t.Fatalf("aborted %s is visible", element)
		}
	}
	if !slices.IsSortedFunc(onA, func(x, y string) int { return elementNumber(x) - elementNumber(y) }) {
		t.Fatalf("appends out of order: %v", onA)
	}
	t.Logf("%d acknowledged, %d aborted, failure: %v", len(acknowledged), len(aborted), failure)
}

func listOf(t *testing.T, ctx context.Context, read *ReadTxn, stream string) []string {
	t.Helper()
	v, _, err := kv.New(read, stream).Get(ctx, "list")
	if err != nil {
		t.Fatalf("list on %s: %v", stream, err)
	}
	elements := make([]string, v.Len())
	for i := range v.Len() {
		elements[i], _ = v.Index(i).AsString()
	}
	return elements
}

func elementNumber(element string) int {
	var n int
	fmt.Sscanf(strings.TrimPrefix(element, "e"), "%d", &n)
	return n
}
