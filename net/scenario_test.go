package net

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/datadriven"
)

// TestScenarios runs the files in testdata/. Each file starts with a network
// using Calm() and seed 1. Commands:
//
//	reset seed=N                          fresh network, Calm(), seed N
//	config [delay-min=D] [delay-mean=D] [slow-tail=P] [slow-tail-max=D]
//	       [loss=P] [dup=P] [reorder=B]   Calm() with these fields replaced
//	send from=N to=N at=D [count=K] [every=D]
//	                                      one line per message: its fate
//	block|unblock|clog from=N to=N [until=D]
//	partition a=N,N b=N,N
//	isolate node=N all=N,N,...
//	halves all=N,N,... seed=N             PartitionRandomHalves, prints sides
//	heal
//	links nodes=N,N,...                   every blocked directed link
//	stats
func TestScenarios(t *testing.T) {
	// Glob, not datadriven.Walk: rapid writes its failure files under
	// testdata/rapid/, which are not scenarios.
	paths, err := filepath.Glob("testdata/*")
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range paths {
		if info, err := os.Stat(path); err != nil || info.IsDir() {
			continue
		}
		t.Run(filepath.Base(path), func(t *testing.T) {
			s := &scenario{network: newSeeded(Calm(), 1)}
			datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
				return s.run(t, d)
			})
		})
	}
}

type scenario struct {
	network *Network
	out     []int64
}

func (s *scenario) run(t *testing.T, d *datadriven.TestData) string {
	switch d.Cmd {
	case "reset":
		s.network = newSeeded(Calm(), uint64(intArg(t, d, "seed")))
		return ""
	case "config":
		return s.config(t, d)
	case "send":
		return s.send(t, d)
	case "block":
		s.network.Block(nodeArg(t, d, "from"), nodeArg(t, d, "to"))
	case "unblock":
		s.network.Unblock(nodeArg(t, d, "from"), nodeArg(t, d, "to"))
	case "clog":
		s.network.Clog(nodeArg(t, d, "from"), nodeArg(t, d, "to"), int64(durationArg(t, d, "until")))
	case "partition":
		s.network.Partition(nodesArg(t, d, "a"), nodesArg(t, d, "b"))
	case "isolate":
		s.network.Isolate(nodeArg(t, d, "node"), nodesArg(t, d, "all"))
	case "halves":
		rng := rand.New(rand.NewPCG(uint64(intArg(t, d, "seed")), 0))
		sideA, sideB := s.network.PartitionRandomHalves(nodesArg(t, d, "all"), rng)
		return fmt.Sprintf("a=%s b=%s", formatNodes(sideA), formatNodes(sideB))
	case "heal":
		s.network.Heal()
	case "links":
		return s.links(nodesArg(t, d, "nodes"))
	case "stats":
		stats := s.network.Stats()
		return fmt.Sprintf("sent=%d delivered=%d lost=%d blocked=%d duplicated=%d held=%d",
			stats.Sent, stats.Delivered, stats.Lost, stats.Blocked, stats.Duplicated, stats.Held)
	default:
		d.Fatalf(t, "unknown command %q", d.Cmd)
	}
	return "ok"
}

func (s *scenario) config(t *testing.T, d *datadriven.TestData) string {
	cfg := Calm()
	for _, arg := range d.CmdArgs {
		value := arg.SingleVal(t)
		switch arg.Key {
		case "delay-min":
			cfg.DelayMin = parseDuration(t, d, value)
		case "delay-mean":
			cfg.DelayMean = parseDuration(t, d, value)
		case "slow-tail":
			cfg.SlowTailProbability = parseFloat(t, d, value)
		case "slow-tail-max":
			cfg.SlowTailMax = parseDuration(t, d, value)
		case "loss":
			cfg.LossProbability = parseFloat(t, d, value)
		case "dup":
			cfg.DuplicateProbability = parseFloat(t, d, value)
		case "reorder":
			cfg.Reorder = value == "true"
		default:
			d.Fatalf(t, "unknown config field %q", arg.Key)
		}
	}
	if err := cfg.Validate(); err != nil {
		return err.Error()
	}
	s.network.SetConfig(cfg)
	return fmt.Sprintf("delay-min=%v delay-mean=%v slow-tail=%v slow-tail-max=%v loss=%v dup=%v reorder=%v delay-max=%v",
		cfg.DelayMin, cfg.DelayMean, cfg.SlowTailProbability, cfg.SlowTailMax,
		cfg.LossProbability, cfg.DuplicateProbability, cfg.Reorder, cfg.DelayMax())
}

func (s *scenario) send(t *testing.T, d *datadriven.TestData) string {
	from, to := nodeArg(t, d, "from"), nodeArg(t, d, "to")
	atNanos := int64(durationArg(t, d, "at"))
	count, everyNanos := 1, int64(0)
	if d.HasArg("count") {
		count = intArg(t, d, "count")
	}
	if d.HasArg("every") {
		everyNanos = int64(durationArg(t, d, "every"))
	}
	var lines strings.Builder
	for range count {
		before := s.network.Stats()
		s.out = s.network.Plan(from, to, atNanos, s.out[:0])
		after := s.network.Stats()
		fmt.Fprintf(&lines, "%d->%d sent=%v: %s\n", from, to, time.Duration(atNanos), fate(before, after, s.out))
		atNanos += everyNanos
	}
	return lines.String()
}

// fate describes one planned message from the stats it changed.
func fate(before, after Stats, deliveries []int64) string {
	switch {
	case after.Blocked > before.Blocked:
		return "blocked"
	case after.Lost > before.Lost:
		return "lost"
	}
	var text strings.Builder
	text.WriteString("deliver")
	for _, deliveryNanos := range deliveries {
		fmt.Fprintf(&text, " at=%v", time.Duration(deliveryNanos))
	}
	if after.Duplicated > before.Duplicated {
		text.WriteString(" (duplicated)")
	}
	if after.Held > before.Held {
		text.WriteString(" (held)")
	}
	return text.String()
}

func (s *scenario) links(nodes []NodeID) string {
	var lines strings.Builder
	for _, from := range nodes {
		for _, to := range nodes {
			if s.network.Blocked(from, to) {
				fmt.Fprintf(&lines, "%d->%d blocked\n", from, to)
			}
		}
	}
	if lines.Len() == 0 {
		return "no link blocked"
	}
	return lines.String()
}

func formatNodes(nodes []NodeID) string {
	parts := make([]string, len(nodes))
	for i, node := range nodes {
		parts[i] = strconv.FormatUint(uint64(node), 10)
	}
	return strings.Join(parts, ",")
}

func stringArg(t *testing.T, d *datadriven.TestData, key string) string {
	arg, ok := d.Arg(key)
	if !ok {
		d.Fatalf(t, "missing argument %s=", key)
	}
	return strings.Join(arg.Vals, ",")
}

func intArg(t *testing.T, d *datadriven.TestData, key string) int {
	value, err := strconv.Atoi(stringArg(t, d, key))
	if err != nil {
		d.Fatalf(t, "%s: %v", key, err)
	}
	return value
}

func nodeArg(t *testing.T, d *datadriven.TestData, key string) NodeID {
	return NodeID(intArg(t, d, key))
}

func nodesArg(t *testing.T, d *datadriven.TestData, key string) []NodeID {
	var nodes []NodeID
	for _, field := range strings.Split(stringArg(t, d, key), ",") {
		value, err := strconv.ParseUint(strings.TrimSpace(field), 10, 32)
		if err != nil {
			d.Fatalf(t, "%s: %v", key, err)
		}
		nodes = append(nodes, NodeID(value))
	}
	return nodes
}

func durationArg(t *testing.T, d *datadriven.TestData, key string) time.Duration {
	return parseDuration(t, d, stringArg(t, d, key))
}

func parseDuration(t *testing.T, d *datadriven.TestData, value string) time.Duration {
	duration, err := time.ParseDuration(value)
	if err != nil {
		d.Fatalf(t, "%v", err)
	}
	return duration
}

func parseFloat(t *testing.T, d *datadriven.TestData, value string) float64 {
	number, err := strconv.ParseFloat(value, 64)
	if err != nil {
		d.Fatalf(t, "%v", err)
	}
	return number
}
