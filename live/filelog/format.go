package filelog

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"strconv"
	"strings"
)

// ErrCorrupt reports damage the log cannot take for a torn tail: a
// record, segment header or segment sequence that was durable and is no
// longer intact. Test with errors.Is; the *CorruptError names the file
// and offset.
var ErrCorrupt = errors.New("filelog: corrupt log")

// CorruptError names the segment file and byte offset of the damage.
type CorruptError struct {
	File   string
	Offset int64
	Reason string
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("filelog: corrupt log: %s at offset %d: %s", e.File, e.Offset, e.Reason)
}

func (e *CorruptError) Is(target error) bool { return target == ErrCorrupt }

// A segment file opens with a header:
//
//	magic(8) format(4) first(8) reserved(8, zero) crc(4)
//
// where first is the number of the segment's first record (also its file
// name) and crc is the CRC-32C of the 28 bytes before it. Frames follow:
//
//	crc(4) length(4) batchStart(8) data(length)
//
// crc is the CRC-32C of everything after it (length, batchStart, data).
// batchStart is the segment offset where the write batch holding the frame
// began: every byte before it had been synced when the frame was written.
// All integers are big-endian.
const (
	segmentMagic     = "PRVNSEG\x00"
	segmentFormat    = 1
	segmentHeaderLen = 32
	frameHeaderLen   = 16
	segmentSuffix    = ".log"
	segmentNameLen   = 20 // decimal digits of the first record number
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func segmentName(first uint64) string {
	return fmt.Sprintf("%0*d%s", segmentNameLen, first, segmentSuffix)
}

// parseSegmentName returns the first record number a segment's name
// carries; ok is false for a file that is not a segment.
func parseSegmentName(name string) (first uint64, ok bool, err error) {
	digits, isSegment := strings.CutSuffix(name, segmentSuffix)
	if !isSegment {
		return 0, false, nil
	}
	first, err = strconv.ParseUint(digits, 10, 64)
	if err != nil || len(digits) != segmentNameLen || first == 0 {
		return 0, true, fmt.Errorf("filelog: %s is not a segment name (%d digits from 1, then %s)",
			name, segmentNameLen, segmentSuffix)
	}
	return first, true, nil
}

func appendSegmentHeader(b []byte, first uint64) []byte {
	start := len(b)
	b = append(b, segmentMagic...)
	b = binary.BigEndian.AppendUint32(b, segmentFormat)
	b = binary.BigEndian.AppendUint64(b, first)
	b = binary.BigEndian.AppendUint64(b, 0)
	return binary.BigEndian.AppendUint32(b, crc32.Checksum(b[start:], castagnoli))
}

// checkSegmentHeader verifies a segment's header against the first record
// number its name gives; it returns what is wrong, or "".
func checkSegmentHeader(content []byte, first uint64) string {
	if len(content) < segmentHeaderLen {
		return fmt.Sprintf("header cut short (%d of %d bytes)", len(content), segmentHeaderLen)
	}
	header := content[:segmentHeaderLen]
	switch {
	case crc32.Checksum(header[:28], castagnoli) != binary.BigEndian.Uint32(header[28:]):
		return "header checksum mismatch"
	case string(header[:8]) != segmentMagic:
		return "not a segment (bad magic)"
	case binary.BigEndian.Uint32(header[8:]) != segmentFormat:
		return fmt.Sprintf("segment format %d, this build reads %d", binary.BigEndian.Uint32(header[8:]), segmentFormat)
	case binary.BigEndian.Uint64(header[12:]) != first:
		return fmt.Sprintf("header says first record %d, name says %d", binary.BigEndian.Uint64(header[12:]), first)
	}
	return ""
}

// appendFrame appends data's frame.
func appendFrame(b []byte, data []byte, batchStart int64) []byte {
	start := len(b)
	b = binary.BigEndian.AppendUint32(b, 0) // the checksum, below
	b = binary.BigEndian.AppendUint32(b, uint32(len(data)))
	b = binary.BigEndian.AppendUint64(b, uint64(batchStart))
	b = append(b, data...)
	binary.BigEndian.PutUint32(b[start:], crc32.Checksum(b[start+4:], castagnoli))
	return b
}

// frameAt returns the data and batch start of an intact frame at offset,
// or a reason it is not one. An intact frame lies whole in content, has
// its checksum, and a batch start at or before itself, after the header.
func frameAt(content []byte, offset int64) (data []byte, batchStart int64, reason string) {
	rest := content[offset:]
	if len(rest) < frameHeaderLen {
		return nil, 0, fmt.Sprintf("frame header cut short (%d of %d bytes)", len(rest), frameHeaderLen)
	}
	length := int64(binary.BigEndian.Uint32(rest[4:]))
	batchStart = int64(binary.BigEndian.Uint64(rest[8:]))
	if length > int64(len(rest)-frameHeaderLen) {
		return nil, 0, fmt.Sprintf("frame of %d bytes, %d left in the file", length, len(rest)-frameHeaderLen)
	}
	end := frameHeaderLen + length
	if crc32.Checksum(rest[4:end], castagnoli) != binary.BigEndian.Uint32(rest) {
		return nil, 0, "frame checksum mismatch"
	}
	if batchStart < segmentHeaderLen || batchStart > offset {
		return nil, 0, fmt.Sprintf("batch start %d outside [%d, %d]", batchStart, segmentHeaderLen, offset)
	}
	return rest[frameHeaderLen:end:end], batchStart, ""
}

// syncedAfter reports whether an intact frame after offset bad was written
// after bad had been synced (its batch started beyond bad): then the
// damage at bad is corruption of durable data, not a torn tail. Frames
// after bad are found by trying every offset until one is intact, then
// frame by frame.
func syncedAfter(content []byte, bad int64) (laterFrame int64, found bool) {
	for offset := bad + 1; offset+frameHeaderLen <= int64(len(content)); {
		data, batchStart, reason := frameAt(content, offset)
		if reason != "" {
			offset++
			continue
		}
		if batchStart > bad {
			return offset, true
		}
		offset += frameHeaderLen + int64(len(data))
	}
	return 0, false
}
