package runner

import (
	"encoding/binary"

	"github.com/proven2pc/proven/engines/wire"
	"github.com/proven2pc/proven/internal/binenc"
)

// recordFormat versions the placement record.
const recordFormat = 1

// encodeRecord writes format, version, the stream count and each stream's
// node index, as uvarints. The host's disk checksums records, so a torn or
// flipped record is detected there; decodeRecord still checks every field.
func encodeRecord(version uint64, owner []int) []byte {
	data := binary.AppendUvarint(nil, recordFormat)
	data = binary.AppendUvarint(data, version)
	data = binary.AppendUvarint(data, uint64(len(owner)))
	for _, j := range owner {
		data = binary.AppendUvarint(data, uint64(j))
	}
	return data
}

func decodeRecord(data []byte, streams, nodes int) (uint64, []int, error) {
	r := binenc.NewReader(data, ErrBadRecord)
	if format := r.Uvarint(); format != recordFormat {
		r.Failf("format %d, want %d", format, recordFormat)
	}
	version := r.Uvarint()
	if version == 0 {
		r.Failf("version 0")
	}
	if count := r.Uvarint(); count != uint64(streams) {
		r.Failf("%d streams, the configuration has %d", count, streams)
	}
	owner := make([]int, streams)
	for i := range owner {
		j := r.Uvarint()
		if j >= uint64(nodes) {
			r.Failf("stream %d on node %d of %d", i, j, nodes)
		}
		owner[i] = int(j)
	}
	if err := r.Finish(); err != nil {
		return 0, nil, err
	}
	return version, owner, nil
}

// EncodeAssignment writes an assignment for an engine node's disk, so that
// a restarted node starts the streams it last ran.
func EncodeAssignment(assignment MsgAssignment) []byte {
	data := binary.AppendUvarint(nil, assignment.Version)
	data = binary.AppendUvarint(data, uint64(len(assignment.Placements)))
	for _, p := range assignment.Placements {
		data = binary.AppendUvarint(data, uint64(len(p.Stream)))
		data = append(data, p.Stream...)
		data = binary.AppendUvarint(data, uint64(p.Node))
	}
	return data
}

// DecodeAssignment reads an EncodeAssignment record. Bad input returns an
// error wrapping ErrBadRecord, never a panic.
func DecodeAssignment(data []byte) (MsgAssignment, error) {
	r := binenc.NewReader(data, ErrBadRecord)
	assignment := MsgAssignment{Version: r.Uvarint()}
	for count := r.Count(2); count > 0; count-- {
		assignment.Placements = append(assignment.Placements, Placement{Stream: r.Text(), Node: wire.Address(r.Uvarint())})
	}
	if err := r.Finish(); err != nil {
		return MsgAssignment{}, err
	}
	return assignment, nil
}
