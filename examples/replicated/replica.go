package replicated

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/proven2pc/proven/net"
	"github.com/proven2pc/proven/sim"
)

// Tag orders the versions of one key: a counter, then the writer that
// chose it, so two writers never pick the same tag.
type Tag struct {
	Counter uint64
	Writer  uint32
}

// Less orders tags by counter, then writer.
func (t Tag) Less(other Tag) bool {
	if t.Counter != other.Counter {
		return t.Counter < other.Counter
	}
	return t.Writer < other.Writer
}

// Version is a key's value with its tag; the zero Version (tag zero,
// value 0) is every key's initial one.
type Version struct {
	Tag   Tag
	Value int64
}

// Messages of the protocol. Every request carries an id that its reply
// echoes, so a client tells a late reply from the one it waits for.
type (
	// MsgQuery asks a replica for its version of Key.
	MsgQuery struct {
		Request uint64
		Key     string
	}
	// MsgQueryReply answers MsgQuery.
	MsgQueryReply struct {
		Request uint64
		Version Version
	}
	// MsgStore asks a replica to keep Version of Key if it is newer than
	// the replica's.
	MsgStore struct {
		Request uint64
		Key     string
		Version Version
	}
	// MsgStoreReply says the replica holds Version or a newer one,
	// durably.
	MsgStoreReply struct{ Request uint64 }
)

// Codec returns the registry of the protocol's messages.
func Codec() *net.Registry {
	codec := net.NewRegistry()
	net.Register[MsgQuery](codec, "MsgQuery")
	net.Register[MsgQueryReply](codec, "MsgQueryReply")
	net.Register[MsgStore](codec, "MsgStore")
	net.Register[MsgStoreReply](codec, "MsgStoreReply")
	return codec
}

// The replica's log and its mirror, written together: a record damaged
// in one copy is recovered from the other.
const (
	logFile    = "registers"
	mirrorFile = "registers.mirror"
)

// Replica is one replica's server: a step machine that keeps the newest
// version of each key it has seen, durably.
type Replica struct {
	// Invariant: every version here is in the log, synced, so a restart
	// recovers it (persist before you speak: a store is acknowledged only
	// after its sync).
	registers map[string]Version
}

// NewReplica returns a replica with empty memory; Start recovers it.
func NewReplica() sim.Node { return &Replica{} }

// Start rebuilds the registers from the log.
func (r *Replica) Start(ctx *sim.NodeContext) {
	r.registers = map[string]Version{}
	records, _, err := ctx.Disk().RecoverMirrored(logFile, mirrorFile)
	if err != nil {
		ctx.Fail("replica %s: recovery: %v", ctx.Name(), err)
		return
	}
	for i, record := range records {
		key, version, err := decodeRecord(record)
		if err != nil {
			ctx.Fail("replica %s: record %d: %v", ctx.Name(), i, err)
			return
		}
		if r.registers[key].Tag.Less(version.Tag) {
			r.registers[key] = version
		}
	}
}

// Receive answers queries and applies stores.
func (r *Replica) Receive(ctx *sim.NodeContext, from sim.Addr, message any) {
	switch m := message.(type) {
	case MsgQuery:
		_ = ctx.Send(from, MsgQueryReply{Request: m.Request, Version: r.registers[m.Key]})
	case MsgStore:
		if r.registers[m.Key].Tag.Less(m.Version.Tag) {
			record := encodeRecord(m.Key, m.Version)
			ctx.Disk().AppendToEach(record, logFile, mirrorFile)
			ctx.Disk().Sync(logFile)
			ctx.Disk().Sync(mirrorFile)
			r.registers[m.Key] = m.Version
		}
		_ = ctx.Send(from, MsgStoreReply{Request: m.Request})
	}
}

// Timer is unused: a replica only answers.
func (r *Replica) Timer(*sim.NodeContext, uint64) {}

// A record is the key's length and bytes, the tag and the value.
func encodeRecord(key string, version Version) []byte {
	record := binary.BigEndian.AppendUint16(nil, uint16(len(key)))
	record = append(record, key...)
	record = binary.BigEndian.AppendUint64(record, version.Tag.Counter)
	record = binary.BigEndian.AppendUint32(record, version.Tag.Writer)
	return binary.BigEndian.AppendUint64(record, uint64(version.Value))
}

var errShortRecord = errors.New("short record")

// decodeRecord reads a record back. The disk verified its checksum, so an
// error means the replica wrote what it cannot read: a bug.
func decodeRecord(record []byte) (string, Version, error) {
	if len(record) < 2 {
		return "", Version{}, errShortRecord
	}
	keyLength := int(binary.BigEndian.Uint16(record))
	if len(record) != 2+keyLength+8+4+8 {
		return "", Version{}, fmt.Errorf("%w: %d bytes for a key of %d", errShortRecord, len(record), keyLength)
	}
	key, rest := string(record[2:2+keyLength]), record[2+keyLength:]
	version := Version{Tag: Tag{Counter: binary.BigEndian.Uint64(rest), Writer: binary.BigEndian.Uint32(rest[8:])},
		Value: int64(binary.BigEndian.Uint64(rest[12:]))}
	return key, version, nil
}
