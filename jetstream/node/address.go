package node

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"

	"github.com/proven2pc/proven/coordinator/runner"
	"github.com/proven2pc/proven/engines/wire"
	"github.com/proven2pc/proven/jetstream/jslog"
)

// Addresses of a deployment. The top two bits say what an address names;
// each kind has a subject of its own, so a message reaches its recipient
// wherever it runs:
//
//   - logAddress: this process's log (jslog.Log); never crosses processes.
//   - runnerAddress: the runner, on whichever node holds its lease
//     (subject <namespace>.runner).
//   - a processor: processorSpace | the stream's timestamp node, one
//     address per stream whoever hosts it (subject
//     <namespace>.proc.<stream>, subscribed by the holder of the stream's
//     lease only).
//   - a session (a coordinator): sessionSpace | incarnation<<20 | slot
//     (subject <namespace>.to.<incarnation>: every process subscribes to
//     its incarnation's subject).
//   - a node, for the runner: nodeSpace | node id (subject
//     <namespace>.node.<id>).
const (
	logAddress     wire.Address = 1
	runnerAddress  wire.Address = 2
	processorSpace wire.Address = 1 << 62
	sessionSpace   wire.Address = 2 << 62
	nodeSpace      wire.Address = 3 << 62
	spaceMask      wire.Address = 3 << 62
	slotBits                    = 20
	slotMask       wire.Address = 1<<slotBits - 1
)

func processorAddress(stream string) wire.Address {
	return processorSpace | wire.Address(jslog.StreamNode(stream))
}

func sessionAddress(incarnation uint64, slot int) wire.Address {
	return sessionSpace | wire.Address(incarnation)<<slotBits | wire.Address(slot)
}

func nodeAddress(id uint32) wire.Address { return nodeSpace | wire.Address(id) }

// incarnationOf returns the incarnation of a session address.
func incarnationOf(address wire.Address) uint64 { return uint64(address&^spaceMask) >> slotBits }

// subjects names a deployment's subjects.
type subjects struct{ namespace string }

func (s subjects) processor(stream string) string { return s.namespace + ".proc." + stream }
func (s subjects) incarnation(incarnation uint64) string {
	return s.namespace + ".to." + strconv.FormatUint(incarnation, 10)
}
func (s subjects) node(id uint32) string {
	return s.namespace + ".node." + strconv.FormatUint(uint64(id), 10)
}
func (s subjects) runner() string { return s.namespace + ".runner" }
func (s subjects) client(id uint32) string {
	return s.namespace + ".client." + strconv.FormatUint(uint64(id), 10)
}

// Envelope kinds: the messages that cross processes.
const (
	kindOperationReply byte = iota + 1
	kindVote
	kindOutcome
	kindSnapshotRead
	kindSnapshotReadReply
	kindHeartbeat
	kindAssignment
)

// ErrBadEnvelope reports bytes from the network that are not a message.
var ErrBadEnvelope = errors.New("node: bad envelope")

type binaryAppender interface {
	AppendBinary([]byte) ([]byte, error)
}

// encodeEnvelope encodes a message for another process: its kind, the
// sender and recipient addresses, and the message's binary encoding.
func encodeEnvelope(from, to wire.Address, message any) ([]byte, error) {
	var kind byte
	var body binaryAppender
	switch m := message.(type) {
	case wire.MsgOperationReply:
		kind, body = kindOperationReply, m
	case wire.MsgVote:
		kind, body = kindVote, m
	case wire.MsgOutcome:
		kind, body = kindOutcome, m
	case wire.MsgSnapshotRead:
		kind, body = kindSnapshotRead, m
	case wire.MsgSnapshotReadReply:
		kind, body = kindSnapshotReadReply, m
	case runner.MsgHeartbeat:
		data := binary.AppendUvarint(header(kindHeartbeat, from, to), uint64(m.Node))
		return binary.AppendUvarint(data, m.Version), nil
	case runner.MsgAssignment:
		return append(header(kindAssignment, from, to), runner.EncodeAssignment(m)...), nil
	default:
		return nil, fmt.Errorf("node: no envelope for %T", message)
	}
	return body.AppendBinary(header(kind, from, to))
}

func header(kind byte, from, to wire.Address) []byte {
	data := append(make([]byte, 0, 64), kind)
	data = binary.AppendUvarint(data, uint64(from))
	return binary.AppendUvarint(data, uint64(to))
}

// decodeEnvelope decodes what encodeEnvelope wrote. Arbitrary bytes
// return an error, never a panic.
func decodeEnvelope(data []byte) (from, to wire.Address, message any, err error) {
	if len(data) == 0 {
		return 0, 0, nil, fmt.Errorf("%w: empty", ErrBadEnvelope)
	}
	kind, rest := data[0], data[1:]
	fromValue, n := binary.Uvarint(rest)
	if n <= 0 {
		return 0, 0, nil, fmt.Errorf("%w: sender", ErrBadEnvelope)
	}
	rest = rest[n:]
	toValue, n := binary.Uvarint(rest)
	if n <= 0 {
		return 0, 0, nil, fmt.Errorf("%w: recipient", ErrBadEnvelope)
	}
	rest = rest[n:]
	message, err = decodeBody(kind, rest)
	if err != nil {
		return 0, 0, nil, fmt.Errorf("%w: %w", ErrBadEnvelope, err)
	}
	return wire.Address(fromValue), wire.Address(toValue), message, nil
}

func decodeBody(kind byte, body []byte) (any, error) {
	switch kind {
	case kindOperationReply:
		var m wire.MsgOperationReply
		err := m.UnmarshalBinary(body)
		return m, err
	case kindVote:
		var m wire.MsgVote
		err := m.UnmarshalBinary(body)
		return m, err
	case kindOutcome:
		var m wire.MsgOutcome
		err := m.UnmarshalBinary(body)
		return m, err
	case kindSnapshotRead:
		var m wire.MsgSnapshotRead
		err := m.UnmarshalBinary(body)
		return m, err
	case kindSnapshotReadReply:
		var m wire.MsgSnapshotReadReply
		err := m.UnmarshalBinary(body)
		return m, err
	case kindHeartbeat:
		node, n := binary.Uvarint(body)
		if n <= 0 {
			return nil, errors.New("heartbeat node")
		}
		version, m := binary.Uvarint(body[n:])
		if m <= 0 || n+m != len(body) {
			return nil, errors.New("heartbeat version")
		}
		return runner.MsgHeartbeat{Node: wire.Address(node), Version: version}, nil
	case kindAssignment:
		return runner.DecodeAssignment(body)
	}
	return nil, fmt.Errorf("kind %d", kind)
}
