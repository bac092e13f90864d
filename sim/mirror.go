package sim

import (
	"bytes"
	"fmt"
)

// RecoverMirrored reads back a log kept as two copies, primary and mirror,
// each record appended to both with AppendToEach(data, primary, mirror)
// and synced in both before anything depends on it; and repairs the
// copies. Missing files read as empty.
//
// Record i is taken from whichever copy holds it intact. The first index
// intact in neither copy ends the log when nothing intact follows it in
// either copy: that is a torn tail, a write a crash cut before its sync,
// so never acknowledged. Two cases are errors (matching ErrCorrupt), and
// leave the files untouched:
//   - an index damaged in both copies with intact records after it: the
//     records after it were synced, so the damaged one was too, and
//     cutting the log there would lose records already relied on;
//   - an index intact in both copies with different data: the files were
//     not written as mirrors.
//
// repaired reports that a copy had to be cut or mended. Both files then
// hold exactly records, durably: an intact copy is cut to length, a
// damaged one is rewritten. A second call returns the same records with
// repaired false.
func (d *Disk) RecoverMirrored(primary, mirror string) (records [][]byte, repaired bool, err error) {
	first, second := d.scanOrEmpty(primary), d.scanOrEmpty(mirror)
records:
	for i := range max(len(first), len(second)) {
		firstData, firstIntact := intactRecord(first, i)
		secondData, secondIntact := intactRecord(second, i)
		switch {
		case firstIntact && secondIntact && !bytes.Equal(firstData, secondData):
			return nil, false, fmt.Errorf("%w: %s and %s differ at record %d", ErrCorrupt, primary, mirror, i)
		case firstIntact:
			records = append(records, firstData)
		case secondIntact:
			records = append(records, secondData)
		case intactFrom(first, i+1) || intactFrom(second, i+1):
			return nil, false, fmt.Errorf("%w: record %d is damaged in both %s and %s, and intact records follow it",
				ErrCorrupt, i, primary, mirror)
		default: // a torn tail: the log ends before index i
			repaired = true
			break records
		}
		repaired = repaired || !firstIntact || !secondIntact
	}
	if repaired {
		d.repairMirrored(records, primary, mirror)
	}
	return records, repaired, nil
}

// scanOrEmpty scans a file; a missing file has no records.
func (d *Disk) scanOrEmpty(name string) []Record {
	records, _ := d.Scan(name) // the only error is ErrNoFile
	return records
}

func intactRecord(records []Record, i int) ([]byte, bool) {
	if i >= len(records) || records[i].Err != nil {
		return nil, false
	}
	return records[i].Data, true
}

func intactFrom(records []Record, start int) bool {
	for i := start; i < len(records); i++ {
		if records[i].Err == nil {
			return true
		}
	}
	return false
}

// repairMirrored makes both copies hold exactly records, durably: a copy
// whose first len(records) records are intact is cut after them; any
// other copy is rewritten.
func (d *Disk) repairMirrored(records [][]byte, names ...string) {
	for _, name := range names {
		scanned := d.scanOrEmpty(name)
		intact := len(scanned) >= len(records)
		for i := 0; intact && i < len(records); i++ {
			intact = scanned[i].Err == nil
		}
		if intact {
			d.Truncate(name, len(records))
		} else {
			d.Remove(name)
			for _, record := range records {
				d.Append(name, record)
			}
		}
		d.Sync(name)
	}
}
