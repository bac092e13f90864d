package streamlog

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/datadriven"
	"github.com/proven2pc/proven/engines/wire"
)

// scenario is the state of one datadriven file: a service, its clock, and
// every record it asked to persist (the "disk").
type scenario struct {
	config Config
	// sites are the code fault sites switched on.
	sites   Sites
	clock   *scriptedClock
	node    uint32
	service *Service
	records [][]byte
}

// TestScenarios runs testdata/scenarios/*. Commands:
//
//	new [tick=N] [read-max=N] [dedupe=N] [node=N] [clock=N] [sites=A,B]
//	                                      a fresh service (times in ns), with code fault
//	                                      sites deadline-stamp and tiny-batch switched on
//	sites [on=A,B]                        switch the sites on (the others off)
//	clock set=N | jump=N                  set or move the physical clock
//	append stream=S origin=O seq=Q [reply=A] [payload=P | deadline=D]
//	                                      deadline: the payload is an operation entry with deadline D
//	subscribe stream=S to=A [from=N]
//	read stream=S [from=N] [count=N] [reply=A]
//	tick
//	unknown                               step a message of an unknown type
//	crash [drop=I] [suffix]               lose memory; Recover from the persisted records
//	                                      (without record I: a broken log; suffix: RecoverSuffix)
//	remove stream=S below=N               RemoveBelow, and drop the removed records from the disk
//	log stream=S                          the stream's entries
//	streams                               known streams with their heads
//	stats
func TestScenarios(t *testing.T) {
	datadriven.Walk(t, "testdata/scenarios", func(t *testing.T, path string) {
		s := &scenario{}
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			return s.run(t, d)
		})
	})
}

func (s *scenario) run(t *testing.T, d *datadriven.TestData) string {
	if d.Cmd != "new" && s.service == nil {
		d.Fatalf(t, "%s before new", d.Cmd)
	}
	switch d.Cmd {
	case "new":
		return s.reset(t, d)
	case "clock":
		var value int64
		if d.MaybeScanArgs(t, "set", &value) {
			s.clock.nowNanos = value
		} else {
			d.ScanArgs(t, "jump", &value)
			s.clock.nowNanos += value
		}
		return fmt.Sprintf("clock=%d\n", s.clock.nowNanos)
	case "append", "subscribe", "read", "tick", "unknown":
		return s.step(t, d)
	case "sites":
		s.sites = parseSites(d)
		return fmt.Sprintf("%+v\n", s.sites)
	case "crash":
		records := s.records
		var drop int
		if d.MaybeScanArgs(t, "drop", &drop) {
			records = slices.Delete(slices.Clone(records), drop, drop+1)
		}
		recover := Recover
		if d.HasArg("suffix") {
			recover = RecoverSuffix
		}
		service, err := recover(s.config, s.clock, s.node, records)
		if err != nil {
			return fmt.Sprintf("error: %v\n", err)
		}
		s.service = service
		return fmt.Sprintf("recovered %d records\n", len(records)) + s.streams()
	case "remove":
		return s.remove(t, d)
	case "log":
		var stream string
		d.ScanArgs(t, "stream", &stream)
		return formatEntries(s.service.Read(stream, 1, 1<<30)) + "\n"
	case "streams":
		return s.streams()
	case "stats":
		return fmt.Sprintf("%+v\n", s.service.Stats())
	}
	d.Fatalf(t, "unknown command %q", d.Cmd)
	return ""
}

func (s *scenario) reset(t *testing.T, d *datadriven.TestData) string {
	var tickNanos int64
	d.MaybeScanArgs(t, "tick", &tickNanos)
	s.config = Config{TickInterval: time.Duration(tickNanos)}
	d.MaybeScanArgs(t, "read-max", &s.config.ReadCountMax)
	d.MaybeScanArgs(t, "dedupe", &s.config.DedupeWindow)
	s.sites = parseSites(d)
	s.config.Sites = func() Sites { return s.sites }
	s.node = 1
	d.MaybeScanArgs(t, "node", &s.node)
	s.clock = &scriptedClock{}
	d.MaybeScanArgs(t, "clock", &s.clock.nowNanos)
	s.service = New(s.config, s.clock, s.node)
	s.records = nil
	c := s.service.Config()
	return fmt.Sprintf("{TickInterval:%v ReadCountMax:%d DedupeWindow:%d}\n", c.TickInterval, c.ReadCountMax, c.DedupeWindow)
}

// parseSites reads the sites (or on) argument: sites named by their
// simulator names.
func parseSites(d *datadriven.TestData) Sites {
	var sites Sites
	for _, arg := range d.CmdArgs {
		if arg.Key != "sites" && arg.Key != "on" {
			continue
		}
		for _, name := range strings.Split(strings.Join(arg.Vals, ","), ",") {
			switch name {
			case "deadline-stamp":
				sites.StampAtDeadline = true
			case "tiny-batch":
				sites.TinyBatches = true
			}
		}
	}
	return sites
}

func (s *scenario) step(t *testing.T, d *datadriven.TestData) string {
	var stream, payload string
	var from, origin, sequence uint64
	count := 1 << 30
	reply := uint64(100)
	d.MaybeScanArgs(t, "stream", &stream)
	d.MaybeScanArgs(t, "from", &from)
	d.MaybeScanArgs(t, "reply", &reply)
	d.MaybeScanArgs(t, "count", &count)
	d.MaybeScanArgs(t, "payload", &payload)
	var deadline int64
	if d.MaybeScanArgs(t, "deadline", &deadline) {
		payload = string(wire.Entry{Kind: wire.EntryOperation, DeadlineNanos: deadline}.Encode())
	}
	var ready Ready
	switch d.Cmd {
	case "append":
		d.ScanArgs(t, "origin", &origin)
		d.ScanArgs(t, "seq", &sequence)
		ready = s.service.Step(wire.Address(reply), wire.MsgAppend{
			Request: wire.RequestID{Origin: origin, Sequence: sequence}, ReplyTo: wire.Address(reply),
			Stream: stream, Payload: []byte(payload)})
	case "subscribe":
		var subscriber uint64
		d.ScanArgs(t, "to", &subscriber)
		ready = s.service.Step(wire.Address(subscriber), wire.MsgSubscribe{Stream: stream, From: from,
			Subscriber: wire.Address(subscriber)})
	case "read":
		ready = s.service.Step(wire.Address(reply), wire.MsgReadLog{Request: wire.RequestID{Origin: 9, Sequence: 1},
			ReplyTo: wire.Address(reply), Stream: stream, From: from, CountMax: count})
	case "tick":
		ready = s.service.Tick()
	case "unknown":
		ready = s.service.Step(1, wire.MsgVote{})
	}
	s.records = append(s.records, ready.Persist...)
	return formatReady(ready)
}

// remove drops a stream's entries below a position from the service, and
// their records from the disk, as a host that removes old segments does.
func (s *scenario) remove(t *testing.T, d *datadriven.TestData) string {
	var stream string
	var below uint64
	d.ScanArgs(t, "stream", &stream)
	d.ScanArgs(t, "below", &below)
	first := s.service.RemoveBelow(stream, below)
	kept := s.records[:0]
	for _, data := range s.records {
		r, err := decodeRecord(data)
		if err != nil {
			t.Fatal(err)
		}
		if r.stream != stream || r.entry.Position >= first {
			kept = append(kept, data)
		}
	}
	removed := len(s.records) - len(kept)
	s.records = kept
	return fmt.Sprintf("first=%d removed %d records\n", first, removed)
}

func (s *scenario) streams() string {
	var b strings.Builder
	for _, name := range s.service.Streams() {
		position, timestamp := s.service.Head(name)
		fmt.Fprintf(&b, "%s head=#%d %v", name, position, timestamp)
		if first := s.service.First(name); first != 1 {
			fmt.Fprintf(&b, " first=#%d", first)
		}
		b.WriteString("\n")
	}
	return b.String()
}
