package sim

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"maps"
	"math/rand/v2"
	"slices"
)

// ErrCorrupt reports a record whose checksum or framing does not hold: a torn
// write from a crash, or a corrupted sector. Test with errors.Is.
var ErrCorrupt = errors.New("sim: corrupt disk record")

// ErrNoFile reports a read of a file that does not exist.
var ErrNoFile = errors.New("sim: no such file")

// CorruptError names the file and record that failed verification.
type CorruptError struct {
	File   string
	Index  int
	Reason string
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("sim: corrupt disk record %s[%d]: %s", e.File, e.Index, e.Reason)
}

func (e *CorruptError) Is(target error) bool { return target == ErrCorrupt }

// Record is one record read back from a file: its data, or the error that
// makes it unreadable. A torn record ends a file: nothing follows it.
type Record struct {
	Data []byte
	Err  error
}

const recordHeaderLen = 8 // uint32 length, uint32 CRC-32C of the data

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// diskFile is one file: a list of framed records. Framing (length and CRC)
// is stored with each record exactly as it would be on a device, so tearing
// and corruption act on the stored bytes and reading verifies them.
type diskFile struct {
	frames [][]byte
	// Invariant: synced <= len(frames). frames[:synced] survive a crash.
	synced int
}

// Disk is a node's simulated disk: named files of checksummed records.
// Appends are volatile until Sync. A crash keeps exactly the synced records
// (and, with the disk fault on, may leave the first unsynced record torn, or
// flip a bit in one synced record); reads verify every record, so damage is
// reported as ErrCorrupt, never returned as data. Remove and Truncate are
// durable at once (metadata is journaled by the modeled file system).
//
// A Disk survives its node's crash and is handed to the restarted node.
type Disk struct {
	files map[string]*diskFile
	stats DiskStats
	// arena is the array small frames are carved from (one allocation per
	// many records). Frames are never written after they are stored:
	// damage replaces a frame with a changed copy.
	arena []byte
}

// Frames up to frameArenaRecordBytesMax bytes share arrays of frameArenaBytes.
const (
	frameArenaBytes          = 64 << 10
	frameArenaRecordBytesMax = 2 << 10
)

// DiskStats counts what a disk did.
type DiskStats struct {
	Appends, Syncs, LostOnCrash, Torn, Corrupted int
}

func newDisk() *Disk { return &Disk{files: map[string]*diskFile{}} }

// Append adds a record to the end of file name, creating the file if needed.
// The record is volatile until Sync. data is copied.
func (d *Disk) Append(name string, data []byte) {
	d.appendFrame(name, d.frame(data))
}

// AppendToEach appends the same record to every named file, in order, as
// Append to each would. The files share one stored frame (stored frames
// are immutable), so a mirrored log costs one copy of each record.
func (d *Disk) AppendToEach(data []byte, names ...string) {
	frame := d.frame(data)
	for _, name := range names {
		d.appendFrame(name, frame)
	}
}

func (d *Disk) appendFrame(name string, frame []byte) {
	f := d.files[name]
	if f == nil {
		f = &diskFile{}
		d.files[name] = f
	}
	f.frames = append(f.frames, frame)
	d.stats.Appends++
}

// frame returns data framed with its length and checksum, in new memory.
func (d *Disk) frame(data []byte) []byte {
	size := recordHeaderLen + len(data)
	var frame []byte
	if size > frameArenaRecordBytesMax {
		frame = make([]byte, size)
	} else {
		if cap(d.arena)-len(d.arena) < size {
			d.arena = make([]byte, 0, frameArenaBytes)
		}
		start := len(d.arena)
		d.arena = d.arena[:start+size]
		frame = d.arena[start : start+size : start+size]
	}
	binary.BigEndian.PutUint32(frame, uint32(len(data)))
	binary.BigEndian.PutUint32(frame[4:], crc32.Checksum(data, castagnoli))
	copy(frame[recordHeaderLen:], data)
	return frame
}

// Sync makes every record appended to file name so far durable.
func (d *Disk) Sync(name string) {
	if f := d.files[name]; f != nil {
		f.synced = len(f.frames)
		d.stats.Syncs++
	}
}

// Read returns the records of file name in order. It stops at the first
// record that fails verification and returns the records before it with a
// *CorruptError; callers decide whether to truncate (a torn tail) or to
// recover the record elsewhere.
func (d *Disk) Read(name string) ([][]byte, error) {
	f := d.files[name]
	if f == nil {
		return nil, fmt.Errorf("%w: %s", ErrNoFile, name)
	}
	records := make([][]byte, 0, len(f.frames))
	for i, frame := range f.frames {
		data, err := verifyFrame(name, i, frame)
		if err != nil {
			return records, err
		}
		records = append(records, data)
	}
	return records, nil
}

// Scan returns every record of file name with its own verification result,
// so a reader can skip one corrupted record and keep the rest.
func (d *Disk) Scan(name string) ([]Record, error) {
	f := d.files[name]
	if f == nil {
		return nil, fmt.Errorf("%w: %s", ErrNoFile, name)
	}
	records := make([]Record, len(f.frames))
	for i, frame := range f.frames {
		data, err := verifyFrame(name, i, frame)
		records[i] = Record{Data: data, Err: err}
	}
	return records, nil
}

func verifyFrame(name string, index int, frame []byte) ([]byte, error) {
	if len(frame) < recordHeaderLen {
		return nil, &CorruptError{File: name, Index: index, Reason: fmt.Sprintf("torn header (%d bytes)", len(frame))}
	}
	length := binary.BigEndian.Uint32(frame)
	if uint64(length) != uint64(len(frame)-recordHeaderLen) {
		return nil, &CorruptError{File: name, Index: index,
			Reason: fmt.Sprintf("length %d, %d bytes present", length, len(frame)-recordHeaderLen)}
	}
	data := frame[recordHeaderLen:]
	if crc32.Checksum(data, castagnoli) != binary.BigEndian.Uint32(frame[4:]) {
		return nil, &CorruptError{File: name, Index: index, Reason: "checksum mismatch"}
	}
	return slices.Clone(data), nil
}

// Truncate keeps the first n records of file name and drops the rest, e.g.
// a torn tail found by Read. It is durable at once.
func (d *Disk) Truncate(name string, n int) {
	f := d.files[name]
	if f == nil || n >= len(f.frames) {
		return
	}
	clear(f.frames[max(n, 0):])
	f.frames = f.frames[:max(n, 0)]
	f.synced = min(f.synced, len(f.frames))
}

// Remove deletes file name. It is durable at once.
func (d *Disk) Remove(name string) { delete(d.files, name) }

// Files returns the names of the existing files in sorted order.
func (d *Disk) Files() []string { return slices.Sorted(maps.Keys(d.files)) }

// Len returns the number of records in file name, verified or not.
func (d *Disk) Len(name string) int {
	if f := d.files[name]; f != nil {
		return len(f.frames)
	}
	return 0
}

// Unsynced returns the number of records of file name a crash would lose.
func (d *Disk) Unsynced(name string) int {
	if f := d.files[name]; f != nil {
		return len(f.frames) - f.synced
	}
	return 0
}

// Stats returns the disk's counters.
func (d *Disk) Stats() DiskStats { return d.stats }

// diskFaults says how a crash damages a disk.
type diskFaults struct {
	tornProbability    float64 // the first unsynced record survives torn
	corruptProbability float64 // one synced record gets a flipped bit
	corruptionsMax     int     // at most this many corruptions per disk per run
}

// crash applies a crash: unsynced records are lost, except that with the
// fault on, the first of them may survive torn; and one synced record may be
// corrupted. Files are visited in sorted order so that draws are
// deterministic.
func (d *Disk) crash(faults diskFaults, rng *rand.Rand) {
	for _, name := range d.Files() {
		f := d.files[name]
		lost := len(f.frames) - f.synced
		if lost == 0 {
			continue
		}
		d.stats.LostOnCrash += lost
		var torn []byte
		if faults.tornProbability > 0 && rng.Float64() < faults.tornProbability {
			first := f.frames[f.synced]
			torn = tear(first, rng)
		}
		clear(f.frames[f.synced:])
		f.frames = f.frames[:f.synced]
		if torn != nil {
			f.frames = append(f.frames, torn)
			f.synced = len(f.frames)
			d.stats.Torn++
		}
	}
	if faults.corruptProbability > 0 && d.stats.Corrupted < faults.corruptionsMax &&
		rng.Float64() < faults.corruptProbability {
		d.corruptRandomRecord(rng)
	}
}

// tear returns a damaged copy of frame: cut short, or with its tail garbled,
// as a write interrupted by power loss leaves it.
func tear(frame []byte, rng *rand.Rand) []byte {
	if rng.IntN(2) == 0 || len(frame) <= recordHeaderLen {
		return slices.Clone(frame[:rng.IntN(len(frame))])
	}
	damaged := slices.Clone(frame)
	for i := recordHeaderLen + rng.IntN(len(frame)-recordHeaderLen); i < len(damaged); i++ {
		damaged[i] = byte(rng.Uint32())
	}
	if slices.Equal(damaged, frame) { // the garbage happened to match: cut instead
		return slices.Clone(frame[:len(frame)-1])
	}
	return damaged
}

// corruptRandomRecord flips one bit in the data of one stored record.
func (d *Disk) corruptRandomRecord(rng *rand.Rand) {
	names := d.Files()
	if len(names) == 0 {
		return
	}
	name := names[rng.IntN(len(names))]
	d.Corrupt(name, -1, rng)
}

// Corrupt flips one bit of record index of file name (index < 0: a random
// record), as a latent sector error would. It reports whether a record was
// damaged. Used by fault schedules and by tests.
func (d *Disk) Corrupt(name string, index int, rng *rand.Rand) bool {
	f := d.files[name]
	if f == nil || len(f.frames) == 0 {
		return false
	}
	if index < 0 || index >= len(f.frames) {
		index = rng.IntN(len(f.frames))
	}
	frame := slices.Clone(f.frames[index])
	if len(frame) == 0 {
		return false
	}
	bit := rng.IntN(len(frame) * 8)
	frame[bit/8] ^= 1 << (bit % 8)
	f.frames[index] = frame
	d.stats.Corrupted++
	return true
}
