package runner

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/proven2pc/proven/engines/wire"
	"pgregory.net/rapid"
)

// scenario holds a runner and its last record across datadriven commands.
type scenario struct {
	config Config
	runner *Runner
	record []byte
}

// TestScenarios runs testdata/*.txt. Commands:
//
//	new streams=a,b,c nodes=1,2 [misses=N]  a runner (node addresses are numbers)
//	heartbeat node=N [version=V]            a heartbeat from node N
//	tick [count=K]                          K Ticks (default 1)
//	placement                               the placement and each node's liveness
//	recover                                 a new runner from the last record
func TestScenarios(t *testing.T) {
	datadriven.Walk(t, "testdata", func(t *testing.T, path string) {
		s := &scenario{}
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			return s.run(t, d)
		})
	})
}

func (s *scenario) run(t *testing.T, d *datadriven.TestData) string {
	switch d.Cmd {
	case "new":
		var streams, nodes string
		d.ScanArgs(t, "streams", &streams)
		d.ScanArgs(t, "nodes", &nodes)
		s.config = Config{Streams: strings.Split(streams, ",")}
		for _, text := range strings.Split(nodes, ",") {
			n, err := strconv.ParseUint(text, 10, 64)
			if err != nil {
				d.Fatalf(t, "node %q: %v", text, err)
			}
			s.config.Nodes = append(s.config.Nodes, wire.Address(n))
		}
		if d.HasArg("misses") {
			d.ScanArgs(t, "misses", &s.config.HeartbeatMissesMax)
		}
		runner, err := New(s.config)
		if err != nil {
			return err.Error()
		}
		s.runner, s.record = runner, nil
		return s.placement()
	case "heartbeat":
		var node, version uint64
		d.ScanArgs(t, "node", &node)
		if d.HasArg("version") {
			d.ScanArgs(t, "version", &version)
		}
		return s.show(s.runner.Step(wire.Address(node), MsgHeartbeat{Node: wire.Address(node), Version: version}))
	case "tick":
		count := 1
		if d.HasArg("count") {
			d.ScanArgs(t, "count", &count)
		}
		var lines []string
		for i := range count {
			if shown := s.show(s.runner.Tick()); shown != "" {
				lines = append(lines, fmt.Sprintf("tick %d:\n%s", i+1, shown))
			}
		}
		return strings.Join(lines, "")
	case "placement":
		return s.placement()
	case "recover":
		runner, err := Recover(s.config, s.record)
		if err != nil {
			return err.Error()
		}
		s.runner = runner
		return s.placement()
	}
	d.Fatalf(t, "unknown command %q", d.Cmd)
	return ""
}

// show prints a Ready: the record first (it is persisted before anything
// is sent), then each message.
func (s *scenario) show(ready Ready) string {
	var b strings.Builder
	if ready.Record != nil {
		s.record = ready.Record
		fmt.Fprintf(&b, "record v%d\n", s.runner.Version())
	}
	for _, out := range ready.Messages {
		assignment := out.Message.(MsgAssignment)
		fmt.Fprintf(&b, "-> n%d assignment v%d %s\n", out.To, assignment.Version, formatPlacements(assignment.Placements))
	}
	return b.String()
}

func (s *scenario) placement() string {
	var live []string
	for _, node := range s.config.Nodes {
		state := "dead"
		if s.runner.Live(node) {
			state = "live"
		}
		live = append(live, fmt.Sprintf("n%d=%s", node, state))
	}
	return fmt.Sprintf("v%d %s\n%s\n", s.runner.Version(), formatPlacements(s.runner.Placements()), strings.Join(live, " "))
}

func formatPlacements(placements []Placement) string {
	parts := make([]string, len(placements))
	for i, p := range placements {
		parts[i] = fmt.Sprintf("%s@n%d", p.Stream, p.Node)
	}
	return strings.Join(parts, " ")
}

// TestPlacementInvariants drives a runner with random heartbeats, ticks
// and restarts from its record.
func TestPlacementInvariants(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		streamCount := rapid.IntRange(0, 6).Draw(t, "streams")
		nodeCount := rapid.IntRange(1, 4).Draw(t, "nodes")
		config := Config{HeartbeatMissesMax: rapid.IntRange(1, 4).Draw(t, "misses")}
		for i := range streamCount {
			config.Streams = append(config.Streams, fmt.Sprintf("s%d", i))
		}
		for j := range nodeCount {
			config.Nodes = append(config.Nodes, wire.Address(j+1))
		}
		runner, err := New(config)
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		// steady is a node that heartbeats before every Tick; it must never die.
		steady := rapid.IntRange(-1, nodeCount-1).Draw(t, "steady")
		nodeVersion := make([]uint64, nodeCount)
		var record []byte
		for step := range rapid.IntRange(1, 60).Draw(t, "steps") {
			versionBefore := runner.Version()
			var ready Ready
			switch action := rapid.IntRange(0, 9).Draw(t, fmt.Sprintf("action%d", step)); {
			case action < 5:
				j := rapid.IntRange(0, nodeCount-1).Draw(t, fmt.Sprintf("node%d", step))
				ready = runner.Step(config.Nodes[j], MsgHeartbeat{Node: config.Nodes[j], Version: nodeVersion[j]})
			case action < 9:
				if steady >= 0 {
					deliver(nodeVersion, runner.Step(config.Nodes[steady], MsgHeartbeat{Node: config.Nodes[steady], Version: nodeVersion[steady]}))
				}
				ready = runner.Tick()
				checkNoStreamOnDeadNode(t, runner, config)
				if steady >= 0 && !runner.Live(config.Nodes[steady]) {
					t.Fatalf("node %d heartbeats every tick but is dead", config.Nodes[steady])
				}
			default:
				if runner, err = Recover(config, record); err != nil {
					t.Fatalf("Recover of the last record: %v", err)
				}
				if record != nil && runner.Version() < versionBefore {
					// A restart from the last record keeps its version: it
					// was persisted before anyone heard of it.
					t.Fatalf("recovered version %d < %d", runner.Version(), versionBefore)
				}
			}
			if ready.Record != nil {
				record = ready.Record
				recovered, err := Recover(config, record)
				if err != nil || fmt.Sprint(recovered.Placements()) != fmt.Sprint(runner.Placements()) {
					t.Fatalf("Recover(record) = %v, %v; want %v", recovered, err, runner.Placements())
				}
			}
			if runner.Version() < versionBefore {
				t.Fatalf("version went from %d to %d", versionBefore, runner.Version())
			}
			deliver(nodeVersion, ready)
			checkEveryStreamPlaced(t, runner, config)
		}
	})
}

// deliver gives each node the assignments sent to it.
func deliver(nodeVersion []uint64, ready Ready) {
	for _, out := range ready.Messages {
		assignment := out.Message.(MsgAssignment)
		j := int(out.To) - 1
		nodeVersion[j] = max(nodeVersion[j], assignment.Version)
	}
}

func checkEveryStreamPlaced(t *rapid.T, runner *Runner, config Config) {
	placements := runner.Placements()
	if len(placements) != len(config.Streams) {
		t.Fatalf("%d placements for %d streams", len(placements), len(config.Streams))
	}
	for i, p := range placements {
		if p.Stream != config.Streams[i] || p.Node < 1 || int(p.Node) > len(config.Nodes) {
			t.Fatalf("placement %d is %+v", i, p)
		}
	}
}

func checkNoStreamOnDeadNode(t *rapid.T, runner *Runner, config Config) {
	anyLive := false
	for _, node := range config.Nodes {
		anyLive = anyLive || runner.Live(node)
	}
	if !anyLive {
		return
	}
	for _, p := range runner.Placements() {
		if !runner.Live(p.Node) {
			t.Fatalf("stream %s stays on dead node %d while a node is live", p.Stream, p.Node)
		}
	}
}

// TestRecoverRejectsBadRecords: arbitrary bytes give an error or a runner
// whose placement is valid, never a panic.
func TestRecoverRejectsBadRecords(t *testing.T) {
	config := Config{Streams: []string{"a", "b"}, Nodes: []wire.Address{1, 2}}
	rapid.Check(t, func(t *rapid.T) {
		data := rapid.SliceOf(rapid.Byte()).Draw(t, "record")
		runner, err := Recover(config, data)
		if err != nil {
			return
		}
		for _, p := range runner.Placements() {
			if p.Node != 1 && p.Node != 2 {
				t.Fatalf("placement %+v from %x", p, data)
			}
		}
	})
}

func TestNewRejectsNoNodes(t *testing.T) {
	if _, err := New(Config{Streams: []string{"a"}}); err == nil {
		t.Fatal("New with no nodes succeeded")
	}
}

func TestAssigned(t *testing.T) {
	assignment := MsgAssignment{Version: 2, Placements: []Placement{{"a", 1}, {"b", 2}, {"c", 1}}}
	if got := fmt.Sprint(Assigned(assignment, 1)); got != "[a c]" {
		t.Fatalf("Assigned(1) = %s", got)
	}
}

func TestAssignmentRecordRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		assignment := MsgAssignment{Version: rapid.Uint64().Draw(t, "version")}
		for i := range rapid.IntRange(0, 5).Draw(t, "count") {
			assignment.Placements = append(assignment.Placements, Placement{
				Stream: rapid.String().Draw(t, fmt.Sprintf("stream%d", i)),
				Node:   wire.Address(rapid.Uint64().Draw(t, fmt.Sprintf("node%d", i)))})
		}
		decoded, err := DecodeAssignment(EncodeAssignment(assignment))
		if err != nil || fmt.Sprintf("%#v", decoded) != fmt.Sprintf("%#v", assignment) {
			t.Fatalf("round trip of %#v: %#v, %v", assignment, decoded, err)
		}
	})
}

func TestDecodeAssignmentNeverPanics(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		_, _ = DecodeAssignment(rapid.SliceOf(rapid.Byte()).Draw(t, "record"))
	})
}
