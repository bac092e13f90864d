package counter

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/sim"
)

// Messages of the counter protocol.
type (
	// MsgIncrement asks the server to add one, once per Request id.
	MsgIncrement struct{ Request uint64 }
	// MsgIncremented acknowledges an increment: the counter's value right
	// after it, and when (HLC) it was applied.
	MsgIncremented struct {
		Request uint64
		Value   int64
		Stamp   clock.Timestamp
	}
	// MsgRead asks for the current value.
	MsgRead struct{ Request uint64 }
	// MsgReadReply answers MsgRead.
	MsgReadReply struct {
		Request uint64
		Value   int64
	}
)

const (
	walFile    = "wal"
	mirrorFile = "wal.mirror"
	recordLen  = 8 + 8 + clock.TimestampKeyLen
)

// applied is one increment the server has made durable.
type applied struct {
	value int64
	stamp clock.Timestamp
}

// Server is the counter service's step machine.
type Server struct {
	bug Bug
	hlc *clock.HLC
	// Invariant: value == len(requests); each request's value is distinct
	// and in 1..value.
	value    int64
	requests map[uint64]applied
	// Recoveries counts restarts that repaired or truncated a log.
	Recoveries int
}

// Value returns the counter.
func (s *Server) Value() int64 { return s.value }

// Applied reports whether request was applied, and its value.
func (s *Server) Applied(request uint64) (int64, bool) {
	a, ok := s.requests[request]
	return a.value, ok
}

// Start rebuilds the state from the write-ahead log and its mirror.
func (s *Server) Start(ctx *sim.NodeContext) {
	s.hlc = clock.NewHLC(ctx.Clock(), uint32(ctx.ID()))
	s.requests = map[uint64]applied{}
	records, repaired, err := recoverLog(ctx.Disk())
	if err != nil {
		ctx.Fail("recovery: %v", err)
		return
	}
	for i, record := range records {
		request, a := decodeRecord(record)
		if a.value != int64(i+1) {
			ctx.Fail("recovery: record %d holds value %d", i, a.value)
			return
		}
		s.requests[request] = a
		s.value = a.value
		s.hlc.Restore(a.stamp)
	}
	if repaired {
		s.Recoveries++
		rewrite(ctx.Disk(), records)
	}
	ctx.Tracef("recovered value=%d repaired=%t", s.value, repaired)
}

// recoverLog merges the two copies record by record. A record valid in
// either copy is kept; the first index valid in neither is a torn tail
// (never acknowledged: it was not synced), where the log ends.
func recoverLog(disk *sim.Disk) (records [][]byte, repaired bool, err error) {
	copies := [2][]sim.Record{}
	for i, name := range []string{walFile, mirrorFile} {
		scanned, scanErr := disk.Scan(name)
		if scanErr != nil && !errors.Is(scanErr, sim.ErrNoFile) {
			return nil, false, scanErr
		}
		copies[i] = scanned
	}
	length := max(len(copies[0]), len(copies[1]))
	for i := range length {
		first, firstOK := validAt(copies[0], i)
		second, secondOK := validAt(copies[1], i)
		switch {
		case firstOK && secondOK && string(first) != string(second):
			return nil, false, fmt.Errorf("copies disagree at record %d", i)
		case firstOK:
			records = append(records, first)
		case secondOK:
			records = append(records, second)
		default:
			return records, true, nil
		}
		repaired = repaired || !firstOK || !secondOK
	}
	return records, repaired, nil
}

func validAt(records []sim.Record, i int) ([]byte, bool) {
	if i >= len(records) || records[i].Err != nil || len(records[i].Data) != recordLen {
		return nil, false
	}
	return records[i].Data, true
}

func rewrite(disk *sim.Disk, records [][]byte) {
	for _, name := range []string{walFile, mirrorFile} {
		disk.Remove(name)
		for _, record := range records {
			disk.Append(name, record)
		}
		disk.Sync(name)
	}
}

func encodeRecord(request uint64, a applied) []byte {
	b := binary.BigEndian.AppendUint64(make([]byte, 0, recordLen), request)
	b = binary.BigEndian.AppendUint64(b, uint64(a.value))
	return a.stamp.AppendKey(b)
}

// decodeRecord reads a record that recoverLog verified (checksum and length).
func decodeRecord(record []byte) (uint64, applied) {
	stamp, err := clock.DecodeTimestampKey(record[16:])
	if err != nil {
		panic(fmt.Sprintf("counter: verified record does not decode: %v", err))
	}
	return binary.BigEndian.Uint64(record), applied{value: int64(binary.BigEndian.Uint64(record[8:])), stamp: stamp}
}

// Receive applies increments and answers reads.
func (s *Server) Receive(ctx *sim.NodeContext, from sim.Addr, message any) {
	switch m := message.(type) {
	case MsgIncrement:
		a, done := s.requests[m.Request]
		if !done || s.bug == BugNoDeduplication {
			a = s.apply(ctx, m.Request)
		}
		_ = ctx.Send(from, MsgIncremented{Request: m.Request, Value: a.value, Stamp: a.stamp})
	case MsgRead:
		_ = ctx.Send(from, MsgReadReply{Request: m.Request, Value: s.value})
	}
}

func (s *Server) apply(ctx *sim.NodeContext, request uint64) applied {
	a := applied{value: s.value + 1, stamp: s.hlc.Now()}
	if s.bug == BugStampFromWallClock {
		a.stamp = clock.Timestamp{WallNanos: ctx.Now(), Node: uint32(ctx.ID())}
	}
	record := encodeRecord(request, a)
	disk := ctx.Disk()
	disk.Append(walFile, record)
	disk.Append(mirrorFile, record)
	if s.bug != BugAckBeforeSync {
		disk.Sync(walFile)
		disk.Sync(mirrorFile)
	}
	s.value = a.value
	s.requests[request] = a
	return a
}

// Timer is unused: the server only reacts to requests.
func (s *Server) Timer(*sim.NodeContext, uint64) {}
