package cluster

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/proven2pc/proven/engines/streamlog"
	"github.com/proven2pc/proven/sim"
)

// The log's two copies on the node's disk.
const (
	logFile       = "streamlog"
	logMirrorFile = "streamlog.mirror"
)

// tickTimerTag tags the log node's tick timer.
const tickTimerTag = 1

// LogNode is a sim.Node hosting a streamlog.Service.
type LogNode struct {
	config  streamlog.Config
	service *streamlog.Service // nil until Start recovers, or if recovery failed
	// Repaired says this boot cut a torn tail or repaired a record.
	Repaired bool
}

var _ sim.Node = (*LogNode)(nil)

// NewLogNode returns a log node for a sim.NodeFactory.
func NewLogNode(config streamlog.Config) *LogNode { return &LogNode{config: config} }

// Service returns the hosted service (nil before Start or after a failed
// recovery), for tests and checkers.
func (n *LogNode) Service() *streamlog.Service { return n.service }

// Start rebuilds the service from the disk and arms the tick timer.
func (n *LogNode) Start(ctx *sim.NodeContext) {
	records, repaired, err := readLog(ctx.Disk())
	if err != nil {
		ctx.Fail("streamlog: reading the log: %v", err)
		return
	}
	service, err := streamlog.Recover(n.config, ctx.Clock(), uint32(ctx.ID()), records)
	if err != nil {
		ctx.Fail("streamlog: %v", err)
		return
	}
	if repaired {
		n.Repaired = true
		repairLog(ctx.Disk(), records)
	}
	n.service = service
	ctx.Tracef("streamlog: recovered %d records, repaired=%t", len(records), repaired)
	ctx.SetTimer(service.Config().TickInterval, tickTimerTag)
}

// Receive steps the service with one message.
func (n *LogNode) Receive(ctx *sim.NodeContext, from sim.Addr, message any) {
	if n.service == nil {
		return
	}
	n.carryOut(ctx, n.service.Step(Address(from), message))
}

// Timer ticks the service and re-arms the timer.
func (n *LogNode) Timer(ctx *sim.NodeContext, tag uint64) {
	if n.service == nil || tag != tickTimerTag {
		return
	}
	n.carryOut(ctx, n.service.Tick())
	ctx.SetTimer(n.service.Config().TickInterval, tickTimerTag)
}

// carryOut persists a Ready's records in both copies, syncs, and only then
// sends its messages.
func (n *LogNode) carryOut(ctx *sim.NodeContext, ready streamlog.Ready) {
	if len(ready.Persist) > 0 {
		disk := ctx.Disk()
		for _, record := range ready.Persist {
			disk.AppendToEach(record, logFile, logMirrorFile)
		}
		disk.Sync(logFile)
		disk.Sync(logMirrorFile)
	}
	for _, out := range ready.Messages {
		if err := ctx.Send(Addr(out.To), out.Message); err != nil {
			ctx.Fail("streamlog: send %T to %v: %v", out.Message, Addr(out.To), err)
		}
	}
}

// readLog merges the two copies record by record: a record valid in either
// copy is kept; an index valid in neither ends the log if nothing valid
// follows it (a torn tail, never acknowledged since it never synced), and
// is an error otherwise (acknowledged records would be lost). repaired
// reports that a copy needs cutting or rewriting.
func readLog(disk *sim.Disk) (records [][]byte, repaired bool, err error) {
	primary, err := scanLog(disk, logFile)
	if err != nil {
		return nil, false, err
	}
	mirror, err := scanLog(disk, logMirrorFile)
	if err != nil {
		return nil, false, err
	}
	for i := range max(len(primary), len(mirror)) {
		first, firstValid := validRecord(primary, i)
		second, secondValid := validRecord(mirror, i)
		switch {
		case firstValid && secondValid && !bytes.Equal(first, second):
			return nil, false, fmt.Errorf("the copies differ at record %d", i)
		case firstValid:
			records = append(records, first)
		case secondValid:
			records = append(records, second)
		case anyValidFrom(primary, i+1) || anyValidFrom(mirror, i+1):
			return nil, false, fmt.Errorf("record %d is damaged in both copies, and records follow it", i)
		default:
			return records, true, nil
		}
		repaired = repaired || !firstValid || !secondValid
	}
	return records, repaired, nil
}

func scanLog(disk *sim.Disk, name string) ([]sim.Record, error) {
	scanned, err := disk.Scan(name)
	if err != nil && !errors.Is(err, sim.ErrNoFile) {
		return nil, err
	}
	return scanned, nil
}

func anyValidFrom(records []sim.Record, start int) bool {
	for i := start; i < len(records); i++ {
		if records[i].Err == nil {
			return true
		}
	}
	return false
}

func validRecord(records []sim.Record, i int) ([]byte, bool) {
	if i >= len(records) || records[i].Err != nil {
		return nil, false
	}
	return records[i].Data, true
}

// repairLog makes both copies hold exactly records: a copy whose records
// are intact cuts its tail; a damaged copy is rewritten.
func repairLog(disk *sim.Disk, records [][]byte) {
	for _, name := range []string{logFile, logMirrorFile} {
		scanned, _ := disk.Scan(name)
		intact := len(scanned) >= len(records)
		for i := 0; intact && i < len(records); i++ {
			intact = scanned[i].Err == nil
		}
		if intact {
			disk.Truncate(name, len(records))
			continue
		}
		disk.Remove(name)
		for _, record := range records {
			disk.Append(name, record)
		}
		disk.Sync(name)
	}
}
