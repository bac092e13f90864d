package runner

import (
	"encoding/binary"
	"fmt"

	"github.com/proven2pc/proven/engines/wire"
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
	next := func(what string) (uint64, error) {
		value, n := binary.Uvarint(data)
		if n <= 0 {
			return 0, fmt.Errorf("%w: truncated %s", ErrBadRecord, what)
		}
		data = data[n:]
		return value, nil
	}
	format, err := next("format")
	if err != nil {
		return 0, nil, err
	}
	if format != recordFormat {
		return 0, nil, fmt.Errorf("%w: format %d, want %d", ErrBadRecord, format, recordFormat)
	}
	version, err := next("version")
	if err != nil {
		return 0, nil, err
	}
	if version == 0 {
		return 0, nil, fmt.Errorf("%w: version 0", ErrBadRecord)
	}
	count, err := next("stream count")
	if err != nil {
		return 0, nil, err
	}
	if count != uint64(streams) {
		return 0, nil, fmt.Errorf("%w: %d streams, the configuration has %d", ErrBadRecord, count, streams)
	}
	owner := make([]int, streams)
	for i := range owner {
		j, err := next("node index")
		if err != nil {
			return 0, nil, err
		}
		if j >= uint64(nodes) {
			return 0, nil, fmt.Errorf("%w: stream %d on node %d of %d", ErrBadRecord, i, j, nodes)
		}
		owner[i] = int(j)
	}
	if len(data) != 0 {
		return 0, nil, fmt.Errorf("%w: %d trailing bytes", ErrBadRecord, len(data))
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
	next := func(what string) (uint64, error) {
		value, n := binary.Uvarint(data)
		if n <= 0 {
			return 0, fmt.Errorf("%w: truncated %s", ErrBadRecord, what)
		}
		data = data[n:]
		return value, nil
	}
	var assignment MsgAssignment
	var err error
	if assignment.Version, err = next("version"); err != nil {
		return MsgAssignment{}, err
	}
	count, err := next("placement count")
	if err != nil {
		return MsgAssignment{}, err
	}
	for ; count > 0; count-- {
		length, err := next("stream length")
		if err != nil {
			return MsgAssignment{}, err
		}
		if length > uint64(len(data)) {
			return MsgAssignment{}, fmt.Errorf("%w: stream name of %d bytes, %d left", ErrBadRecord, length, len(data))
		}
		stream := string(data[:length])
		data = data[length:]
		node, err := next("node")
		if err != nil {
			return MsgAssignment{}, err
		}
		assignment.Placements = append(assignment.Placements, Placement{Stream: stream, Node: wire.Address(node)})
	}
	if len(data) != 0 {
		return MsgAssignment{}, fmt.Errorf("%w: %d trailing bytes", ErrBadRecord, len(data))
	}
	return assignment, nil
}
