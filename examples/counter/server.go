package counter

import (
	"encoding/binary"
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

// The log's two copies, written together with Disk.AppendToEach, and the
// length of one record (request id, value, HLC timestamp).
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
// sim.Disk.RecoverMirrored merges the two copies: a record damaged in one
// copy comes from the other, a torn tail (never acknowledged: it was not
// synced) is cut, and a record damaged in both copies with records after
// it is an error, which fails the run: acknowledged increments would be
// lost.
func (s *Server) Start(ctx *sim.NodeContext) {
	s.hlc = clock.NewHLC(ctx.Clock(), uint32(ctx.ID()))
	s.requests = map[uint64]applied{}
	records, repaired, err := ctx.Disk().RecoverMirrored(walFile, mirrorFile)
	if err != nil {
		ctx.Fail("recovery: %v", err)
		return
	}
	for i, record := range records {
		request, a, err := decodeRecord(record)
		if err != nil {
			ctx.Fail("recovery: record %d: %v", i, err)
			return
		}
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
	}
	ctx.Tracef("recovered value=%d repaired=%t", s.value, repaired)
}

func encodeRecord(request uint64, a applied) []byte {
	b := binary.BigEndian.AppendUint64(make([]byte, 0, recordLen), request)
	b = binary.BigEndian.AppendUint64(b, uint64(a.value))
	return a.stamp.AppendKey(b)
}

// decodeRecord reads a record back. The disk verified its checksum, so an
// error here means the server wrote something it cannot read: a bug.
func decodeRecord(record []byte) (uint64, applied, error) {
	if len(record) != recordLen {
		return 0, applied{}, fmt.Errorf("%d bytes, want %d", len(record), recordLen)
	}
	stamp, err := clock.DecodeTimestampKey(record[16:])
	if err != nil {
		return 0, applied{}, err
	}
	return binary.BigEndian.Uint64(record), applied{value: int64(binary.BigEndian.Uint64(record[8:])), stamp: stamp}, nil
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
	disk := ctx.Disk()
	disk.AppendToEach(encodeRecord(request, a), walFile, mirrorFile)
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
