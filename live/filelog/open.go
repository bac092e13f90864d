package filelog

import (
	"fmt"
	"path/filepath"
	"slices"
)

// Open opens the log in dir (creating dir and a first segment if there is
// none) and returns it with its retained records, in order: the first is
// number First(), the last Next()-1. The records share one buffer per
// segment; callers read them, never change them.
//
// Every segment is verified. Damage that only a crash during an
// unacknowledged write can leave — a last segment whose header is cut
// short, or bad bytes at the end of the last segment with no intact frame
// after them written once they were synced — is cut (the file truncated,
// durably) with a warning log line naming the file, the offset and the
// bytes cut. Any other damage returns a *CorruptError (errors.Is
// ErrCorrupt) naming the file and offset, and changes nothing: a corrupt
// record is never read as data, and never silently dropped.
func Open(dir string, options Options) (*Log, [][]byte, error) {
	options = options.withDefaults()
	l := &Log{options: options, dir: dir}
	if err := options.FS.MkdirAll(dir); err != nil {
		return nil, nil, err
	}
	firsts, err := l.listSegments()
	if err != nil {
		return nil, nil, err
	}
	scans := make([]segmentScan, 0, len(firsts))
	for i, first := range firsts {
		scan, err := l.scanSegment(first, i == len(firsts)-1)
		if err != nil {
			return nil, nil, err
		}
		if i > 0 && first != scans[i-1].next() {
			return nil, nil, &CorruptError{File: l.segmentPath(first), Reason: fmt.Sprintf(
				"segment starts at record %d, the one before it ends before %d", first, scans[i-1].next())}
		}
		scans = append(scans, scan)
	}
	records, err := l.repairAndResume(scans)
	if err != nil {
		return nil, nil, err
	}
	return l, records, nil
}

// segmentScan is what verifying one segment found.
type segmentScan struct {
	first   uint64
	records [][]byte
	// cutAt is where a torn tail starts (0: none); cutReason says why.
	cutAt     int64
	cutReason string
	size      int64
	// tornHeader: the segment's header never finished; it holds nothing.
	tornHeader bool
}

func (s segmentScan) next() uint64 { return s.first + uint64(len(s.records)) }

// listSegments returns the segments' first record numbers, in order.
func (l *Log) listSegments() ([]uint64, error) {
	names, err := l.options.FS.ReadDir(l.dir)
	if err != nil {
		return nil, err
	}
	var firsts []uint64
	for _, name := range names {
		first, isSegment, err := parseSegmentName(name)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", l.dir, err)
		}
		if isSegment {
			firsts = append(firsts, first)
		}
	}
	slices.Sort(firsts)
	return firsts, nil
}

// scanSegment verifies one segment and collects its records.
func (l *Log) scanSegment(first uint64, last bool) (segmentScan, error) {
	path := l.segmentPath(first)
	content, err := l.options.FS.ReadFile(path)
	if err != nil {
		return segmentScan{}, err
	}
	scan := segmentScan{first: first, size: int64(len(content))}
	if reason := checkSegmentHeader(content, first); reason != "" {
		if last && len(content) <= segmentHeaderLen {
			scan.tornHeader, scan.cutReason = true, reason
			return scan, nil
		}
		return segmentScan{}, &CorruptError{File: path, Reason: reason}
	}
	for offset := int64(segmentHeaderLen); offset < int64(len(content)); {
		data, _, reason := frameAt(content, offset)
		if reason == "" {
			scan.records = append(scan.records, data)
			offset += frameHeaderLen + int64(len(data))
			continue
		}
		if !last {
			return segmentScan{}, &CorruptError{File: path, Offset: offset, Reason: reason +
				" in a segment that was complete (a later segment exists)"}
		}
		if later, found := syncedAfter(content, offset); found {
			return segmentScan{}, &CorruptError{File: path, Offset: offset, Reason: fmt.Sprintf(
				"%s, and the intact record at offset %d was written after this one was synced", reason, later)}
		}
		scan.cutAt, scan.cutReason = offset, reason
		break
	}
	return scan, nil
}

// repairAndResume cuts a torn tail, opens the last segment for appends
// (creating the first segment of a new log), and returns every record.
func (l *Log) repairAndResume(scans []segmentScan) ([][]byte, error) {
	if count := len(scans); count > 0 && scans[count-1].tornHeader {
		torn := scans[count-1]
		l.options.Logger.Warn("filelog: removed a segment whose header a crash cut short; it held no record",
			"file", l.segmentPath(torn.first), "bytes", torn.size, "reason", torn.cutReason)
		if err := l.options.FS.Remove(l.segmentPath(torn.first)); err != nil {
			return nil, err
		}
		if err := l.options.FS.SyncDir(l.dir); err != nil {
			return nil, err
		}
		scans = scans[:count-1]
		if len(scans) == 0 {
			return nil, l.create(torn.first)
		}
	}
	if len(scans) == 0 {
		return nil, l.create(1)
	}
	var records [][]byte
	for _, scan := range scans {
		l.segments = append(l.segments, scan.first)
		records = append(records, scan.records...)
	}
	last := scans[len(scans)-1]
	l.next = last.next()
	l.syncedSize = last.size
	path := l.segmentPath(last.first)
	if last.cutAt > 0 {
		l.options.Logger.Warn("filelog: cut a torn tail (a write a crash interrupted before it was acknowledged)",
			"file", path, "offset", last.cutAt, "bytes", last.size-last.cutAt, "reason", last.cutReason)
		if err := l.options.FS.Truncate(path, last.cutAt); err != nil {
			return nil, err
		}
		l.syncedSize = last.cutAt
	}
	file, err := l.options.FS.OpenAppend(path)
	if err != nil {
		return nil, err
	}
	l.file = file
	if last.cutAt > 0 {
		if err := file.Sync(); err != nil { // make the cut durable before appending after it
			file.Close()
			return nil, err
		}
	}
	return records, nil
}

// create starts a new log whose first record is first.
func (l *Log) create(first uint64) error {
	l.next = first
	if err := l.startSegment(first); err != nil {
		if l.file != nil {
			l.file.Close()
		}
		return fmt.Errorf("filelog: creating %s: %w", filepath.Join(l.dir, segmentName(first)), err)
	}
	return nil
}
