package sim

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"pgregory.net/rapid"
)

// RecoverMirrored against a model of the damage: records written to both
// copies and synced, then damage drawn per copy (a flipped bit in any
// record, a torn unsynced last record in either copy or both). The model
// says, index by index, whether each copy holds the record intact; from
// that it expects the records, a repair, or an error for a record
// damaged in both copies with intact records after it. After a recovery
// both copies read back exactly the recovered records, and a second
// recovery repairs nothing.
func TestRecoverMirroredAgainstAModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		disk := newDisk()
		rng := newStream(rapid.Uint64().Draw(t, "seed"), "mirror")
		synced := rapid.IntRange(0, 6).Draw(t, "synced")
		var written [][]byte
		for i := range synced {
			written = append(written, []byte(fmt.Sprintf("record %d", i)))
			disk.AppendToEach(written[i], "log", "log.mirror")
		}
		disk.Sync("log")
		disk.Sync("log.mirror")
		// intact[c][i]: copy c holds record i intact.
		intact := [2][]bool{make([]bool, synced), make([]bool, synced)}
		for c, name := range []string{"log", "log.mirror"} {
			for i := range synced {
				intact[c][i] = true
				if rapid.Bool().Draw(t, fmt.Sprintf("corrupt %s[%d]", name, i)) {
					disk.Corrupt(name, i, rng)
					intact[c][i] = false
				}
			}
		}
		if rapid.Bool().Draw(t, "torn tail") {
			written = append(written, []byte("unsynced"))
			disk.AppendToEach(written[synced], "log", "log.mirror")
			keep := rapid.IntRange(0, 2).Draw(t, "copy keeping the tail") // 2: torn in both
			for c, name := range []string{"log", "log.mirror"} {
				if c == keep {
					disk.Sync(name)
				}
				intact[c] = append(intact[c], c == keep)
			}
			disk.crash(diskFaults{tornProbability: 1}, rng)
		}
		want, wantRepaired, wantError := mirrorModel(intact, written)
		records, repaired, err := disk.RecoverMirrored("log", "log.mirror")
		if wantError {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("recovered %d records (err %v), want an ErrCorrupt", len(records), err)
			}
			return
		}
		if err != nil || repaired != wantRepaired || !slices.EqualFunc(records, want, slices.Equal) {
			t.Fatalf("recovered %q repaired=%t err=%v; want %q repaired=%t", records, repaired, err, want, wantRepaired)
		}
		for _, name := range []string{"log", "log.mirror"} {
			read, err := disk.Read(name)
			if errors.Is(err, ErrNoFile) && len(want) == 0 {
				continue // nothing was ever written
			}
			if err != nil || !slices.EqualFunc(read, want, slices.Equal) || disk.Unsynced(name) != 0 {
				t.Fatalf("%s after recovery: %q, %v, %d unsynced; want %q synced", name, read, err, disk.Unsynced(name), want)
			}
		}
		if again, repaired, err := disk.RecoverMirrored("log", "log.mirror"); err != nil || repaired ||
			!slices.EqualFunc(again, want, slices.Equal) {
			t.Fatalf("second recovery: %q repaired=%t err=%v", again, repaired, err)
		}
	})
}

// mirrorModel is the dumb reference: walk the indexes; take a record from
// any copy holding it intact; at the first index intact in neither, the
// log ends there if nothing intact follows, and is lost otherwise.
func mirrorModel(intact [2][]bool, written [][]byte) (records [][]byte, repaired, lost bool) {
	for i := range written {
		if !intact[0][i] || !intact[1][i] {
			repaired = true
		}
		if intact[0][i] || intact[1][i] {
			records = append(records, written[i])
			continue
		}
		for j := i + 1; j < len(written); j++ {
			if intact[0][j] || intact[1][j] {
				return nil, false, true
			}
		}
		return records, true, false
	}
	return records, repaired, false
}
