package processor

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines/wire"
)

// TestScenarios runs testdata/scenarios/*.txt. Each command appends one entry to a
// stream (or acts on a processor) and prints what the processors told the
// coordinator. Commands (txn=N names transaction N; smaller is older;
// at=W sets the entry's log time, default one after the stream's last;
// deadline defaults to 1000):
//
//	processor stream=S [recover] [retention=R collect=C]
//	                                      start S's processor (from its checkpoint),
//	                                      with VersionRetention R (ns) and CollectEvery C
//	op stream=S txn=N seq=K op=(put a 1)  an operation entry
//	prepare stream=S txn=N [participants=S:P,T:Q] [used=K]
//	                                      used: the operations the coordinator used (entry Sequence)
//	commit stream=S txn=N ts=T            T is a wall time or a full timestamp
//	abort stream=S txn=N
//	onephase stream=S txn=N [op=...] [used=K]  one-phase commit (ad hoc with op)
//	tick stream=S [at=W]                  a tick entry
//	read stream=S snapshot=W op=(get a)   a snapshot read
//	checkpoint stream=S                   keep the processor's checkpoint
//	crash stream=S                        drop the processor (its state is lost)
//	proctick stream=S                     the host's periodic Tick
//	status                                every processor's status
//	pins stream=S                         S's LogPins
//	watermark stream=S                    S's GC watermark and the engine's versions
func TestScenarios(t *testing.T) {
	datadriven.Walk(t, "testdata/scenarios", func(t *testing.T, path string) {
		h := newHarness()
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			var stream string
			if d.HasArg("stream") {
				d.ScanArgs(t, "stream", &stream)
			}
			entry := wire.Entry{ReplyTo: coordinatorAddress, Request: h.nextRequest(), DeadlineNanos: 1000}
			if d.HasArg("txn") {
				var n int64
				d.ScanArgs(t, "txn", &n)
				entry.Txn = txnID(n)
			}
			if d.HasArg("deadline") {
				d.ScanArgs(t, "deadline", &entry.DeadlineNanos)
			}
			for _, arg := range d.CmdArgs {
				if arg.Key == "op" {
					entry.Operation = []byte(strings.Join(arg.Vals, ","))
				}
			}
			if d.HasArg("used") {
				var used int
				d.ScanArgs(t, "used", &used)
				entry.Sequence = uint32(used)
			}
			var at int64
			if d.HasArg("at") {
				d.ScanArgs(t, "at", &at)
			}
			switch d.Cmd {
			case "processor":
				if d.HasArg("retention") {
					var retention, collect int
					d.ScanArgs(t, "retention", &retention)
					d.ScanArgs(t, "collect", &collect)
					h.collection[stream] = [2]int{retention, collect}
				}
				h.addProcessor(stream, d.HasArg("recover"))
			case "op":
				entry.Kind = wire.EntryOperation
				var seq int
				d.ScanArgs(t, "seq", &seq)
				entry.Sequence = uint32(seq)
				h.append(stream, entry, at)
			case "prepare":
				entry.Kind = wire.EntryPrepare
				entry.Participants = parseParticipants(t, d)
				h.append(stream, entry, at)
			case "commit":
				entry.Kind = wire.EntryCommit
				var text string
				d.ScanArgs(t, "ts", &text)
				entry.CommitTimestamp = parseStamp(t, text)
				h.append(stream, entry, at)
			case "abort":
				entry.Kind = wire.EntryAbort
				h.append(stream, entry, at)
			case "onephase":
				entry.Kind = wire.EntryOnePhase
				h.append(stream, entry, at)
			case "tick":
				h.append(stream, wire.Entry{Kind: wire.EntryTick}, at)
			case "read":
				var snapshot string
				d.ScanArgs(t, "snapshot", &snapshot)
				p := h.processors[stream]
				h.route(p.config.Self, p.Step(coordinatorAddress, wire.MsgSnapshotRead{Request: entry.Request,
					ReplyTo: coordinatorAddress, Stream: stream, Snapshot: parseStamp(t, snapshot), Operation: entry.Operation}))
				h.drain()
			case "checkpoint":
				h.checkpoints[stream] = h.processors[stream].Checkpoint()
				return "ok"
			case "crash":
				delete(h.processors, stream)
				h.subscribed[stream] = false
				return "ok"
			case "proctick":
				p := h.processors[stream]
				h.route(p.config.Self, p.Tick())
				h.drain()
			case "status":
				return h.statusLine()
			case "pins":
				return pinsLine(h.processors[stream].LogPins())
			case "watermark":
				p := h.processors[stream]
				return fmt.Sprintf("watermark=%v versions=%d", p.Watermark(), p.Engine().(*registerEngine).store.Stats().Versions)
			default:
				t.Fatalf("unknown command %q", d.Cmd)
			}
			return h.takeReplies()
		})
	})
}

func parseParticipants(t *testing.T, d *datadriven.TestData) []wire.Participant {
	if !d.HasArg("participants") {
		return nil
	}
	var text string
	d.ScanArgs(t, "participants", &text)
	var participants []wire.Participant
	for _, part := range strings.Split(text, ",") {
		name, position, _ := strings.Cut(part, ":")
		start, err := strconv.ParseUint(position, 10, 64)
		if err != nil {
			t.Fatalf("participant %q: %v", part, err)
		}
		participants = append(participants, wire.Participant{Stream: name, StartPosition: start})
	}
	return participants
}

func parseStamp(t *testing.T, text string) clock.Timestamp {
	if strings.Contains(text, "@") {
		stamp, err := clock.ParseTimestamp(text)
		if err != nil {
			t.Fatal(err)
		}
		return stamp
	}
	wall, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return clock.Timestamp{WallNanos: wall, Node: 1}
}
